import * as Cause from "effect/Cause"
import * as Channel from "effect/Channel"
import * as Effect from "effect/Effect"
import * as Socket from "effect/socket/Socket"
import * as Stream from "effect/Stream"
import { SessionClosed } from "./Client.js"
import * as Listener from "./Listener.js"
import { inputs } from "./Reader.js"
import * as Session from "./Session.js"

/**
 * One connection's life, in the connection's own fiber: a Stream whose
 * source opens the session in the Stream's scope (which owns the connection,
 * and runs the session's goodbye as it closes) and then reads, decodes and
 * acts on its socket's lines until the client leaves, its connection ends,
 * or it is closed from outside (an interruption). It never fails; anything
 * unexpected is logged in one line and ends only this session.
 */
export const serve = (listener: Listener.Listener, socket: Socket.Socket): Effect.Effect<void> =>
  Stream.fromChannel(Channel.fromTransform((_, scope) =>
    Effect.flatMap(
      Session.open(listener, socket, scope),
      (session) => session === undefined ? Effect.succeed(Cause.done()) : inputs(listener, session, scope)
    )
  )).pipe(Stream.runDrain, Effect.catchCause(unexpected))

/**
 * Serves connections with the services of the context it is built in, and
 * the codec in it: `(socket) => session`.
 */
export const handler = Effect.map(Listener.make, (listener) => (socket: Socket.Socket) => serve(listener, socket))

/** The reading ends by failing when the client leaves or its connection ends: that is no error. */
const unexpected = (cause: Cause.Cause<unknown>): Effect.Effect<void> => {
  const error = Cause.findErrorOption(cause)
  if (error._tag === "Some" && (error.value instanceof SessionClosed || Socket.isSocketError(error.value))) {
    return Effect.void
  }
  if (Cause.hasInterruptsOnly(cause)) return Effect.void
  return Effect.logWarning("session failed", cause)
}
