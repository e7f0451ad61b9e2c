import type * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { ChatConfig, type ChatConfigShape } from "./ChatConfig.js"
import type { Connection, EndOfInput } from "./Connection.js"
import { Codec } from "./Codec.js"
import { type Envelope, type Event, notice } from "./Event.js"
import { TokenBucket } from "./FloodControl.js"
import { LineSplitter, TooLong } from "./Framing.js"
import { Hub, type Recipient, type Roster } from "./Hub.js"
import { Outbox, type OutboxOwner } from "./Outbox.js"
import { type Command, helpLines, Lobby, type Nick, parseCommand, parseRegistration, type Room, sanitize } from "./Protocol.js"
import { type CloseReason, closeLabel, type SessionHandle, Sessions } from "./Sessions.js"

const encoder = new TextEncoder()
const line = (text: string) => encoder.encode(`-!- ${text}\n`)

const slowGrace = Duration.seconds(1)

/** What every client reads last when the server stops. */
export const shutdownNotice = "Server shutting down. Goodbye."


const greeting = [
  "Welcome to hubbub, a group chat server.",
  "Choose a nickname (1-24 letters, digits, _ or -):"
]

/** `Members of #room (3): a, b, c`, or `..., and 9900 more` for a large room. */
const membersNotice = (room: string, roster: Roster) =>
  `Members of ${room} (${roster.count}): ${roster.nicks.join(", ")}${
    roster.count > roster.nicks.length ? `, and ${roster.count - roster.nicks.length} more` : ""
  }`

/** A line that is plain chat, not a command: the common case, taken without a full parse. */
const isChat = (line: string) => line.length > 0 && line.charCodeAt(0) !== 47 && line !== "quit" && line.trim() !== ""

/** What the room is told when a session ends; nothing at shutdown (everyone is leaving). */
const leaveText = (reason: CloseReason): string | undefined => {
  switch (reason._tag) {
    case "Quit":
      return reason.message === undefined ? "quit" : `quit: ${reason.message}`
    case "Disconnected":
      return reason.reset ? "connection reset" : "connection closed"
    case "Slow":
      return "disconnected: too slow"
    case "Flood":
      return "disconnected: flooding"
    case "TimedOut":
      return "disconnected: idle"
    case "Kicked":
      return reason.message === undefined ? "kicked" : `kicked: ${reason.message}`
    case "Shutdown":
      return undefined
  }
}

/** The last notice the client itself gets. */
const farewell = (reason: CloseReason, nick: string | undefined, config: ChatConfigShape): string | undefined => {
  switch (reason._tag) {
    case "Quit":
      return nick === undefined ? "Goodbye." : `Goodbye, ${nick}.`
    case "Disconnected":
      // After a half-close the client may still read what was sent to it; after a reset nobody is there.
      return reason.reset ? undefined : nick === undefined ? "Goodbye." : `Goodbye, ${nick}.`
    case "Slow":
      return reason.stalled
        ? `Disconnected: you did not read for ${Duration.format(config.writeTimeout)}.`
        : `Disconnected: you are not reading fast enough (more than ${config.outboxBytes} bytes waiting for you).`
    case "Flood":
      return `Disconnected: flooding (more than ${config.floodRate} lines per second for ${
        Duration.format(config.floodTimeout)
      }).`
    case "TimedOut":
      return reason.idle
        ? `Disconnected: no message for ${Duration.format(Option.getOrThrow(config.idleTimeout))}.`
        : `Disconnected: no nickname chosen within ${Duration.format(config.registerTimeout)}.`
    case "Kicked":
      return reason.message === undefined
        ? "You have been disconnected by the operator."
        : `You have been disconnected by the operator: ${reason.message}`
    case "Shutdown":
      return shutdownNotice
  }
}

/** What every session of one server shares. */
interface Env {
  readonly config: ChatConfigShape
  readonly hub: Hub["Service"]
  readonly codec: Codec["Service"]
  readonly sessions: Sessions["Service"]
  readonly floodTimeout: number
  readonly registerMillis: number
  readonly idleMillis: number | undefined
  readonly stallMillis: number
  readonly tooLong: string
}

/**
 * One connection's session: its state lives in fields, its behaviour in
 * methods, so an idle connection costs a few objects rather than a closure
 * per step. The connection's own fiber reads the input as a Stream and acts
 * on each line; once registered, the hub's dispatcher delivers this session's
 * events to it (`deliver`), which appends them to the outbox.
 * The first reason to close (quit, disconnect, slow, flood, kick, shutdown)
 * wins and wakes the reader; the reader then sends the last notice, waits a
 * bounded time for the outbox to flush, and the session's scope closes.
 */
class Session implements SessionHandle, OutboxOwner, Recipient {
  readonly id: string
  readonly since = Date.now()
  readonly outbox: Outbox
  nick: Nick | undefined = undefined
  /** The room as the command side knows it (what the console shows). */
  room: Room | undefined = undefined
  reason: CloseReason | undefined = undefined
  reading = true
  slowed = false
  private offended = false
  lastLine = Date.now()
  private readonly registerBy: number
  readonly splitter: LineSplitter
  private readonly bucket: TokenBucket | undefined
  readonly chats: Array<Event> = []
  scope: Scope.Scope | undefined = undefined
  /** Whether the hub delivers to it: from registration until its `Closing` (or a close without one). */
  receiving = false
  private closed: (() => void) | undefined = undefined
  private resumeRead: ((effect: Effect.Effect<Arr.NonEmptyReadonlyArray<Uint8Array>, Cause.Done>) => void) | undefined = undefined
  private resumeHold: (() => void) | undefined = undefined
  private timer: ReturnType<typeof setTimeout> | undefined = undefined

  constructor(readonly env: Env, readonly connection: Connection, readonly fiberId: number) {
    const config = env.config
    this.id = env.sessions.nextId()
    this.registerBy = this.lastLine + env.registerMillis
    this.splitter = new LineSplitter(config.maxLineBytes)
    this.bucket = config.floodRate > 0 ? new TokenBucket(config.floodRate, config.floodBurst, this.lastLine) : undefined
    this.outbox = new Outbox(config.outboxBytes, connection.sink, env.stallMillis, this)
  }

  slow(stalled: boolean): void {
    if (this.slowed) return
    this.slowed = true
    // It gets nothing more from the hub: its outbox stays within its bound until the session ends.
    this.stopReceiving()
    this.env.sessions.counters.slowDisconnects++
    this.close({ _tag: "Slow", stalled })
  }

  written(bytes: number): void {
    this.env.sessions.counters.bytesOut += bytes
  }

  get peer(): string {
    return this.connection.peer
  }

  fibers(): ReadonlyArray<readonly [string, number]> {
    return [["reader", this.fiberId]]
  }

  /** The first reason wins; it stops the reading and wakes the reader wherever it waits. */
  close(reason: CloseReason): void {
    if (this.reason !== undefined) return
    this.reason = reason
    this.reading = false
    this.resumeHold?.()
    this.onInput()
  }

  // --- input ---------------------------------------------------------------

  /** The next read's bytes, the end of the input, or undefined while there is nothing yet. */
  private input(): Effect.Effect<Arr.NonEmptyReadonlyArray<Uint8Array>, Cause.Done> | undefined {
    if (this.reason !== undefined) return Cause.done()
    const taken = this.connection.take()
    if (taken === undefined) {
      const by = this.readDeadline()
      if (by === undefined || Date.now() < by) return undefined
      this.close({ _tag: "TimedOut", idle: this.nick !== undefined })
      return Cause.done()
    }
    if (!Array.isArray(taken)) {
      this.close({ _tag: "Disconnected", reset: (taken as EndOfInput).reset })
      return Cause.done()
    }
    return Effect.succeed(taken as Arr.NonEmptyReadonlyArray<Uint8Array>)
  }

  /** Reads wait at most until the registration deadline, then until the idle deadline (if any). */
  private readDeadline(): number | undefined {
    const idle = this.env.idleMillis
    return this.nick === undefined ? this.registerBy : idle !== undefined ? this.lastLine + idle : undefined
  }

  private waitInput(): void {
    const by = this.readDeadline()
    if (by !== undefined) this.timer = setTimeout(this.onInput, Math.max(0, by - Date.now()))
    this.connection.wait(this.onInput)
  }

  private stopWaiting(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    this.connection.wait(undefined)
  }

  private readonly onInput = (): void => {
    const resume = this.resumeRead
    if (resume === undefined) return
    this.stopWaiting()
    const next = this.input()
    if (next === undefined) return this.waitInput()
    this.resumeRead = undefined
    resume(next)
  }

  /** The connection's input as a pull: a Stream of reads that ends when the session closes. */
  readonly pull = Effect.callback<Arr.NonEmptyReadonlyArray<Uint8Array>, Cause.Done>((resume) => {
    const next = this.input()
    if (next !== undefined) return resume(next)
    this.resumeRead = resume
    this.waitInput()
    return this.cancelRead
  })

  private readonly cancelRead = Effect.sync(() => {
    this.resumeRead = undefined
    this.stopWaiting()
  })

  /** Holds the reader back (flood control); a close cuts the wait short. */
  holdBack(millis: number): Effect.Effect<void> {
    return Effect.callback<void>((resume) => {
      const done = () => {
        clearTimeout(timer)
        this.resumeHold = undefined
        resume(Effect.void)
      }
      const timer = setTimeout(done, millis)
      this.resumeHold = done
      return Effect.sync(() => {
        clearTimeout(timer)
        this.resumeHold = undefined
      })
    })
  }

  /** Milliseconds to hold the next line back for flood control (0: none), or -1 once the client flooded too long. */
  budget(now: number): number {
    const bucket = this.bucket
    if (bucket === undefined) return 0
    const wait = bucket.take(now)
    if (wait === 0) return 0
    if (now - bucket.throttledSince! <= this.env.floodTimeout) return wait
    this.env.sessions.counters.floodDisconnects++
    this.close({ _tag: "Flood" })
    return -1
  }

  // Chat lines of one read are published together (one hub round for them all); anything
  // else the client sends is acted on in order after what came before it was published.
  publishChats(): Effect.Effect<void> {
    const chats = this.chats
    if (chats.length === 0) return Effect.void
    const events = chats.splice(0)
    return events.length === 1 ? this.env.hub.publish(events[0]) : this.env.hub.publishAll(events)
  }

  readonly onChunks = (chunks: ReadonlyArray<Uint8Array>): Effect.Effect<void> => onChunks(this, chunks)

  onLine(clean: string): Effect.Effect<void> {
    if (!this.reading) return Effect.void
    const nick = this.nick
    if (nick === undefined) {
      const trimmed = clean.trim()
      if (trimmed === "") return Effect.void
      const parsed = parseRegistration(trimmed)
      if (Result.isFailure(parsed)) return Effect.sync(() => this.direct(parsed.failure.message))
      const registration = parsed.success
      if (typeof registration === "string") return register(this, registration)
      return Effect.sync(() => this.close({ _tag: "Quit", message: registration.reason }))
    }
    if (clean.trim() === "") return Effect.void
    const parsed = parseCommand(clean)
    return Result.isSuccess(parsed) ? run(this, parsed.success, nick) : this.tell(parsed.failure.message)
  }

  // --- output --------------------------------------------------------------

  /** Straight into this connection's outbox, past the hub (before registration). */
  direct(text: string): void {
    this.outbox.push(line(text))
  }

  /** A notice to this session, in order with its other events. */
  tell(text: string): Effect.Effect<void> {
    return this.env.hub.publish(notice(text, this.id))
  }

  /** One warning per misbehaving connection (and the log rate-limits them across connections). */
  offend(what: string): Effect.Effect<void> {
    if (this.offended) return Effect.void
    this.offended = true
    return this.log(this.env.sessions.warnOffender(what))
  }

  /**
   * The hub's delivery: a run of one room's events (the same for every member,
   * rendered once for all), or events for this session or for everyone. The
   * session's `Closing` is the last thing it writes.
   */
  deliver(events: ReadonlyArray<Envelope>): void {
    if (!this.receiving) return
    const { codec, sessions } = this.env
    if (events[0].room !== undefined) {
      this.outbox.push(codec.encodeRun(events))
      sessions.counters.messagesOut += events.length
      return
    }
    for (let i = 0; i < events.length; i++) {
      const envelope = events[i]
      if (envelope.event._tag === "Closing") {
        this.outbox.force(codec.encode(envelope))
        sessions.counters.messagesOut += i + 1
        return this.stopReceiving()
      }
      this.outbox.push(codec.encode(envelope))
    }
    sessions.counters.messagesOut += events.length
  }

  stopReceiving(): void {
    this.receiving = false
    const closed = this.closed
    this.closed = undefined
    closed?.()
  }

  /** Completes once this session's `Closing` was delivered (or it stopped receiving). */
  closingDelivered(): Effect.Effect<void> {
    return Effect.callback<void>((resume) => {
      if (!this.receiving) return resume(Effect.void)
      this.closed = () => resume(Effect.void)
      return Effect.sync(() => {
        this.closed = undefined
      })
    })
  }

  /** The session's log lines carry its peer. */
  log(effect: Effect.Effect<void>): Effect.Effect<void> {
    return Effect.annotateLogs(effect, "peer", this.connection.peer)
  }

  /** Registered: receives from the hub, then joins the lobby, with nothing published in between. */
  enterLobby(nick: Nick): Effect.Effect<Roster> {
    const self = this
    return Effect.gen(function*() {
      yield* Scope.provide(self.env.hub.attach(self.id, self), self.scope!)
      self.receiving = true
      self.nick = nick
      self.room = Lobby
      const { members } = yield* self.env.hub.join(self.id, Lobby)
      return members
    })
  }

  /** Everything this session holds outside itself, let go when it ends (however it ends). */
  release(graceful: boolean): Effect.Effect<void> {
    return Effect.andThen(
      this.env.hub.leave(this.id, "connection closed"),
      Effect.andThen(
        this.env.sessions.remove(this.id),
        Effect.suspend(() => {
          this.outbox.abandon()
          return this.connection.close(graceful)
        })
      )
    )
  }

}

const onChunks = Effect.fnUntraced(function*(self: Session, chunks: ReadonlyArray<Uint8Array>) {
  const { config, sessions } = self.env
  for (const chunk of chunks) {
    sessions.counters.bytesIn += chunk.length
    for (const frame of self.splitter.push(chunk)) {
      if (!self.reading) break
      const now = Date.now()
      const wait = self.budget(now)
      if (wait === -1) break
      if (wait > 0) {
        yield* self.publishChats()
        yield* self.offend(`flood control: holding back a client over ${config.floodRate} lines/s`)
        yield* self.holdBack(wait)
        if (!self.reading) break
      }
      self.lastLine = now
      if (frame === TooLong) {
        yield* self.publishChats()
        yield* self.offend(`line over ${config.maxLineBytes} bytes discarded`)
        if (self.nick === undefined) self.direct(self.env.tooLong)
        else yield* self.tell(self.env.tooLong)
        continue
      }
      const nick = self.nick
      const text = sanitize(frame)
      if (nick !== undefined && isChat(text)) {
        sessions.counters.messagesIn++
        self.chats.push({ _tag: "Chat", room: self.room!, from: nick, text })
        continue
      }
      yield* self.publishChats()
      yield* self.onLine(text)
    }
  }
  yield* self.publishChats()
})

const live = Effect.fnUntraced(function*(self: Session, scope: Scope.Scope) {
  self.scope = scope
  yield* Scope.addFinalizerExit(scope, (exit) => self.release(Exit.isSuccess(exit)))
  yield* self.env.sessions.add(self)
  yield* self.log(Effect.logInfo("connection opened"))
  for (const text of greeting) self.direct(text)
  yield* Stream.fromPull(Effect.succeed(self.pull)).pipe(Stream.runForEachArray(self.onChunks))
  yield* finish(self)
})

/** Everything published to this session before it closed is still delivered, then its last notice. */
const finish = Effect.fnUntraced(function*(self: Session) {
  const { config, hub, sessions } = self.env
  const reason = self.reason ?? { _tag: "Disconnected", reset: false }
  self.reading = false
  if (reason._tag === "TimedOut") {
    sessions.counters.timeouts++
    yield* self.offend(reason.idle ? "idle timeout" : "no nickname within the registration timeout")
  }
  const flushDeadline = Effect.timeoutOption(config.shutdownTimeout)
  const last = farewell(reason, self.nick, config)
  const closing = self.receiving && !self.slowed && last !== undefined
  if (!closing) {
    self.stopReceiving()
    if (self.slowed) self.outbox.clear()
    if (last !== undefined) self.outbox.force(line(last))
  } else if (reason._tag !== "Shutdown") {
    // At shutdown the server publishes one `Closing` for everyone.
    yield* hub.publish({ _tag: "Closing", to: self.id, text: last })
  }
  // The room learns at once (nothing at shutdown); this session still gets everything up to its `Closing`.
  yield* hub.leave(self.id, leaveText(reason))
  if (closing) yield* self.closingDelivered().pipe(flushDeadline)
  // A client cut off for not reading gets a short grace to take its last notice.
  if (last !== undefined) yield* self.outbox.flushed().pipe(self.slowed ? Effect.timeoutOption(slowGrace) : flushDeadline)
  if (reason._tag === "Kicked") sessions.counters.kicks++
  yield* self.log(Effect.logInfo("connection closed").pipe(
    Effect.annotateLogs({
      reason: closeLabel(reason),
      ...(self.nick === undefined ? {} : { nick: self.nick }),
      duration: Duration.format(Duration.millis(Date.now() - self.since))
    })
  ))
})

const register = Effect.fnUntraced(function*(session: Session, nick: Nick) {
  const claimed = yield* Effect.result(session.env.hub.claimNick(session.id, nick))
  if (Result.isFailure(claimed)) {
    return session.direct(`${claimed.failure.message} Choose another nickname:`)
  }
  session.direct(`Welcome, ${nick}! You are in ${Lobby}. Type /help for commands.`)
  const members = yield* session.enterLobby(nick)
  yield* session.tell(membersNotice(Lobby, members))
  yield* session.log(Effect.logInfo("registered").pipe(Effect.annotateLogs({ nick })))
})

const enter = Effect.fnUntraced(function*(session: Session, target: Room) {
  session.room = target
  // The session gets the new room's events from its own `Joined` on, in order with everything else.
  const { members } = yield* session.env.hub.join(session.id, target)
  yield* session.tell(membersNotice(target, members))
})

const run = Effect.fnUntraced(function*(session: Session, command: Command, nick: string) {
  const { hub, sessions } = session.env
  const counters = sessions.counters
  const current = session.room as Room
  switch (command._tag) {
    case "Say":
      counters.messagesIn++
      return yield* hub.publish({ _tag: "Chat", room: current, from: nick, text: command.text })
    case "Me":
      counters.messagesIn++
      return yield* hub.publish({ _tag: "Action", room: current, from: nick, text: command.text })
    case "Msg": {
      const target = yield* hub.findNick(command.nick)
      if (target._tag === "None") return yield* session.tell(`No such nickname: ${command.nick}.`)
      counters.messagesIn++
      yield* hub.publish({ _tag: "Private", to: target.value.session, from: nick, text: command.text })
      return yield* session.tell(`Message to ${target.value.nick}: ${command.text}`)
    }
    case "Nick": {
      if (command.nick === nick) return yield* session.tell(`You are already ${nick}.`)
      const renamed = yield* Effect.result(hub.claimNick(session.id, command.nick))
      if (Result.isFailure(renamed)) return yield* session.tell(renamed.failure.message)
      session.nick = command.nick
      return
    }
    case "Join":
      if (command.room === current) return yield* session.tell(`You are already in ${current}.`)
      return yield* enter(session, command.room)
    case "Rooms": {
      const rooms = yield* hub.rooms
      return yield* session.tell(`Rooms (${rooms.length}): ${rooms.map((r) => `${r.room} (${r.members})`).join(", ")}`)
    }
    case "Who":
      return yield* session.tell(membersNotice(current, yield* hub.members(current)))
    case "Help":
      return yield* Effect.forEach(helpLines, (text) => session.tell(text), { discard: true })
    case "Quit":
      return session.close({ _tag: "Quit", message: command.reason })
  }
})

/**
 * Serves connections with the services of the context it runs in, looked up
 * once: `(connection) => session`. The session never fails; anything
 * unexpected is logged in one line and ends only that session.
 */
export const handler: Effect.Effect<
  (connection: Connection) => Effect.Effect<void>,
  never,
  ChatConfig | Hub | Codec | Sessions
> = Effect.gen(function*() {
  const config = yield* ChatConfig
  const env: Env = {
    config,
    hub: yield* Hub,
    codec: yield* Codec,
    sessions: yield* Sessions,
    floodTimeout: Duration.toMillis(config.floodTimeout),
    registerMillis: Duration.toMillis(config.registerTimeout),
    idleMillis: Option.getOrUndefined(Option.map(config.idleTimeout, Duration.toMillis)),
    stallMillis: Duration.toMillis(config.writeTimeout),
    tooLong: `Line too long (more than ${config.maxLineBytes} bytes); it was discarded.`
  }
  return (connection: Connection) =>
    Effect.withFiber<void>((fiber) => {
      const session = new Session(env, connection, fiber.id)
      // Anything a connection does to end a session is handled inside; this catches the rest without a stack trace.
      return Effect.catchCause(
        Effect.scopedWith((scope) => live(session, scope)),
        (cause) => session.log(Effect.logWarning("session failed", cause))
      )
    })
})

/** One connection's whole session, with the services from the context. */
export const handle = (connection: Connection) => Effect.flatMap(handler, (serve) => serve(connection))
