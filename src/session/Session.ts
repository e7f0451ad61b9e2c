import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type { Hub, Recipient } from "../hub/Hub.js"
import type { CloseReason } from "../protocol/CloseReason.js"
import { answer, type Envelope } from "../protocol/Event.js"
import type { Nick, Room, SessionId } from "../protocol/Names.js"
import type { Stats } from "../observe/Stats.js"
import type { Warnings } from "../observe/Warnings.js"
import type { Connection } from "../transport/Connection.js"
import type { CodecShape, Decoder } from "../wire/Codec.js"
import type { Flusher } from "./Flusher.js"
import { Outbox, type OutboxOwner } from "./Outbox.js"
import type { ReaderClient, ReaderEnv } from "./Reader.js"
import type { SessionHandle, Sessions } from "./Sessions.js"

/** What every session of one server shares. */
export interface SessionEnv extends ReaderEnv {
  readonly codec: CodecShape
  readonly hub: Hub["Service"]
  readonly sessions: Sessions["Service"]
  readonly stats: Stats["Service"]
  readonly warnings: Warnings["Service"]
  readonly flusher: Flusher["Service"]
}

/**
 * One connection's session: its state, and the three roles it plays for the
 * rest of the server: the hub's recipient of its events (`deliver`), its
 * outbox's owner (told when the client is too slow), and the client the
 * command interpreter acts for. Its life is `Serve.handler`'s.
 */
export class Session implements SessionHandle, Recipient, OutboxOwner, ReaderClient {
  id!: SessionId
  since!: number
  lastLine!: number
  connection!: Connection
  outbox!: Outbox
  /** Its scope: the one its reading Stream runs in, which owns the connection. */
  scope!: Scope.Scope
  nick: Nick | undefined = undefined
  rooms: Array<Room> = []
  /** Why it ends; the first reason wins. */
  reason: CloseReason | undefined = undefined
  /** Whether the hub's deliveries are still taken: until its last event, or its cut-off. */
  receiving = true
  /** Completed once its last event (`Closing`) was delivered, while something waits for that. */
  private lastDelivered: Deferred.Deferred<void> | undefined = undefined
  private offended = false
  /** The clock that closes it if it chooses no nickname in time. */
  registration: Fiber.Fiber<void> | undefined = undefined
  readonly decoder: Decoder

  constructor(readonly env: SessionEnv, readonly fiber: Fiber.Fiber<unknown, unknown>) {
    this.decoder = env.codec.decoder({ maxLineBytes: env.config.maxLineBytes })
  }

  /** Takes a connection, in the scope that owns it. */
  open(connection: Connection, scope: Scope.Scope): void {
    this.id = this.env.sessions.nextId()
    this.since = this.lastLine = this.env.now()
    this.connection = connection
    this.scope = scope
    this.outbox = new Outbox(this.env.config.outboxBytes, connection.sink, this.env.flusher, this)
  }

  get peer(): string {
    return this.connection.peer
  }

  get protocol(): string {
    return this.env.codec.name
  }

  get ip(): string | undefined {
    return this.connection.ip
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
    this.close(reason)
    this.lastOneDelivered()
  }

  /** Out of time at shutdown: its connection goes at once, and nothing waits for it any more. */
  abort(): void {
    this.lastOneDelivered()
    this.connection.sink.abort()
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
    const filter = this.decoder.filter
    if (filter !== undefined) events = filter(events, this.id)
    if (events.length === 0) return
    if (events[0].room !== undefined) {
      this.outbox.push(codec.encodeRun(events), events[0].at)
      counters.messagesOut += events.length
      return
    }
    for (let i = 0; i < events.length; i++) {
      const envelope = events[i]
      if (envelope.event._tag === "Closing") {
        this.outbox.force(codec.encode(envelope), envelope.at)
        counters.messagesOut += i + 1
        return this.lastOneDelivered()
      }
      this.outbox.push(codec.encode(envelope), envelope.at)
    }
    counters.messagesOut += events.length
  }

  private lastOneDelivered(): void {
    this.receiving = false
    const waiting = this.lastDelivered
    this.lastDelivered = undefined
    if (waiting !== undefined) Deferred.doneUnsafe(waiting, Exit.void)
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
  registered(nick: Nick): Effect.Effect<void> {
    const self = this
    return Effect.gen(function*() {
      const registration = self.registration
      self.registration = undefined
      if (registration !== undefined) yield* Fiber.interrupt(registration)
      const idle = self.env.config.idleTimeout
      if (Option.isSome(idle)) yield* Effect.forkIn(watchIdle(self, Duration.toMillis(idle.value)), self.scope, { startImmediately: true })
      if (self.env.codec.pings) {
        yield* Effect.forkIn(watchPing(self, Duration.toMillis(self.env.config.pingInterval)), self.scope, {
          startImmediately: true
        })
      }
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

/** Pings a session silent for `millis`, and closes it if it stays silent as long again. */
const watchPing = (session: Session, millis: number): Effect.Effect<void> =>
  Effect.suspend(() => {
    const left = session.lastLine + millis - session.env.now()
    if (left > 0) return Effect.andThen(Effect.sleep(Duration.millis(left)), watchPing(session, millis))
    const pinged = session.env.now()
    return session.env.hub.publish(answer(session.id, { _tag: "Ping" }, session.nick)).pipe(
      Effect.andThen(Effect.sleep(Duration.millis(millis))),
      Effect.andThen(Effect.suspend(() =>
        session.lastLine >= pinged
          ? watchPing(session, millis)
          : Effect.sync(() => session.close({ _tag: "PingTimeout", millis }))
      ))
    )
  })
