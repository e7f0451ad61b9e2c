import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Socket from "effect/socket/Socket"
import { ChatConfig, type ChatConfigShape } from "../ChatConfig.js"
import { Hub, type Recipient } from "../hub/Hub.js"
import { type CloseReason, closeLabel, CloseReasons, leftText, offenceText } from "../protocol/CloseReason.js"
import { answer, type Envelope, type Event } from "../protocol/Event.js"
import type { Nick, Room, SessionId } from "../protocol/Names.js"
import { Stats } from "../server/Stats.js"
import { Warnings } from "../server/Warnings.js"
import type { Connection } from "../transport/Connection.js"
import { Codec, type CodecShape } from "../wire/Codec.js"
import { SessionClosed } from "./Commands.js"
import { Flusher } from "./Flusher.js"
import { Outbox, type OutboxOwner } from "./Outbox.js"
import { read, type ReaderClient, type ReaderEnv } from "./Reader.js"
import { type SessionHandle, Sessions } from "./Sessions.js"

/** What every session of one server shares. */
interface Env extends ReaderEnv {
  readonly codec: CodecShape
  readonly sessions: Sessions["Service"]
  readonly stats: Stats["Service"]
  readonly warnings: Warnings["Service"]
  readonly flusher: Flusher["Service"]
}

/**
 * One connection's session: its state, and the three roles it plays for the
 * rest of the server: the hub's recipient of its events (`deliver`), its
 * outbox's owner (told when the client is too slow), and the client the
 * command interpreter acts for. Its life is {@link serve}'s.
 */
class Session implements SessionHandle, Recipient, OutboxOwner, ReaderClient {
  readonly id: SessionId
  readonly since: number
  readonly outbox: Outbox
  nick: Nick | undefined = undefined
  room: Room | undefined = undefined
  lastLine: number
  /** Why it ends; the first reason wins. */
  reason: CloseReason | undefined = undefined
  /** Whether the hub's deliveries are still taken: until its last event, or its cut-off. */
  receiving = true
  /** Completed once its last event (`Closing`) was delivered, while something waits for that. */
  private lastDelivered: Deferred.Deferred<void> | undefined = undefined
  private offended = false
  registration: Fiber.Fiber<void> | undefined = undefined

  constructor(
    readonly env: Env,
    readonly connection: Connection,
    readonly fiber: Fiber.Fiber<unknown, unknown>
  ) {
    this.id = env.sessions.nextId()
    this.since = this.lastLine = env.now()
    this.outbox = new Outbox(env.config.outboxBytes, connection.sink, env.flusher, this)
  }

  get peer(): string {
    return this.connection.peer
  }

  get fiberId(): number {
    return this.fiber.id
  }

  get outboxBytes(): number {
    return this.outbox.bytes
  }

  /** The first reason wins; it interrupts the reading wherever it waits, and the session's finalizer says goodbye. */
  close(reason: CloseReason): void {
    if (this.reason !== undefined) return
    this.reason = reason
    const fiber = this.fiber
    // Not from inside the caller (the hub's delivery pass, say): the interruption runs the session's finalizers.
    fiber.currentDispatcher.scheduleTask(() => fiber.interruptUnsafe(), 0)
  }

  /** Too slow: it takes nothing more from the hub, and closes. */
  private cut(reason: CloseReason): void {
    this.receiving = false
    this.close(reason)
  }

  overflowed(): void {
    this.cut({ _tag: "Slow", limit: this.env.config.outboxBytes })
  }

  stalled(): void {
    this.cut({ _tag: "Stalled", millis: Duration.toMillis(this.env.config.writeTimeout) })
  }

  written(bytes: number): void {
    this.env.counters.bytesOut += bytes
  }

  /**
   * The hub's delivery: a run of one room's events (the same array for every
   * member, rendered once for all), or events for this session or everyone.
   * Its `Closing` is the last thing it writes.
   */
  deliver(events: ReadonlyArray<Envelope>): void {
    if (!this.receiving) return
    const { codec, counters } = this.env
    if (events[0].room !== undefined) {
      this.outbox.push(codec.encodeRun(events))
      counters.messagesOut += events.length
      return
    }
    for (let i = 0; i < events.length; i++) {
      const envelope = events[i]
      if (envelope.event._tag === "Closing") {
        this.outbox.force(codec.encode(envelope))
        counters.messagesOut += i + 1
        return this.lastOneDelivered()
      }
      this.outbox.push(codec.encode(envelope))
    }
    counters.messagesOut += events.length
  }

  private lastOneDelivered(): void {
    this.receiving = false
    if (this.lastDelivered !== undefined) Deferred.doneUnsafe(this.lastDelivered, Exit.void)
  }

  /** Completes once its `Closing` has been delivered (or it stopped taking deliveries). */
  get closingDelivered(): Effect.Effect<void> {
    return Effect.suspend(() =>
      this.receiving ? Deferred.await(this.lastDelivered ??= Deferred.makeUnsafe<void>()) : Effect.void
    )
  }

  offend(what: string): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (this.offended) return Effect.void
      this.offended = true
      return this.env.warnings.warn(this.peer, what)
    })
  }

  /** Registered: the registration clock stops, and the idle clock (if any) starts. */
  registered(nick: Nick): Effect.Effect<void, never, Scope.Scope> {
    const self = this
    return Effect.gen(function*() {
      const registration = self.registration
      self.registration = undefined
      if (registration !== undefined) yield* Fiber.interrupt(registration)
      const idle = self.env.config.idleTimeout
      if (Option.isSome(idle)) yield* Effect.forkScoped(watchIdle(self, Duration.toMillis(idle.value)))
      yield* Effect.logInfo("registered").pipe(Effect.annotateLogs({ peer: self.peer, nick }))
    })
  }
}

/** Closes a session that completes no line for `millis`. */
const watchIdle = (session: Session, millis: number): Effect.Effect<void> =>
  Effect.suspend(() => {
    const left = session.lastLine + millis - session.env.now()
    return left > 0
      ? Effect.andThen(Effect.sleep(Duration.millis(left)), watchIdle(session, millis))
      : Effect.sync(() => session.close({ _tag: "Idle", millis }))
  })

/** Why the reading side ended by itself: the client left, or its connection ended (closed, or broken). */
const reasonOf = (error: SessionClosed | Socket.SocketError): CloseReason =>
  error._tag === "SessionClosed"
    ? error.reason
    : error.reason._tag === "SocketCloseError" && error.reason.code === 1000
    ? CloseReasons.Closed
    : CloseReasons.Reset

/**
 * The goodbye, a finalizer of the session's scope: everything published to
 * the session before it closed is still delivered, then its last line; its
 * rooms are told why it left (not at shutdown), and the connection closes
 * once the outbox has flushed, or after a bounded wait.
 */
const finish = Effect.fnUntraced(function*(session: Session, exit: Exit.Exit<unknown, unknown>) {
  const { codec, config, hub, stats } = session.env
  // Interrupted with no reason given: its server's scope is closing.
  const reason = session.reason ??= Exit.isSuccess(exit) ? CloseReasons.Closed : CloseReasons.Shutdown
  stats.closed(reason)
  const offence = offenceText(reason)
  if (offence !== undefined) yield* session.offend(offence)
  const slow = reason._tag === "Slow" || reason._tag === "Stalled"
  const wait = Effect.timeoutOption(slow ? config.writeTimeout : config.shutdownTimeout)
  const last: Event = { _tag: "Closing", to: session.id, reason, ...(session.nick === undefined ? {} : { nick: session.nick }) }
  // At shutdown the server publishes one `Closing` for everyone.
  if (session.receiving && reason._tag !== "Shutdown") yield* hub.publish(last)
  yield* hub.leave(session.id, leftText(reason))
  if (reason._tag !== "Reset") {
    if (slow) {
      // What is queued is dropped; what is in flight may still be taken, then the reason.
      session.outbox.clear()
      yield* wait(session.outbox.flushed)
      session.outbox.force(codec.encodeEvent(last))
      yield* wait(session.outbox.flushed)
      // The client may take what the kernel holds for it, up to the write timeout.
      yield* session.connection.sink.end(config.writeTimeout)
    } else {
      yield* wait(session.closingDelivered)
      yield* wait(session.outbox.flushed)
    }
  }
  const duration = (yield* Clock.currentTimeMillis) - session.since
  yield* Effect.logInfo("connection closed").pipe(Effect.annotateLogs({
    peer: session.peer,
    reason: closeLabel(reason),
    ...(session.nick === undefined ? {} : { nick: session.nick }),
    duration: Duration.format(Duration.millis(duration))
  }))
})

/**
 * Serves connections with the services of the context it is built in:
 * `(connection) => session`, in the connection's scope. The session is the
 * connection's own fiber: it subscribes to the hub, reads its socket as a
 * Stream and, however it ends, says goodbye in a finalizer of the scope. It
 * never fails: anything unexpected is logged in one line and ends only that
 * session.
 */
export const handler: Effect.Effect<
  (connection: Connection) => Effect.Effect<void, never, Scope.Scope>,
  never,
  ChatConfig | Hub | Codec | Sessions | Stats | Warnings | Flusher
> = Effect.gen(function*() {
  const config: ChatConfigShape = yield* ChatConfig
  const codec = yield* Codec
  const stats = yield* Stats
  const clock = yield* Clock.Clock
  const env: Env = {
    config,
    codec,
    hub: yield* Hub,
    sessions: yield* Sessions,
    stats,
    counters: stats.counters,
    warnings: yield* Warnings,
    flusher: yield* Flusher,
    maxLineBytes: config.maxLineBytes,
    telnet: codec.telnet,
    decoder: codec.decoder(),
    now: () => clock.currentTimeMillisUnsafe()
  }
  return (connection: Connection) =>
    Effect.withFiber((fiber) => {
      const session = new Session(env, connection, fiber)
      // The set-up completes; what stays for the connection's life is the reading.
      return Effect.catchCause(Effect.andThen(open(session), read(env, session, connection)), (cause) => ended(session, cause))
    })
})

/** Where the reading ended by itself: the client left, or its connection ended. */
const ended = (session: Session, cause: Cause.Cause<SessionClosed | Socket.SocketError>): Effect.Effect<void> => {
  const error = Cause.findErrorOption(cause)
  if (error._tag === "Some") {
    session.reason ??= reasonOf(error.value)
    return Effect.void
  }
  return Cause.hasInterruptsOnly(cause)
    ? Effect.void
    : Effect.logWarning("session failed", cause).pipe(Effect.annotateLogs({ peer: session.peer }))
}

/** A new session: listed, subscribed, its goodbye registered, its registration clock running, greeted. */
const open = Effect.fnUntraced(function*(session: Session) {
  const { config, hub, sessions } = session.env
  session.env.counters.connections++
  yield* sessions.add(session)
  yield* hub.subscribe(session.id, session)
  // Registered after the subscription, so it runs before it is released: the last event is still delivered.
  yield* Effect.addFinalizer((exit) => finish(session, exit))
  yield* Effect.logInfo("connection opened").pipe(Effect.annotateLogs({ peer: session.peer }))
  session.registration = yield* Effect.sleep(config.registerTimeout).pipe(
    Effect.andThen(Effect.sync(() =>
      session.close({ _tag: "Unregistered", millis: Duration.toMillis(config.registerTimeout) })
    )),
    Effect.forkScoped
  )
  yield* hub.publish(answer(session.id, { _tag: "Greeting" }))
})
