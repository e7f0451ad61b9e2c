import { assert, describe, it } from "@effect/vitest"
import { Context, Deferred, Duration, Effect, Exit, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import type { CloseReason } from "../../src/protocol/CloseReason.js"
import { Flusher } from "../../src/session/Flusher.js"
import { Outbox } from "../../src/session/Outbox.js"
import type { Sink } from "../../src/transport/Sink.js"

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (data: Uint8Array) => new TextDecoder().decode(data)

/** A transport whose room the test decides; `wrote(n)` completes once it has taken `n` writes. */
class FakeSink implements Sink {
  readonly writes: Array<Uint8Array> = []
  room = true
  private drain = Deferred.makeUnsafe<void>()
  private waiters: Array<{ readonly n: number; readonly done: Deferred.Deferred<void> }> = []

  write(data: Uint8Array): boolean {
    this.writes.push(data)
    const ready = this.waiters.filter((w) => w.n <= this.writes.length)
    this.waiters = this.waiters.filter((w) => w.n > this.writes.length)
    for (const w of ready) Deferred.doneUnsafe(w.done, Exit.void)
    return this.room
  }
  get drained(): Effect.Effect<void> {
    return Effect.suspend(() => (this.room ? Effect.void : Deferred.await(this.drain)))
  }
  closed(): boolean {
    return false
  }
  end(): Effect.Effect<void> {
    return Effect.void
  }
  abort(): void {}
  /** The transport has room again. */
  drains(): void {
    this.room = true
    Deferred.doneUnsafe(this.drain, Exit.void)
    this.drain = Deferred.makeUnsafe<void>()
  }
  wrote(n: number): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.writes.length >= n) return Effect.void
      const done = Deferred.makeUnsafe<void>()
      this.waiters.push({ n, done })
      return Deferred.await(done)
    })
  }
  get texts(): Array<string> {
    return this.writes.map(text)
  }
}

/** An outbox that records each write's `concat`: one function per flusher pass. */
class SpyOutbox extends Outbox {
  readonly passes: Array<unknown> = []
  override write(concat: (chunks: ReadonlyArray<Uint8Array>, size: number) => Uint8Array): boolean {
    this.passes.push(concat)
    return super.write(concat)
  }
}

const owner = () => {
  const counts = { overflowed: 0, stalled: 0, written: 0 }
  return {
    counts,
    cut: (reason: CloseReason) => reason._tag === "Slow" ? counts.overflowed++ : counts.stalled++,
    counters: {
      get bytesOut() {
        return counts.written
      },
      set bytesOut(n: number) {
        counts.written = n
      }
    }
  }
}

/** A fresh outbox on the flusher, with the write timeout of the test. */
const outbox = Effect.gen(function*() {
  const flusher = yield* Flusher
  const writeTimeout = yield* WriteTimeout
  const sink = new FakeSink()
  const reports = owner()
  return { sink, reports, outbox: new SpyOutbox({ limit: 1024, writeTimeout }, sink, flusher, reports.counters, reports, { bytesOut: 0 }) }
})

class WriteTimeout extends Context.Service<WriteTimeout, Duration.Duration>()("test/WriteTimeout") {}

const withFlusher = (writeTimeout = Duration.seconds(30)) =>
  Effect.provide(Layer.merge(Flusher.layer, Layer.succeed(WriteTimeout, writeTimeout)))

describe("Flusher", () => {
  it.effect("writes the outboxes of a turn after it, in one pass, each once", () =>
    Effect.gen(function*() {
      const a = yield* outbox
      const b = yield* outbox
      const c = yield* outbox
      a.outbox.push(bytes("a1 "))
      b.outbox.push(bytes("b1 "))
      a.outbox.push(bytes("a2 "))
      c.outbox.push(bytes("c1"))
      b.outbox.push(bytes("b2 "))
      a.outbox.push(bytes("a3"))
      b.outbox.push(bytes("b3"))
      assert.deepStrictEqual([a.sink.writes.length, b.sink.writes.length, c.sink.writes.length], [0, 0, 0])
      yield* Effect.all([a.outbox.flushed, b.outbox.flushed, c.outbox.flushed])
      assert.deepStrictEqual(a.sink.texts, ["a1 a2 a3"])
      assert.deepStrictEqual(b.sink.texts, ["b1 b2 b3"])
      assert.deepStrictEqual(c.sink.texts, ["c1"])
      assert.strictEqual(a.outbox.passes.length, 1)
      assert.strictEqual(b.outbox.passes.length, 1)
      assert.strictEqual(c.outbox.passes.length, 1)
      assert.strictEqual(a.outbox.passes[0], b.outbox.passes[0], "a and b in one pass")
      assert.strictEqual(a.outbox.passes[0], c.outbox.passes[0], "a and c in one pass")
      assert.strictEqual(a.reports.counts.written, 8)
      // a later turn is another pass
      a.outbox.push(bytes("again"))
      yield* a.outbox.flushed
      assert.deepStrictEqual(a.sink.texts, ["a1 a2 a3", "again"])
      assert.notStrictEqual(a.outbox.passes[1], a.outbox.passes[0])
    }).pipe(withFlusher()))

  it.effect("treats a transport that throws on write as gone and still writes the others, then and later", () =>
    Effect.gen(function*() {
      const broken = yield* outbox
      const fine = yield* outbox
      broken.sink.write = () => {
        throw new Error("EPIPE")
      }
      broken.outbox.push(bytes("lost"))
      fine.outbox.push(bytes("first"))
      yield* Effect.all([broken.outbox.flushed, fine.outbox.flushed])
      assert.deepStrictEqual(fine.sink.texts, ["first"])
      broken.outbox.push(bytes("dropped"))
      fine.outbox.push(bytes("second"))
      yield* fine.outbox.flushed
      assert.deepStrictEqual(fine.sink.texts, ["first", "second"])
      assert.strictEqual(broken.outbox.passes.length, 1, "an abandoned outbox is not scheduled again")
    }).pipe(withFlusher()))

  it.effect("gives outboxes that queued the very same chunks the very same buffer", () =>
    Effect.gen(function*() {
      const [a, b, c, d] = [yield* outbox, yield* outbox, yield* outbox, yield* outbox]
      const hello = bytes("hello ")
      const world = bytes("world")
      const other = bytes("there")
      for (const o of [a, b]) {
        o.outbox.push(hello)
        o.outbox.push(world)
      }
      c.outbox.push(hello)
      c.outbox.push(other)
      d.outbox.push(world)
      yield* Effect.all([a, b, c, d].map((o) => o.outbox.flushed))
      assert.deepStrictEqual([a, b, c, d].map((o) => o.sink.texts), [["hello world"], ["hello world"], ["hello there"], [
        "world"
      ]])
      assert.strictEqual(a.sink.writes[0], b.sink.writes[0])
      assert.notStrictEqual(a.sink.writes[0], c.sink.writes[0])
      assert.strictEqual(d.sink.writes[0], world, "a single chunk is written as it is")
    }).pipe(withFlusher()))

  it.effect("watches a backed-up transport and writes what queued meanwhile once it drains", () =>
    Effect.gen(function*() {
      const { outbox: box, reports, sink } = yield* outbox
      sink.room = false
      box.push(bytes("first"))
      yield* sink.wrote(1)
      box.push(bytes("sec"))
      box.push(bytes("ond"))
      const waiter = yield* Effect.forkChild(box.flushed)
      yield* Effect.yieldNow
      assert.isTrue(box.backedUp)
      assert.strictEqual(sink.writes.length, 1)
      sink.drains()
      yield* Fiber.join(waiter)
      assert.deepStrictEqual(sink.texts, ["first", "second"])
      assert.strictEqual(reports.counts.stalled, 0)
      assert.strictEqual(reports.counts.written, 11)
    }).pipe(withFlusher()))

  it.effect("tells the owner of a transport that does not drain within writeTimeout, and still learns when it does", () =>
    Effect.gen(function*() {
      const { outbox: box, reports, sink } = yield* outbox
      sink.room = false
      box.push(bytes("stuck"))
      yield* sink.wrote(1)
      yield* Effect.yieldNow
      yield* TestClock.adjust("9999 millis")
      assert.strictEqual(reports.counts.stalled, 0)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(reports.counts.stalled, 1)
      box.push(bytes("later"))
      const waiter = yield* Effect.forkChild(box.flushed)
      yield* TestClock.adjust("1 minute")
      assert.isUndefined(waiter.pollUnsafe())
      assert.strictEqual(reports.counts.stalled, 1, "told once")
      sink.drains()
      yield* Fiber.join(waiter)
      assert.deepStrictEqual(sink.texts, ["stuck", "later"])
    }).pipe(withFlusher(Duration.seconds(10))))
})
