import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { constTrue, constVoid } from "effect/Function"
import * as Pull from "effect/Pull"
import * as Scope from "effect/Scope"
import * as Socket from "effect/socket/Socket"
import { SessionClosed } from "./Client.js"
import * as Listener from "./Listener.js"
import { type Acted, inputs } from "./Reader.js"
import * as Session from "./Session.js"

/**
 * One connection's life, in the connection's own fiber: a scope of its own
 * (which owns the connection, and runs the session's goodbye as it closes),
 * the session opened in it, then its input, read, decoded and acted on a
 * pull at a time until the client leaves, its connection ends, or it is
 * closed from outside (an interruption). It never fails; anything unexpected
 * is logged in one line and ends only this session.
 *
 * What `Stream.runDrain` over a `Channel.fromTransform` did, with less kept
 * for as long as the connection lives: the frames an idle fiber holds here
 * are the scope's close, the loop and the read it waits on (about 0.9 KB a
 * connection less; docs/architecture.md, "What an idle connection holds").
 * As there, an input that is done ends the session as a success.
 */
export const serve = (listener: Listener.Listener, socket: Socket.Socket): Effect.Effect<void> =>
  Effect.suspend(() => {
    const scope = Scope.makeUnsafe()
    // A suspension of its own, so that the scope's close keeps this thunk, not the opening's effects.
    return Effect.suspend(() =>
      Effect.flatMap(
        Session.open(listener, socket, scope),
        (session) => session === undefined ? Effect.void : Effect.flatMap(inputs(listener, session, scope), drain)
      )
    ).pipe(
      Effect.onExit((exit) => Scope.close(scope, Exit.isFailure(exit) ? Pull.doneExitFromCause(exit.cause) : exit)),
      Effect.catchCause(unexpected)
    )
  })

/** Pulls until the input ends: its pull fails (a client leaving, a connection ending) or is done. */
const drain = (pull: Acted) => Effect.whileLoop({ while: constTrue, body: () => pull, step: constVoid })

/**
 * Serves connections with the services of the context it is built in, and
 * the codec in it: `(socket) => session`.
 */
export const handler = Effect.map(Listener.make, (listener) => (socket: Socket.Socket) => serve(listener, socket))

/** The reading ends by failing when the client leaves or its connection ends: that is no error. */
const unexpected = (whole: Cause.Cause<unknown>): Effect.Effect<void> => {
  const notDone = Pull.filterDone(whole)
  if (notDone._tag === "Success") return Effect.void
  const cause = notDone.failure
  if (Cause.hasInterruptsOnly(cause)) return Effect.void
  const error = Cause.findErrorOption(cause)
  if (error._tag === "Some" && (error.value instanceof SessionClosed || Socket.isSocketError(error.value))) {
    return Effect.void
  }
  return Effect.logWarning("session failed", cause)
}
