import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Latch from "effect/Latch"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import { deliverySeconds } from "../observe/DeliveryTime.js"
import type { FlushScheduler, Outbox } from "./Outbox.js"

/**
 * Writes the server's outboxes: once per event-loop turn, every outbox that
 * got something is handed to its transport in one write, and outboxes that
 * got the very same chunks share one buffer. An outbox whose transport is
 * backed up is watched (its write deadline, `Outbox.watch`) until it drains.
 */
export class Flusher extends Context.Service<Flusher, FlushScheduler>()("hubbub/Flusher") {
  static readonly layer: Layer.Layer<Flusher> = Layer.effect(
    Flusher,
    Effect.gen(function*() {
      const clock = yield* Clock.Clock
      const wake = Latch.makeUnsafe(false)
      const watchers = yield* FiberSet.make()
      // Two lists take turns and keep their capacity, so a busy server grows no list per pass.
      let pending: Array<Outbox | undefined> = []
      let count = 0
      let spare: Array<Outbox | undefined> = []

      const flush = Effect.suspend(() => {
        const outboxes = pending
        const size = count
        pending = spare
        count = 0
        const shared = new SharedBuffers()
        let backedUp: Array<Outbox> | undefined
        let failed: Array<unknown> | undefined
        // The pass's oldest publication, for the time from publish to write.
        let oldest = Infinity
        for (let i = 0; i < size; i++) {
          const outbox = outboxes[i]!
          outboxes[i] = undefined
          if (outbox.oldest > 0 && outbox.oldest < oldest) oldest = outbox.oldest
          try {
            if (outbox.write(shared.concat)) (backedUp ??= []).push(outbox)
          } catch (error) {
            // A transport that throws on write is treated as gone; the others still get theirs.
            outbox.abandon()
            ;(failed ??= []).push(error)
          }
        }
        spare = outboxes
        const timed = oldest === Infinity
          ? Effect.void
          : Metric.update(deliverySeconds, Math.max(0, clock.currentTimeMillisUnsafe() - oldest) / 1000)
        const watching = backedUp === undefined
          ? timed
          : Effect.andThen(timed, Effect.forEach(backedUp, (outbox) => FiberSet.run(watchers, outbox.watch), { discard: true }))
        return failed === undefined ? watching : Effect.andThen(
          Effect.forEach(failed, (error) =>
            Effect.logWarning("write failed; the client gets nothing more").pipe(
              Effect.annotateLogs({ error: String(error) })
            ), { discard: true }),
          watching
        )
      })

      // Woken by the first outbox of a turn; the yield lets the rest of the turn's deliveries land first.
      yield* wake.await.pipe(
        Effect.andThen(Effect.sync(() => wake.closeUnsafe())),
        Effect.andThen(Effect.yieldNow),
        Effect.andThen(flush),
        Effect.catchDefect((defect) =>
          Effect.logError("flush failed; the server keeps writing").pipe(
            Effect.annotateLogs({ error: String(defect) })
          )
        ),
        Effect.forever({ disableYield: true }),
        Effect.forkScoped
      )

      return Flusher.of({
        schedule: (outbox) => {
          pending[count++] = outbox
          if (count === 1) wake.openUnsafe()
        }
      })
    })
  )
}

/** One pass's concatenations: outboxes that queued the very same chunks share one buffer. */
class SharedBuffers {
  private readonly byFirst = new Map<Uint8Array, { chunks: ReadonlyArray<Uint8Array>; buffer: Uint8Array }>()

  readonly concat = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
    if (chunks.length === 1) return chunks[0]
    const known = this.byFirst.get(chunks[0])
    if (known !== undefined && sameChunks(chunks, known.chunks)) return known.buffer
    const buffer = Buffer.allocUnsafe(size)
    let at = 0
    for (const chunk of chunks) {
      buffer.set(chunk, at)
      at += chunk.length
    }
    this.byFirst.set(chunks[0], { chunks, buffer })
    return buffer
  }
}

const sameChunks = (a: ReadonlyArray<Uint8Array>, b: ReadonlyArray<Uint8Array>) => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
