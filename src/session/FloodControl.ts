import type * as Arr from "effect/Array"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { Frame } from "../wire/Framing.js"
import { SessionClosed } from "./Client.js"

export interface FloodOptions {
  /** Sustained lines a second. */
  readonly rate: number
  /** Lines at once before `rate` applies. */
  readonly burst: number
  /** A line's worth of bytes: bytes that end no line are counted in these units. */
  readonly lineBytes: number
  /** Over budget for this long without a pause, the client is cut off. */
  readonly timeout: Duration.Duration
  /** Told the first time the client is held back. */
  readonly heldBack: Effect.Effect<void>
  /** Told every time a read is held back. */
  readonly delayed: () => void
}

/** What a read costs: a token a line, and a line's worth of bytes for the bytes that end no line. */
const weigh = (frames: Arr.NonEmptyReadonlyArray<Frame>, lineBytes: number) => {
  let cost = 0
  for (const frame of frames) {
    if (typeof frame === "string") cost++
    else if (frame._tag === "Partial") cost += frame.bytes / lineBytes
    else if (frame._tag === "TooLong") cost++
  }
  return cost
}

/**
 * Flood control as a stream stage: Effect's `Stream.throttle`, shaping (a
 * token bucket of `burst` lines, refilled at `rate` a second). A read over
 * the budget is held back, not dropped, and while it is the socket is not
 * read, so TCP pushes back on the sender and nothing piles up in the server.
 * Bytes count as well as lines, so an endless line is throttled too. A client
 * held back without a pause for `timeout` ends the session (`Flood`).
 */
export const floodControl = (options: FloodOptions) =>
<E, R>(frames: Stream.Stream<Frame, E, R>): Stream.Stream<Frame, E | SessionClosed, R> =>
  Stream.unwrap(Effect.clockWith((clock) =>
    Effect.sync(() => {
      const timeout = BigInt(Math.round(Duration.toMillis(options.timeout) * 1e6))
      const flooding = new SessionClosed({
        reason: {
          _tag: "Flood",
          rate: options.rate,
          bytes: options.rate * options.lineBytes,
          millis: Duration.toMillis(options.timeout)
        }
      })
      // When the read reached the throttle (monotonic nanoseconds), whether the throttle holds it back, and
      // since when reads have been held back. The bucket is the throttle's own (`Stream.throttle`'s shaping),
      // kept beside it: a read that merely waited for a busy event loop was not held back.
      const units = options.burst
      const durationMs = (options.burst * 1000) / options.rate
      let tokens = units
      let stamp = clock.monotonicTimeNanosUnsafe()
      let arrived = 0n
      let held = false
      let since: bigint | undefined = undefined
      let warned = false
      const throttled = frames.pipe(
        Stream.throttle({
          strategy: "shape",
          units,
          duration: Duration.millis(durationMs),
          cost: (arr) => {
            const weight = weigh(arr, options.lineBytes)
            arrived = clock.monotonicTimeNanosUnsafe()
            const available = Math.min(tokens + (Number(arrived - stamp) / 1e6 / durationMs) * units, units)
            tokens = available - weight
            stamp = arrived
            held = tokens < 0
            return weight
          }
        })
      )
      return Stream.transformPull(throttled, (pull) =>
          Effect.succeed(Effect.flatMap(pull, (arr) => {
            if (!held) {
              since = undefined
              return Effect.succeed(arr)
            }
            const now = clock.monotonicTimeNanosUnsafe()
            since ??= arrived
            options.delayed()
            // A timeout of 0: held back for as long as it takes, never disconnected.
            if (timeout > 0n && now - since >= timeout) return Effect.fail(flooding)
            if (warned) return Effect.succeed(arr)
            warned = true
            return Effect.as(options.heldBack, arr)
          })))
    })
  ))
