import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Socket from "effect/socket/Socket"
import { type CloseReason, closeLabel, CloseReasons, leftText, offenceText } from "../protocol/CloseReason.js"
import { answer, type Event } from "../protocol/Event.js"
import type { Nick, SessionId } from "../protocol/Names.js"
import type { Connection } from "../transport/Connection.js"
import { linger } from "../transport/Sink.js"
import { SessionClosed } from "./Client.js"
import type { Listener } from "./Listener.js"
import type { CutOff, Outbox } from "./Outbox.js"
import type { Receiver } from "./Receiver.js"

/** What a session's life needs to know of it. */
export interface Lived {
  readonly id: SessionId
  readonly peer: string
  readonly ip: string | undefined
  readonly nick: Nick | undefined
  /** When it last completed a line, in milliseconds since the epoch. */
  readonly lastLine: number
  readonly since: number
  readonly connection: Connection
  readonly outbox: Outbox
  readonly receiver: Receiver
}

/**
 * A session's life: why it ends (the first reason wins), the clocks that
 * end it (a nickname not chosen in time, idling, unanswered pings), and its
 * goodbye, a finalizer of the connection's scope that runs however it ends.
 */
export class Life implements CutOff {
  /** Why it ends, once something said. */
  reason: CloseReason | undefined = undefined
  private offended = false
  /** The clock that closes it if it chooses no nickname in time. */
  private registration: Fiber.Fiber<void> | undefined = undefined

  constructor(
    readonly listener: Listener,
    readonly session: Lived,
    /** The connection's own fiber, which reads its socket. */
    readonly fiber: Fiber.Fiber<unknown, unknown>,
    /** The connection's scope (its fiber's, which reads its socket). */
    private readonly scope: Scope.Scope
  ) {}

  /** Ends the session for `reason`: wherever its reading waits, it is interrupted, and the goodbye runs. */
  close(reason: CloseReason): void {
    if (this.reason !== undefined) return
    this.reason = reason
    const fiber = this.fiber
    // Not from inside the caller (the hub's delivery pass, say): the interruption runs the session's finalizers.
    fiber.currentDispatcher.scheduleTask(() => fiber.interruptUnsafe(), 0)
  }

  /** Too slow (its outbox says): it takes nothing more from the hub, and closes. */
  cut(reason: CloseReason): void {
    this.close(reason)
    this.session.receiver.stop()
  }

  /** Out of time at shutdown: its connection goes at once, and nothing waits for it any more. */
  abort(): void {
    this.session.receiver.stop()
    this.session.connection.sink.abort()
  }

  /** One warning about this client at most, whatever it does. */
  offend(what: string): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.offended) return Effect.void
      this.offended = true
      return this.listener.warnings.warn(this.session.peer, what)
    })
  }

  /** Starts the clock that closes it if it chooses no nickname in time. */
  get registering(): Effect.Effect<void> {
    const timeout = this.listener.config.registerTimeout
    // 0: no clock.
    if (Duration.isZero(timeout)) return Effect.void
    return Effect.sleep(timeout).pipe(
      Effect.andThen(Effect.sync(() => this.close({ _tag: "Unregistered", millis: Duration.toMillis(timeout) }))),
      // Started at once: a fork scheduled for later would give the connection's fiber a dispatcher of its own to keep.
      Effect.forkIn(this.scope, { startImmediately: true }),
      Effect.map((fiber) => {
        this.registration = fiber
      })
    )
  }

  /** Runs `effect` after `delay`, in the connection's scope: unless the session ends first. */
  later(delay: Duration.Input, effect: Effect.Effect<void>): Effect.Effect<void> {
    return Effect.asVoid(Effect.forkIn(Effect.delay(effect, delay), this.scope, { startImmediately: true }))
  }

  /** Registered: the registration clock stops, and the idle and ping clocks (if any) start. */
  registered(nick: Nick): Effect.Effect<void> {
    const life = this
    return Effect.gen(function*() {
      const { config, codec } = life.listener
      const registration = life.registration
      life.registration = undefined
      if (registration !== undefined) yield* Fiber.interrupt(registration)
      life.listener.sessions.registered(life.session.id)
      if (Option.isSome(config.idleTimeout)) {
        yield* Effect.forkIn(watchIdle(life, Duration.toMillis(config.idleTimeout.value)), life.scope, { startImmediately: true })
      }
      if (codec.pings && !Duration.isZero(config.pingInterval)) {
        yield* Effect.forkIn(watchPing(life, Duration.toMillis(config.pingInterval)), life.scope, { startImmediately: true })
      }
      yield* Effect.logInfo("registered").pipe(Effect.annotateLogs({ peer: life.session.peer, nick }))
    })
  }

  /** The goodbye, for the connection's scope to run as it closes, however the session ends. */
  goodbye(exit: Exit.Exit<unknown, unknown>): Effect.Effect<void> {
    return goodbye(this, exit)
  }
}

/** Closes a session that completes no line for `millis`. */
const watchIdle = (life: Life, millis: number): Effect.Effect<void> =>
  Effect.suspend(() => {
    const left = life.session.lastLine + millis - life.listener.now()
    return left > 0
      ? Effect.andThen(Effect.sleep(Duration.millis(left)), watchIdle(life, millis))
      : Effect.sync(() => life.close({ _tag: "Idle", millis }))
  })

/** Pings a session silent for `millis`, and closes it if it stays silent as long again. */
const watchPing = (life: Life, millis: number): Effect.Effect<void> =>
  Effect.suspend(() => {
    const { listener, session } = life
    const left = session.lastLine + millis - listener.now()
    if (left > 0) return Effect.andThen(Effect.sleep(Duration.millis(left)), watchPing(life, millis))
    const pinged = listener.now()
    // Through the hub: in order with everything else the client is sent.
    return listener.hub.publish(answer(session.id, { _tag: "Ping" }, session.nick)).pipe(
      Effect.andThen(Effect.sleep(Duration.millis(millis))),
      Effect.andThen(Effect.suspend(() =>
        session.lastLine >= pinged ? watchPing(life, millis) : Effect.sync(() => life.close({ _tag: "PingTimeout", millis }))
      ))
    )
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
 * Everything published to the session before it closed is still delivered,
 * then its last line; its rooms are told why it left (not at shutdown), and
 * the connection closes once the outbox has flushed, or after a bounded
 * wait. A client too slow gets its last line as its outbox's policy says.
 */
const goodbye = Effect.fnUntraced(function*(life: Life, exit: Exit.Exit<unknown, unknown>) {
  const { listener, session } = life
  const { codec, config, hub, sessions, stats } = listener
  const reason = life.reason ??= session.connection.closeReason?.() ?? reasonOf(exit)
  stats.closed(reason)
  const offence = offenceText(reason)
  if (offence !== undefined) yield* life.offend(offence)
  const last: Event = { _tag: "Closing", to: session.id, reason, ...(session.nick === undefined ? {} : { nick: session.nick }) }
  // Its last event: delivered after everything published to it before.
  if (session.receiver.receiving && reason._tag !== "Reset") yield* hub.publish(last)
  yield* hub.leave(session.id, leftText(reason))
  if (reason._tag === "Slow" || reason._tag === "Stalled") {
    yield* session.outbox.cutOff(codec.encodeEvent(last), reason)
  } else if (reason._tag !== "Reset") {
    yield* Effect.timeoutOption(Effect.andThen(session.receiver.closingDelivered, session.outbox.flushed), config.shutdownTimeout)
  }
  sessions.remove(session)
  yield* session.connection.sink.end(linger, reason)
  yield* Effect.logInfo("connection closed").pipe(Effect.annotateLogs({
    peer: session.peer,
    reason: closeLabel(reason),
    ...(session.nick === undefined ? {} : { nick: session.nick }),
    duration: Duration.format(Duration.millis(listener.now() - session.since))
  }))
}, Effect.withSpan("Session.goodbye", undefined, { captureStackTrace: false }))
