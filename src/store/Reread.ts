import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type { Store, StoreError } from "./Store.js"

/** How often a server sharing its store (Postgres) reads again what the others may have written. */
const rereadEvery = Duration.seconds(30)

/**
 * Runs `load` now and, when other servers write to the store too, again every 30 seconds for as
 * long as the scope lasts: for what they wrote while this server heard nothing of it. A read that
 * fails then is one warning naming `what`, and the next one tries again.
 */
export const loadAndReread = (store: Store["Service"], what: string, load: Effect.Effect<void, StoreError>) =>
  Effect.gen(function*() {
    yield* load
    if (!store.shared) return
    yield* load.pipe(
      Effect.delay(rereadEvery),
      Effect.catchTag("StoreError", (error) => Effect.logWarning(`cannot read ${what} again: ${error.message}`)),
      Effect.repeat(Schedule.forever),
      Effect.forkScoped
    )
  })
