import { assert, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Exit, Fiber } from "effect"
import { TestClock } from "effect/testing"
import type { CloseReason } from "../../src/protocol/CloseReason.js"
import { type CutOff, type FlushScheduler, Outbox } from "../../src/session/Outbox.js"
import type { Sink } from "../../src/transport/Sink.js"

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (data: Uint8Array) => new TextDecoder().decode(data)

/** A transport whose room the test decides. */
class FakeSink implements Sink {
  readonly writes: Array<Uint8Array> = []
  room = true
  gone = false
  private drain = Deferred.makeUnsafe<void>()

  write(data: Uint8Array): boolean {
    this.writes.push(data)
    return this.room
  }
  get drained(): Effect.Effect<void> {
    return Effect.suspend(() => (this.room || this.gone ? Effect.void : Deferred.await(this.drain)))
  }
  closed(): boolean {
    return this.gone
  }
  /** How each end was asked for: `within`, and why. */
  readonly ends: Array<string> = []
  end(within: Duration.Input, why?: CloseReason): Effect.Effect<void> {
    return Effect.sync(() => {
      this.ends.push(`${Duration.format(Duration.fromInputUnsafe(within))} ${why?._tag ?? "-"}`)
    })
  }
  /** The transport has room again. */
  drains(): void {
    this.room = true
    Deferred.doneUnsafe(this.drain, Exit.void)
    this.drain = Deferred.makeUnsafe<void>()
  }
  abort(): void {}
  get texts(): Array<string> {
    return this.writes.map(text)
  }
}

/** An outbox with a scheduler and an owner that record what they are told. */
const setup = (limit = 100) => {
  const sink = new FakeSink()
  const scheduled: Array<Outbox> = []
  const concats: Array<number> = []
  const owner = { overflowed: 0, stalled: 0, written: [] as Array<number>, reasons: [] as Array<CloseReason> }
  const flusher: FlushScheduler = { schedule: (outbox) => scheduled.push(outbox) }
  const reports: CutOff = {
    cut: (reason: CloseReason) => {
      owner.reasons.push(reason)
      reason._tag === "Slow" ? owner.overflowed++ : owner.stalled++
    }
  }
  // What the outbox adds to the bytes-out counter, one write at a time.
  let total = 0
  const counters = {
    get bytesOut() {
      return total
    },
    set bytesOut(now: number) {
      owner.written.push(now - total)
      total = now
    }
  }
  const outbox = new Outbox({ limit, writeTimeout: Duration.seconds(10) }, sink, flusher, counters, reports, { bytesOut: 0 })
  /** What the flusher does at the end of a turn: writes what was scheduled, returns whether it backed up. */
  const flush = () =>
    scheduled.splice(0).map((o) =>
      o.write((chunks, size) => {
        concats.push(chunks.length)
        return Buffer.concat(chunks, size)
      })
    )
  return { sink, scheduled, concats, owner, outbox, flush }
}

/** Forks `effect` and lets it run as far as it can. */
const started = <A>(effect: Effect.Effect<A>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(effect)
    yield* Effect.yieldNow
    return fiber
  })
const isDone = (fiber: Fiber.Fiber<unknown>) => fiber.pollUnsafe() !== undefined

describe("Outbox", () => {
  it("schedules a turn's bytes once and hands them over as one write", () => {
    const { concats, flush, outbox, owner, scheduled, sink } = setup()
    outbox.push(new Uint8Array(0))
    assert.strictEqual(scheduled.length, 0, "empty bytes are ignored")
    outbox.push(bytes("one "))
    outbox.push(bytes("two "))
    outbox.push(bytes("three"))
    assert.strictEqual(scheduled.length, 1)
    assert.strictEqual(outbox.bytes, 13)
    assert.strictEqual(sink.writes.length, 0)
    assert.deepStrictEqual(flush(), [false])
    assert.deepStrictEqual(concats, [3])
    assert.deepStrictEqual(sink.texts, ["one two three"])
    assert.deepStrictEqual(owner.written, [13])
    assert.strictEqual(outbox.bytes, 0)
    outbox.push(bytes("four"))
    assert.strictEqual(scheduled.length, 1, "a new turn is scheduled again")
  })

  it("queues while the transport is backed up and tells the owner past the limit, but never for force", () => {
    const { flush, outbox, owner, scheduled, sink } = setup(10)
    sink.room = false
    outbox.push(bytes("12345678901234567890"))
    assert.deepStrictEqual(flush(), [true], "a burst the transport takes never counts")
    assert.isTrue(outbox.backedUp)
    outbox.push(bytes("123456"))
    outbox.push(bytes("1234"))
    assert.strictEqual(outbox.bytes, 10)
    assert.strictEqual(owner.overflowed, 0)
    assert.strictEqual(scheduled.length, 0, "nothing is scheduled while backed up")
    outbox.push(bytes("1"))
    assert.strictEqual(owner.overflowed, 1)
    outbox.force(bytes("the last line"))
    assert.strictEqual(owner.overflowed, 1)
    assert.strictEqual(outbox.bytes, 24)
    assert.strictEqual(sink.writes.length, 1)
  })

  it("clear drops what is queued but not what is in flight", () => {
    const { flush, outbox, scheduled, sink } = setup()
    outbox.push(bytes("dropped"))
    outbox.clear()
    assert.deepStrictEqual(flush(), [false])
    assert.strictEqual(sink.writes.length, 0)
    sink.room = false
    outbox.push(bytes("in flight"))
    flush()
    outbox.push(bytes("queued"))
    outbox.clear()
    assert.strictEqual(outbox.bytes, 0)
    outbox.drained()
    assert.strictEqual(scheduled.length, 0)
    assert.deepStrictEqual(sink.texts, ["in flight"])
  })

  it.effect("abandon drops everything, now and later", () =>
    Effect.gen(function*() {
      const { flush, outbox, owner, scheduled, sink } = setup(4)
      outbox.push(bytes("before"))
      outbox.abandon()
      outbox.push(bytes("after"))
      outbox.force(bytes("forced"))
      assert.strictEqual(outbox.bytes, 0)
      assert.strictEqual(scheduled.length, 1)
      assert.deepStrictEqual(flush(), [false])
      assert.strictEqual(sink.writes.length, 0)
      sink.room = false
      yield* started(outbox.watch)
      yield* TestClock.adjust("11 seconds")
      assert.strictEqual(owner.stalled, 0, "a dead outbox reports no stall")
    }))

  it.effect("flushed completes at once when idle", () =>
    Effect.gen(function*() {
      const { outbox } = setup()
      assert.isTrue(isDone(yield* started(outbox.flushed)))
    }))

  it.effect("flushed waits until everything was handed over and the transport has room", () =>
    Effect.gen(function*() {
      const { flush, outbox, sink } = setup()
      sink.room = false
      outbox.push(bytes("a"))
      const waiter = yield* started(outbox.flushed)
      assert.isFalse(isDone(waiter))
      flush()
      yield* Effect.yieldNow
      assert.isFalse(isDone(waiter), "handed over, but the transport is backed up")
      outbox.push(bytes("b"))
      sink.room = true
      outbox.drained()
      yield* Effect.yieldNow
      assert.isFalse(isDone(waiter), "b is still queued")
      flush()
      yield* Fiber.join(waiter)
      assert.deepStrictEqual(sink.texts, ["a", "b"])
    }))

  it.effect("a waiter that waits again inside the completion waits for its new bytes", () =>
    Effect.gen(function*() {
      const { flush, outbox, scheduled, sink } = setup()
      const second = Deferred.makeUnsafe<void>()
      let firstDone = false
      outbox.push(bytes("first"))
      const waiter = yield* started(
        outbox.flushed.pipe(
          Effect.andThen(Effect.sync(() => {
            firstDone = true
            outbox.push(bytes("second"))
          })),
          Effect.andThen(outbox.flushed),
          Effect.andThen(Deferred.succeed(second, undefined))
        )
      )
      flush()
      yield* Effect.yieldNow
      assert.isTrue(firstDone)
      assert.isFalse(yield* Deferred.isDone(second), "completed before its bytes were handed over")
      assert.strictEqual(scheduled.length, 1)
      flush()
      yield* Fiber.join(waiter)
      assert.deepStrictEqual(sink.texts, ["first", "second"])
    }))

  it("drained writes what queued meanwhile", () => {
    const { flush, outbox, owner, scheduled, sink } = setup()
    sink.room = false
    outbox.push(bytes("a"))
    assert.deepStrictEqual(flush(), [true])
    outbox.push(bytes("b"))
    outbox.push(bytes("c"))
    assert.deepStrictEqual(flush(), [], "nothing scheduled while backed up")
    sink.room = true
    outbox.drained()
    assert.strictEqual(scheduled.length, 1)
    assert.isFalse(outbox.backedUp)
    assert.deepStrictEqual(flush(), [false])
    assert.deepStrictEqual(sink.texts, ["a", "bc"])
    assert.deepStrictEqual(owner.written, [1, 2])
    outbox.drained()
    assert.strictEqual(scheduled.length, 0, "drained with nothing queued schedules nothing")
  })

  it("written counts the bytes handed over, not those queued", () => {
    const { flush, outbox, owner, sink } = setup()
    outbox.push(bytes("hello"))
    outbox.push(bytes(" world"))
    flush()
    sink.room = false
    outbox.push(bytes("xyz"))
    flush()
    outbox.push(bytes("queued"))
    assert.deepStrictEqual(owner.written, [11, 3])
    assert.strictEqual(outbox.bytes, 6)
  })

  it.effect("abandons when the transport is closed", () =>
    Effect.gen(function*() {
      const { flush, outbox, scheduled, sink } = setup()
      outbox.push(bytes("lost"))
      const waiter = yield* started(outbox.flushed)
      sink.gone = true
      assert.deepStrictEqual(flush(), [false])
      assert.strictEqual(sink.writes.length, 0)
      assert.strictEqual(outbox.bytes, 0)
      yield* Fiber.join(waiter)
      outbox.push(bytes("later"))
      assert.strictEqual(scheduled.length, 0)
    }))

  it.effect("abandons when the transport closes while backed up", () =>
    Effect.gen(function*() {
      const { flush, outbox, scheduled, sink } = setup()
      sink.room = false
      outbox.push(bytes("a"))
      flush()
      outbox.push(bytes("b"))
      const waiter = yield* started(outbox.flushed)
      sink.gone = true
      outbox.drained()
      assert.strictEqual(outbox.bytes, 0)
      assert.strictEqual(scheduled.length, 0)
      const exit = yield* Fiber.await(waiter)
      assert.isTrue(Exit.isSuccess(exit))
    }))

  it.effect("cuts off a client over the limit, and ends it with its last line after what is in flight, within the write timeout", () =>
    Effect.gen(function*() {
      const { flush, outbox, owner, sink } = setup(10)
      sink.room = false
      outbox.push(bytes("in flight"))
      flush()
      outbox.push(bytes("queued 1"))
      outbox.push(bytes("queued 2"))
      outbox.push(bytes("more"))
      assert.strictEqual(owner.overflowed, 2, "told on each push past the limit")
      assert.deepStrictEqual(owner.reasons[0], { _tag: "Slow", limit: 10 })
      const ended = yield* Effect.forkChild(outbox.cutOff(bytes("goodbye"), owner.reasons[0]))
      yield* Effect.yieldNow
      assert.strictEqual(outbox.bytes, 0, "what was queued is dropped")
      sink.drains()
      outbox.drained()
      yield* Effect.yieldNow
      flush()
      yield* Fiber.join(ended)
      assert.deepStrictEqual(sink.texts, ["in flight", "goodbye"])
      assert.deepStrictEqual(sink.ends, ["10s Slow"])
    }))

  it.effect("a write not taken within the write timeout makes the client too slow (Stalled), once", () =>
    Effect.gen(function*() {
      const { flush, outbox, owner, sink } = setup()
      sink.room = false
      outbox.push(bytes("stuck"))
      flush()
      yield* started(outbox.watch)
      yield* TestClock.adjust("9999 millis")
      assert.strictEqual(owner.stalled, 0)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(owner.stalled, 1)
      assert.deepStrictEqual(owner.reasons, [{ _tag: "Stalled", millis: 10_000 }])
      // A client that gets nowhere with its last line is let go at the write timeout.
      const ended = yield* Effect.forkChild(outbox.cutOff(bytes("goodbye"), owner.reasons[0]))
      yield* Effect.yieldNow
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(ended)
      assert.deepStrictEqual(sink.ends, [])
    }))
})
