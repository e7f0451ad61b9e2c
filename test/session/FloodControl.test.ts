import { assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect, Fiber, Stream } from "effect"
import { TestClock } from "effect/testing"
import { SessionClosed } from "../../src/session/Client.js"
import { floodControl, type FloodOptions } from "../../src/session/FloodControl.js"
import type { Frame } from "../../src/wire/Framing.js"

/** 10 lines a second, 5 at once (a token every 100 ms), 100 bytes a line, cut off after 1 s held back. */
const options = (heldBack: Effect.Effect<void> = Effect.void, delays = { count: 0 }): FloodOptions => ({
  rate: 10,
  burst: 5,
  lineBytes: 100,
  timeout: Duration.seconds(1),
  heldBack,
  delayed: () => {
    delays.count++
  }
})

const lines = (n: number, prefix = "l") => Array.from({ length: n }, (_, i) => `${prefix}${i}`)
const singles = (n: number, prefix = "x"): Array<Array<Frame>> => lines(n, prefix).map((line) => [line])

interface Arrival {
  readonly at: number
  readonly frames: ReadonlyArray<Frame>
}

/** Runs the flood-controlled stream in a fiber that records when (TestClock millis) each read comes through. */
const consume = <E>(source: Stream.Stream<Frame, E>, flood: FloodOptions = options()) =>
  Effect.gen(function*() {
    const arrivals: Array<Arrival> = []
    const fiber = yield* source.pipe(
      floodControl(flood),
      Stream.runForEachArray((frames) =>
        Effect.map(Clock.currentTimeMillis, (at) => {
          arrivals.push({ at, frames })
        })
      ),
      Effect.forkChild
    )
    yield* settle
    return { arrivals, fiber }
  })

/** Lets the consumer run until it waits for the clock. */
const settle = Effect.gen(function*() {
  for (let i = 0; i < 5; i++) yield* Effect.yieldNow
})

const times = (arrivals: ReadonlyArray<Arrival>) => arrivals.map((a) => a.at)

describe("floodControl", () => {
  it.effect("lets a burst through at once, then one line per token at rate", () =>
    Effect.gen(function*() {
      const source = Stream.fromArrays<Array<Array<Frame>>>(lines(5), ["f"], ["g", "h"], ["i"])
      const { arrivals, fiber } = yield* consume(source)
      assert.deepStrictEqual(times(arrivals), [0])
      assert.deepStrictEqual(arrivals[0].frames, lines(5))
      yield* TestClock.adjust("99 millis")
      assert.deepStrictEqual(times(arrivals), [0])
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      // one token each 100 ms: f waits for one, g and h for two, i for one more
      assert.deepStrictEqual(times(arrivals), [0, 100, 300, 400])
      assert.deepStrictEqual(arrivals.map((a) => a.frames), [lines(5), ["f"], ["g", "h"], ["i"]])
    }))

  it.effect("refills the bucket while the client is quiet, up to the burst", () =>
    Effect.gen(function*() {
      const pause = Stream.fromEffectDrain(Effect.sleep("10 seconds"))
      const source = Stream.concat(Stream.fromArrays<Array<Array<Frame>>>(lines(5)), pause).pipe(
        Stream.concat(Stream.fromArrays<Array<Array<Frame>>>(lines(5, "m"), ["n"]))
      )
      const { arrivals, fiber } = yield* consume(source)
      yield* TestClock.adjust("20 seconds")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(times(arrivals), [0, 10_000, 10_100])
    }))

  it.effect("charges bytes that end no line a line's worth per lineBytes", () =>
    Effect.gen(function*() {
      const source = Stream.fromArrays<Array<Array<Frame>>>(
        [{ _tag: "Partial", bytes: 300 }, "a", "b"],
        [{ _tag: "Partial", bytes: 50 }],
        [{ _tag: "TooLong" }],
        ["c", { _tag: "Interrupt" }, { _tag: "TimingMark" }]
      )
      const { arrivals, fiber } = yield* consume(source)
      assert.deepStrictEqual(times(arrivals), [0], "three lines' worth of bytes and two lines make the burst")
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      // half a line's worth waits 50 ms; a discarded line and a line cost one each, signals nothing
      assert.deepStrictEqual(times(arrivals), [0, 50, 150, 250])
    }))

  it.effect("tells heldBack once, the first time a read is held back, and counts every read held back", () =>
    Effect.gen(function*() {
      let told = 0
      const delays = { count: 0 }
      const heldBack = Effect.sync(() => told++)
      const source = Stream.fromArrays<Array<Array<Frame>>>(lines(5), ...singles(3))
      const { arrivals, fiber } = yield* consume(source, options(heldBack, delays))
      assert.strictEqual(told, 0, "the burst is not held back")
      assert.strictEqual(delays.count, 0)
      yield* TestClock.adjust("100 millis")
      assert.strictEqual(arrivals.length, 2)
      assert.strictEqual(told, 1)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.strictEqual(arrivals.length, 4)
      assert.strictEqual(told, 1)
      assert.strictEqual(delays.count, 3)
    }))

  it.effect("cuts off a source that stays over budget without a pause for timeout", () =>
    Effect.gen(function*() {
      const source = Stream.fromArrays<Array<Array<Frame>>>(lines(5), ...singles(20))
      const { arrivals, fiber } = yield* consume(source)
      yield* TestClock.adjust("5 seconds")
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.instanceOf(error, SessionClosed)
      assert.deepStrictEqual(error.reason, { _tag: "Flood", rate: 10, bytes: 1000, millis: 1000 })
      // held back from 0 ms on: the read that comes through at 1000 ms is one too many
      assert.deepStrictEqual(times(arrivals), [0, 100, 200, 300, 400, 500, 600, 700, 800, 900])
    }))

  it.effect("does not cut off a client that pauses long enough: the timer starts again", () =>
    Effect.gen(function*() {
      let told = 0
      const flood = () => Stream.fromArrays<Array<Array<Frame>>>(lines(5), ...singles(8))
      const pause = Stream.fromEffectDrain(Effect.sleep("1 second"))
      const source = flood().pipe(Stream.concat(pause), Stream.concat(flood()))
      const { arrivals, fiber } = yield* consume(source, options(Effect.sync(() => told++)))
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      assert.strictEqual(arrivals.length, 18)
      // 1.8 s over budget in all, but never 1 s without a pause
      assert.deepStrictEqual(times(arrivals).slice(8, 11), [800, 1800, 1900])
      assert.strictEqual(arrivals.at(-1)!.at, 2600)
      assert.strictEqual(told, 1)
    }))
})
