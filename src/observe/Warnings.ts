import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

const burst = 20
const windowMillis = 10_000

/**
 * Warnings about misbehaving clients, one line each with the peer's address.
 * At most 20 are logged per 10 s, so an attacker cannot flood the log; the
 * rest are counted and reported with the next one (`suppressedWarnings`).
 */
export class Warnings extends Context.Service<Warnings, {
  readonly warn: (peer: string, message: string) => Effect.Effect<void>
}>()("hubbub/Warnings") {
  static readonly layer: Layer.Layer<Warnings> = Layer.sync(Warnings, () => {
    let windowStart = Number.NEGATIVE_INFINITY
    let warned = 0
    let suppressed = 0
    return Warnings.of({
      warn: Effect.fn("Warnings.warn")((peer: string, message: string) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          if (now - windowStart >= windowMillis) {
            windowStart = now
            warned = 0
          }
          if (warned >= burst) {
            suppressed++
            return Effect.void
          }
          warned++
          const dropped = suppressed
          suppressed = 0
          return Effect.logWarning(message).pipe(
            Effect.annotateLogs(dropped > 0 ? { peer, suppressedWarnings: dropped } : { peer })
          )
        }))
    })
  })
}
