import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Socket from "effect/socket/Socket"
import { ChatConfig, type ChatConfigShape } from "../ChatConfig.js"
import { Hub } from "../hub/Hub.js"
import { type CloseReason, closeLabel, CloseReasons, leftText, offenceText } from "../protocol/CloseReason.js"
import { answer, type Event } from "../protocol/Event.js"
import { Stats } from "../observe/Stats.js"
import { Warnings } from "../observe/Warnings.js"
import * as Connection from "../transport/Connection.js"
import { linger } from "../transport/Sink.js"
import { Codec } from "../wire/Codec.js"
import { addressNick, type Nick } from "../protocol/Names.js"
import { SessionClosed } from "./Client.js"
import * as Rooms from "./RoomCommands.js"
import { Flusher } from "./Flusher.js"
import { framingOf, read, type Reads } from "./Reader.js"
import { Session, type SessionEnv } from "./Session.js"
import { Sessions } from "./Sessions.js"

/**
 * Serves connections with the services of the context it is built in:
 * `(socket) => session`. A session is the connection's own fiber reading its
 * socket as a Stream; the stream's scope owns the connection. Opening the
 * stream subscribes the session to the hub and registers its goodbye as a
 * finalizer of that scope, which runs however the session ends: the client
 * leaves, its connection ends, or it is closed from outside (an
 * interruption). It never fails; anything unexpected is logged in one line
 * and ends only that session.
 */
export const handler: Effect.Effect<
  (socket: Socket.Socket) => Effect.Effect<void>,
  never,
  ChatConfig | Hub | Codec | Sessions | Stats | Warnings | Flusher
> = Effect.gen(function*() {
  const config: ChatConfigShape = yield* ChatConfig
  const codec = yield* Codec
  const stats = yield* Stats
  const clock = yield* Clock.Clock
  const env: SessionEnv = {
    config,
    codec,
    hub: yield* Hub,
    sessions: yield* Sessions,
    stats,
    counters: stats.counters,
    warnings: yield* Warnings,
    flusher: yield* Flusher,
    maxLineBytes: codec.maxLineBytes ?? config.maxLineBytes,
    framing: framingOf(config, codec, stats.counters),
    rooms: codec.rooms,
    anonymous: codec.anonymous === true,
    now: () => clock.currentTimeMillisUnsafe()
  }
  return (socket: Socket.Socket) =>
    Effect.withFiber((fiber) => {
      const session = new Session(env, fiber)
      return Effect.catchCause(read(env, session, (scope) => open(session, socket, scope)), (cause) => unexpected(session, cause))
    })
})

/** The reading ends by failing when the client leaves or its connection ends: that is no error. */
const unexpected = (session: Session, cause: Cause.Cause<unknown>): Effect.Effect<void> => {
  const error = Cause.findErrorOption(cause)
  if (error._tag === "Some" && (error.value instanceof SessionClosed || Socket.isSocketError(error.value))) {
    return Effect.void
  }
  if (Cause.hasInterruptsOnly(cause)) return Effect.void
  const logged = Effect.logWarning("session failed", cause)
  return session.connection === undefined ? logged : logged.pipe(Effect.annotateLogs({ peer: session.peer }))
}

/**
 * Opens a session in the reading stream's scope: takes the connection (or
 * tells it why not and lets it go), subscribes it to the hub, registers its
 * goodbye, starts its registration clock and greets it. Returns the socket's
 * reads, or nothing for a connection that was refused.
 */
const open = Effect.fnUntraced(function*(session: Session, socket: Socket.Socket, scope: Scope.Scope) {
  const { env } = session
  const { config, hub, sessions } = env
  const connection = yield* Scope.provide(Connection.open(socket), scope)
  const refusal = sessions.refusal(connection.ip)
  if (refusal !== undefined) {
    env.counters.refused++
    connection.sink.write(env.codec.encodeEvent(answer("", refusal)))
    if (refusal.why !== "stopping") {
      yield* env.warnings.warn(
        connection.peer,
        refusal.why === "full"
          ? `refused: server full (${refusal.limit} connections)`
          : `refused: more than ${refusal.limit} connections from one address`
      )
    }
    yield* connection.sink.end(linger, refusal.why === "stopping" ? CloseReasons.Shutdown : undefined)
    return Cause.done() as Reads
  }
  session.open(connection, scope)
  yield* Scope.provide(hub.subscribe(session.id, session), scope)
  // Added after the subscription, so it runs before it is released: the last event is still delivered.
  yield* Scope.addFinalizerExit(scope, (exit) => finish(session, exit))
  env.counters.connections++
  sessions.add(session)
  yield* Effect.logInfo("connection opened").pipe(Effect.annotateLogs({ peer: session.peer }))
  session.registration = yield* Effect.sleep(config.registerTimeout).pipe(
    Effect.andThen(Effect.sync(() =>
      session.close({ _tag: "Unregistered", millis: Duration.toMillis(config.registerTimeout) })
    )),
    // Started at once: a fork scheduled for later would give the connection's fiber a dispatcher of its own to keep.
    Effect.forkIn(scope, { startImmediately: true })
  )
  yield* hub.publish(answer(session.id, { _tag: "Greeting" }))
  // A client with no nickname to choose is known by its address, and in #lobby, from the start.
  if (env.anonymous) {
    const address = addressNick(session.peer)
    yield* Rooms.register(env, session, address)
    // Two connections can only share an address when the transport lost both peers' (a reset at once).
    if (session.nick === undefined) yield* Rooms.register(env, session, `${address}/${session.id}` as Nick)
  }
  return connection.pull as Reads
})

/** Why a session ended that was not closed by a reason of its own: interrupted, its server's scope is closing. */
const reasonOf = (exit: Exit.Exit<unknown, unknown>): CloseReason => {
  if (Exit.isSuccess(exit)) return CloseReasons.Closed
  if (Cause.hasInterruptsOnly(exit.cause)) return CloseReasons.Shutdown
  const error = Cause.findErrorOption(exit.cause)
  // A defect (logged as the session fails) leaves nobody to talk to.
  if (error._tag === "None") return CloseReasons.Reset
  if (error.value instanceof SessionClosed) return error.value.reason
  if (Socket.isSocketError(error.value)) {
    const reason = error.value.reason
    if (reason._tag !== "SocketCloseError") return CloseReasons.Reset
    // A WebSocket closed as normal (1000), going away (1001: a tab closed) or without a code (1005) was closed, not reset.
    return reason.code === 1000 || reason.code === 1001 || reason.code === 1005 ? CloseReasons.Closed : CloseReasons.Reset
  }
  return CloseReasons.Reset
}

/**
 * The goodbye, a finalizer of the session's scope: everything published to
 * the session before it closed is still delivered, then its last line; its
 * rooms are told why it left (not at shutdown), and the connection closes
 * once the outbox has flushed, or after a bounded wait.
 */
const finish = Effect.fnUntraced(function*(session: Session, exit: Exit.Exit<unknown, unknown>) {
  const { codec, config, hub, sessions, stats } = session.env
  const reason = session.reason ??= session.connection.closeReason?.() ?? reasonOf(exit)
  stats.closed(reason)
  const offence = offenceText(reason)
  if (offence !== undefined) yield* session.offend(offence)
  const last: Event = { _tag: "Closing", to: session.id, reason, ...(session.nick === undefined ? {} : { nick: session.nick }) }
  // Its last event: delivered after everything published to it before.
  if (session.receiving && reason._tag !== "Reset") yield* hub.publish(last)
  yield* hub.leave(session.id, leftText(reason))
  if (reason._tag === "Slow" || reason._tag === "Stalled") {
    // What is queued is dropped; what is in flight may still be taken, then the reason: all within the write timeout.
    session.outbox.clear()
    yield* Effect.timeoutOption(
      session.outbox.flushed.pipe(
        Effect.andThen(Effect.sync(() => session.outbox.force(codec.encodeEvent(last)))),
        Effect.andThen(session.outbox.flushed),
        Effect.andThen(session.connection.sink.end(config.writeTimeout, reason))
      ),
      config.writeTimeout
    )
  } else if (reason._tag !== "Reset") {
    yield* Effect.timeoutOption(Effect.andThen(session.closingDelivered, session.outbox.flushed), config.shutdownTimeout)
  }
  sessions.remove(session)
  yield* session.connection.sink.end(linger, reason)
  const duration = (yield* Clock.currentTimeMillis) - session.since
  yield* Effect.logInfo("connection closed").pipe(Effect.annotateLogs({
    peer: session.peer,
    reason: closeLabel(reason),
    ...(session.nick === undefined ? {} : { nick: session.nick }),
    duration: Duration.format(Duration.millis(duration))
  }))
})
