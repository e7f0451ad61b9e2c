import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { Hub } from "../hub/Hub.js"
import { CloseReasons } from "../protocol/CloseReason.js"
import type { Sessions } from "../session/Sessions.js"

/** The shortest wait between two closes: a crowd is closed a batch at a time. */
const tick = Duration.millis(20)

/**
 * Drains the server for a restart (NATS's lame-duck mode), once the caller has stopped it taking new
 * connections (`Sessions.stop`: `/readyz` says 503 from then on): every client is told at once that the server is restarting; then the
 * connections are closed (`Restarting`: reconnect) spread evenly over `over`, so that the servers
 * they come back to are not hit by all of them at once; then, once they have said goodbye (for
 * at most `goodbye`), `stop`: whatever happens on the way.
 */
export const drain = (
  sessions: Sessions["Service"],
  hub: Hub["Service"],
  over: Duration.Duration,
  goodbye: Duration.Duration,
  stop: Effect.Effect<void>
): Effect.Effect<void> => Effect.ensuring(closeAll(sessions, hub, over, goodbye), stop)

const closeAll = Effect.fnUntraced(function*(sessions: Sessions["Service"], hub: Hub["Service"], over: Duration.Duration, goodbye: Duration.Duration) {
  const handles = [...sessions.live.values()]
  yield* Effect.logInfo("draining for a restart").pipe(Effect.annotateLogs({ sessions: handles.length, seconds: Duration.toSeconds(over) }))
  const within = Math.max(1, Math.ceil(Duration.toSeconds(over)))
  yield* hub.publishAll(handles.map((handle) => ({
    _tag: "Notice",
    to: handle.id,
    text: `This server is restarting: you will be disconnected within ${within} s. Reconnect to carry on.`
  })))
  // As many ticks as fit, each closing its share.
  const ticks = Math.max(1, Math.min(handles.length, Math.floor(Duration.toMillis(over) / Duration.toMillis(tick))))
  const wait = Duration.millis(Duration.toMillis(over) / ticks)
  for (let t = 0; t < ticks; t++) {
    const from = Math.floor(handles.length * t / ticks)
    const to = Math.floor(handles.length * (t + 1) / ticks)
    for (const handle of handles.slice(from, to)) handle.close(CloseReasons.Restarting)
    if (t < ticks - 1) yield* Effect.sleep(wait)
  }
  // Each told why it goes before the stop tells the rest it is shutting down.
  yield* Effect.timeoutOption(sessions.awaitEmpty, goodbye)
})
