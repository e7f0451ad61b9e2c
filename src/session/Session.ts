import type { Profile } from "../protocol/Profile.js"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as Scope from "effect/Scope"
import type * as Socket from "effect/socket/Socket"
import type { CloseReason } from "../protocol/CloseReason.js"
import { CloseReasons } from "../protocol/CloseReason.js"
import { answer, type Event, type ServerNote } from "../protocol/Event.js"
import { type Nick, type Room, seedNick, type SessionId } from "../protocol/Names.js"
import type { Refused } from "../protocol/Reply.js"
import type { ServerBan } from "../store/Store.js"
import * as Connection from "../transport/Connection.js"
import { linger } from "../transport/Sink.js"
import type { Decoder } from "../wire/Codec.js"
import * as AccountCommands from "./AccountCommands.js"
import { silencedBy } from "./SilenceCommands.js"
import type { Client } from "./Client.js"
import { Life, type Lived } from "./Life.js"
import type { Listener } from "./Listener.js"
import { Outbox } from "./Outbox.js"
import { Receiver } from "./Receiver.js"
import * as Rooms from "./RoomCommands.js"
import type { SessionHandle } from "./Sessions.js"

/** The silence (and accept) list of every session until it names someone: one, not one a session. */
const silencesNobody: ReadonlyArray<string> = []

/**
 * One client's session, made once its connection exists, whole: the client
 * the interpreter acts for (its nickname and rooms), and its parts: its
 * {@link Outbox} (what waits for the client, and the slow-client policy),
 * its {@link Receiver} (what the hub hands it, encoded into the outbox) and
 * its {@link Life} (why and how it ends). The operator's console and the
 * server's shutdown see it as a {@link SessionHandle}.
 */
export class Session implements Client, Lived, SessionHandle {
  readonly id: SessionId
  readonly since: number
  lastLine: number
  private current: Nick | undefined = undefined
  rooms: Array<Room> = []
  account: string | undefined = undefined
  spoke: number
  bytesIn = 0
  bytesOut = 0
  messagesIn = 0
  messagesOut = 0
  profile: Omit<Profile, "account"> | undefined = undefined
  warnedCleartext = false
  wallops = false
  knocked: number | undefined = undefined
  silenced: ReadonlyArray<string> = silencesNobody
  accepted: ReadonlyArray<string> = silencesNobody
  grace: object | undefined = undefined
  /** Its codec's reader of lines (a wire format with a handshake keeps its state in it). */
  readonly decoder: Decoder
  readonly life: Life
  readonly outbox: Outbox
  readonly receiver: Receiver

  constructor(
    readonly listener: Listener,
    readonly connection: Connection.Connection,
    fiber: Fiber.Fiber<unknown, unknown>,
    scope: Scope.Scope
  ) {
    const { codec, counters, flusher, limits, sessions } = listener
    this.id = sessions.nextId()
    this.since = this.lastLine = this.spoke = listener.now()
    this.decoder = codec.decoder(limits)
    this.life = new Life(listener, this, fiber, scope)
    this.outbox = new Outbox(listener.outbox, connection.sink, flusher, counters, this.life, this)
    this.receiver = new Receiver(this.id, codec, this.decoder, this.outbox, counters, this)
  }

  renamedTo(nick: Nick): void {
    this.nick = nick
  }

  removedFrom(room: Room): void {
    this.rooms = this.rooms.filter((r) => r !== room)
  }

  killedBy(by: string, reason: string): void {
    this.close(CloseReasons.Killed(by, reason))
  }

  learn(note: ServerNote): void {
    const { operators, serverBans } = this.listener
    if (note._tag === "ServerBanChanged" && note.on && !operators.has(this.account) && serverBans.matches(note.mask, this)) {
      this.close(CloseReasons.Banned(note.reason))
    }
  }

  showsWallops(): boolean {
    return this.wallops || this.listener.operators.has(this.account)
  }

  silences(event: Event): boolean {
    return this.silenced.length > 0 && silencedBy(this.silenced, event)
  }

  get nick(): Nick | undefined {
    return this.current
  }

  set nick(nick: Nick | undefined) {
    this.current = nick
    if (nick !== undefined) this.decoder.named?.(nick)
  }

  get peer(): string {
    return this.connection.peer
  }

  get ip(): string | undefined {
    return this.connection.ip
  }

  get protocol(): string {
    return this.listener.codec.name
  }

  get fiberId(): number {
    return this.life.fiber.id
  }

  get outboxBytes(): number {
    return this.outbox.bytes
  }

  close(reason: CloseReason): void {
    this.life.close(reason)
  }

  abort(): void {
    this.life.abort()
  }

  registered(nick: Nick): Effect.Effect<void> {
    return this.life.registered(nick)
  }

  offend(what: string): Effect.Effect<void> {
    return this.life.offend(what)
  }

  later(delay: Duration.Input, effect: Effect.Effect<void>): Effect.Effect<void> {
    return this.life.later(delay, effect)
  }

  loseNick(name: string): Effect.Effect<void> {
    return AccountCommands.toGuest(this.listener, this, "taken", name)
  }

  accountDropped(name: string): Effect.Effect<void> {
    return AccountCommands.accountDropped(this.listener, this, name)
  }
}

/**
 * Opens a session on `socket` in `scope`, the connection's scope (its
 * reading fiber's): takes the connection (or tells it why not and lets it go:
 * then there is no session), starts its registration clock and greets it.
 */
export const open = Effect.fnUntraced(function*(listener: Listener, socket: Socket.Socket, scope: Scope.Scope) {
  const connection = yield* Scope.provide(Connection.open(socket), scope)
  const session = yield* Effect.withSpan(take(listener, connection, scope), "Session.open", noStack)
  if (session === undefined) return undefined
  yield* Effect.logInfo("connection opened").pipe(Effect.annotateLogs({ peer: session.peer }))
  yield* session.life.registering
  yield* listener.hub.publish(answer(session.id, { _tag: "Greeting" }))
  // A client with no nickname to choose is known by its address, and in #lobby, from the start.
  if (listener.anonymous) {
    const name = seedNick(session.peer)
    yield* Rooms.register(listener, session, name)
    // Another address's client on the same port, or a transport that lost both peers' (a reset at once).
    if (session.nick === undefined) yield* Rooms.register(listener, session, `${name}-${session.id}` as Nick)
  }
  return session
})

/** A span without a stack trace captured: the connection path pays for no `Error`. */
const noStack = { captureStackTrace: false } as const

/**
 * The session of a connection within the limits, subscribed to the hub, its
 * goodbye registered, listed: the span `Session.open`. Only this part is
 * traced: a span that covers a fiber forked for the connection (its
 * registration clock, a WebSocket's pings) is kept by that fiber, about
 * 0.7 KiB a connection for as long as it lives (docs/architecture.md).
 */
const take = Effect.fnUntraced(function*(listener: Listener, connection: Connection.Connection, scope: Scope.Scope) {
  const refusal = listener.sessions.refusal(connection.ip)
  if (refusal !== undefined) return yield* refuse(listener, connection, refusal)
  const ban = listener.serverBans.find({ ip: connection.ip })
  if (ban !== undefined) return yield* refuseBanned(listener, connection, ban)
  const session = yield* Effect.withFiber((fiber) => Effect.succeed(new Session(listener, connection, fiber, scope)))
  yield* Scope.provide(listener.hub.subscribe(session.id, session.receiver), scope)
  // Added after the subscription, so it runs before it is released: the last event is still delivered.
  yield* Scope.addFinalizerExit(scope, (exit) => session.life.goodbye(exit))
  listener.counters.connections++
  listener.sessions.add(session)
  return session
})

/** A connection from an address a server ban is for: told why, and gone. */
const refuseBanned = Effect.fnUntraced(function*(listener: Listener, connection: Connection.Connection, ban: ServerBan) {
  listener.counters.refused++
  const reason = CloseReasons.Banned(ban.reason)
  connection.sink.write(listener.codec.encodeEvent({ _tag: "Closing", reason }))
  yield* listener.warnings.warn(connection.peer, `refused: the server ban ${ban.mask} is for it`)
  yield* connection.sink.end(linger, reason)
  return undefined
})

/** Over the connection limits (or stopping): one notice, and the connection goes. */
const refuse = Effect.fnUntraced(function*(listener: Listener, connection: Connection.Connection, refusal: typeof Refused.Type) {
  listener.counters.refused++
  connection.sink.write(listener.codec.encodeEvent(answer("", refusal)))
  if (refusal.why !== "stopping") {
    yield* listener.warnings.warn(
      connection.peer,
      refusal.why === "full"
        ? `refused: server full (${refusal.limit} connections)`
        : `refused: more than ${refusal.limit} connections from one address`
    )
  }
  yield* connection.sink.end(linger, refusal.why === "stopping" ? CloseReasons.Shutdown : undefined)
  return undefined
})
