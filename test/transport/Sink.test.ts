import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber } from "effect"
import * as Socket from "effect/socket/Socket"
import { TestClock } from "effect/testing"
import { writerSink } from "../../src/transport/Sink.js"

const bytes = (size: number, fill = 97) => new Uint8Array(size).fill(fill)

/** An Effect `Socket.Writer` whose writes complete when the test says so (`take`), or fail. */
class SlowWriter implements Socket.Writer {
  readonly started: Array<Uint8Array> = []
  readonly taken: Array<Uint8Array> = []
  private pending: Array<readonly [Uint8Array, Deferred.Deferred<void, Socket.SocketError>]> = []

  readonly write = (chunk: Uint8Array | string | Socket.CloseEvent) =>
    Effect.suspend(() => {
      const data = chunk as Uint8Array
      const done = Deferred.makeUnsafe<void, Socket.SocketError>()
      this.started.push(data)
      this.pending.push([data, done])
      return Deferred.await(done)
    })
  readonly writeAll = (chunks: ReadonlyArray<Uint8Array | string>) => Effect.forEach(chunks, this.write, { discard: true })

  /** The oldest write in progress completes. */
  take(): void {
    const [data, done] = this.pending.shift()!
    this.taken.push(data)
    Deferred.doneUnsafe(done, Exit.void)
  }

  /** The oldest write in progress fails, as a closed socket's would. */
  fail(): void {
    const [, done] = this.pending.shift()!
    Deferred.doneUnsafe(done, Exit.fail(new Socket.SocketError({ reason: new Socket.SocketWriteError({ cause: new Error("gone") }) })))
  }
}

/** Lets the sink's writing fiber run. */
const settle = Effect.andThen(Effect.yieldNow, Effect.yieldNow)

describe("writerSink, any Effect Socket.Writer as a Sink", () => {
  it.effect("writes in order, one write at a time, and never waits to take bytes", () =>
    Effect.gen(function*() {
      const writer = new SlowWriter()
      const sink = yield* writerSink(writer)
      assert.isTrue(sink.write(bytes(1, 49)))
      assert.isTrue(sink.write(bytes(1, 50)))
      assert.isTrue(sink.write(bytes(1, 51)))
      yield* settle
      assert.strictEqual(writer.started.length, 1, "the next write waits for the one in progress")
      writer.take()
      yield* settle
      writer.take()
      yield* settle
      writer.take()
      assert.deepStrictEqual(writer.taken.map((b) => b[0]), [49, 50, 51])
    }))

  it.effect("is backed up past 64 KiB in flight, and drained once the writes bring it under", () =>
    Effect.gen(function*() {
      const writer = new SlowWriter()
      const sink = yield* writerSink(writer)
      assert.isTrue(sink.write(bytes(40 * 1024)))
      assert.isFalse(sink.write(bytes(40 * 1024)), "80 KiB in flight")
      const drained = yield* Effect.forkChild(sink.drained)
      yield* settle
      assert.isUndefined(drained.pollUnsafe())
      writer.take()
      yield* Fiber.join(drained)
      assert.strictEqual(writer.taken.length, 1)
    }))

  it.effect("end waits for what was handed over to be written, at most `within`", () =>
    Effect.gen(function*() {
      const writer = new SlowWriter()
      const sink = yield* writerSink(writer)
      sink.write(bytes(10))
      sink.write(bytes(10))
      const ended = yield* Effect.forkChild(sink.end("1 second"))
      yield* settle
      writer.take()
      yield* settle
      assert.isUndefined(ended.pollUnsafe(), "one write is still in flight")
      writer.take()
      yield* Fiber.join(ended)
      // A writer that never takes its bytes does not hold the end past `within`.
      sink.write(bytes(10))
      const stuck = yield* Effect.forkChild(sink.end("1 second"))
      yield* settle
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(stuck)
    }))

  it.effect("a failed write stops it: it is closed, takes bytes without writing them, and waits for nothing", () =>
    Effect.gen(function*() {
      const writer = new SlowWriter()
      const sink = yield* writerSink(writer)
      sink.write(bytes(40 * 1024))
      sink.write(bytes(40 * 1024))
      yield* settle
      writer.fail()
      yield* settle
      assert.isTrue(sink.closed())
      assert.isTrue(sink.write(bytes(10)))
      yield* sink.drained
      yield* sink.end("1 minute")
      assert.strictEqual(writer.started.length, 1)
    }))

  it.effect("abort lets go of whatever is queued", () =>
    Effect.gen(function*() {
      const writer = new SlowWriter()
      const sink = yield* writerSink(writer)
      sink.write(bytes(40 * 1024))
      sink.write(bytes(40 * 1024))
      sink.abort()
      assert.isTrue(sink.closed())
      yield* sink.drained
      yield* sink.end("1 minute")
    }))
})
