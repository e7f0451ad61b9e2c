import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Socket from "effect/socket/Socket"
import { ChatConfig, type ChatConfigShape } from "./ChatConfig.js"
import { Codec } from "./Codec.js"
import { type Envelope, type Event, notice } from "./Event.js"
import { TokenBucket } from "./FloodControl.js"
import { LineSplitter, TooLong } from "./Framing.js"
import { Hub, type Roster } from "./Hub.js"
import { Outbox, type Sink, sinkFromWriter } from "./Outbox.js"
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

/**
 * Resumes in the event loop's next turn (after I/O), not just after the other
 * ready fibers. All sessions waiting for the same turn resume together, so
 * their output is flushed together.
 */
let turnWaiters: Array<() => void> = []
const runTurn = () => {
  const waiters = turnWaiters
  turnWaiters = []
  for (const f of waiters) f()
}
const nextTurn = Effect.callback<void>((resume) => {
  const f = () => resume(Effect.void)
  if (turnWaiters.push(f) === 1) setImmediate(runTurn)
  return Effect.sync(() => {
    const i = turnWaiters.indexOf(f)
    if (i !== -1) turnWaiters.splice(i, 1)
  })
})

/** `Members of #room (3): a, b, c`, or `..., and 9900 more` for a large room. */
const membersNotice = (room: string, roster: Roster) =>
  `Members of ${room} (${roster.count}): ${roster.nicks.join(", ")}${
    roster.count > roster.nicks.length ? `, and ${roster.count - roster.nicks.length} more` : ""
  }`

/** A line that is plain chat, not a command: the common case, taken without a full parse. */
const isChat = (line: string) => line.length > 0 && line.charCodeAt(0) !== 47 && line !== "quit" && line.trim() !== ""

class TimedOut extends Schema.TaggedError<TimedOut>()("TimedOut", { idle: Schema.Boolean }) {}

/** Events for this session: addressed to it, to its room, or to everyone. */
const isFor = (event: Event, session: string, room: string | undefined): boolean => {
  switch (event._tag) {
    case "Private":
      return event.to === session
    case "Closing":
      return event.to === undefined || event.to === session
    case "Joined":
      return event.room === room && (event.quiet !== true || event.session === session)
    case "Notice":
      return event.to !== undefined ? event.to === session : event.room === undefined || event.room === room
    default:
      return event.room === room
  }
}

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

/**
 * One connection's whole life, transport-neutral: any `Socket` works, and a
 * transport that has a non-blocking `Sink` (a Node socket) passes it for the
 * writes. Two fibers share the session scope: `inbound` reads lines and acts
 * on them; the subscriber takes this session's events from the hub and writes
 * each batch to the socket as one write, through the outbox. The first reason
 * to close (quit, disconnect, slow, kick, shutdown) wins; then the session
 * leaves the hub, sends its last notice, waits a bounded time for the outbox
 * to flush and closes.
 */
export const handle = Effect.fnUntraced(
  function*(socket: Socket.Socket, peer: string, transportSink?: Sink) {
    const config = yield* ChatConfig
    const hub = yield* Hub
    const codec = yield* Codec
    const sessions = yield* Sessions
    const scope = yield* Effect.scope

    // The writer waits until the reader has been acquired: acquire it first.
    const pull = yield* Socket.readerBytes(socket)
    const sink = transportSink ?? (yield* sinkFromWriter(yield* socket.writer, scope))
    const closing = yield* Deferred.make<CloseReason>()
    const counters = sessions.counters
    const close = (reason: CloseReason) => Deferred.doneUnsafe(closing, Exit.succeed(reason))
    // Set once the session stops acting on input (quit) or on output (too slow).
    let reading = true
    let slowed = false
    const slow = (stalled: boolean) => {
      if (slowed) return
      slowed = true
      counters.slowDisconnects++
      close({ _tag: "Slow", stalled })
    }
    const outbox = new Outbox(config.outboxBytes, sink, Duration.toMillis(config.writeTimeout), slow, (bytes) => {
      counters.bytesOut += bytes
    })
    const session: SessionHandle = {
      id: sessions.nextId(),
      peer,
      since: new Date(),
      outbox,
      nick: undefined,
      room: undefined,
      fibers: new Map([["session", yield* Effect.fiberId]]),
      closing
    }
    const id = session.id
    yield* sessions.add(session)
    yield* Effect.addFinalizer(() =>
      Effect.andThen(
        hub.leave(id, "connection closed"),
        Effect.andThen(sessions.remove(id), Effect.sync(() => outbox.abandon()))
      )
    )

    // One warning per misbehaving connection (and the log rate-limits them across connections).
    let offended = false
    const offend = (what: string) => {
      if (offended) return Effect.void
      offended = true
      return sessions.warnOffender(what)
    }
    const direct = (text: string) => outbox.push(line(text))
    const tell = (text: string) => hub.publish(notice(text, id))
    const tellAll = (lines: ReadonlyArray<string>) => Effect.forEach(lines, tell, { discard: true })

    let room: Room | undefined
    /** Moves a batch into the outbox as one write; true once this session's `Closing` event went out. */
    const deliver = (batch: ReadonlyArray<Envelope>): boolean => {
      for (let i = 0; i < batch.length; i++) {
        const envelope = batch[i]
        const event = envelope.event
        if (event._tag === "Joined" && event.session === id) room = event.room as Room
        if (!isFor(event, id, room)) continue
        if (event._tag === "Closing") {
          outbox.force(codec.encode(envelope))
          return true
        }
        outbox.push(codec.encode(envelope))
        counters.messagesOut++
      }
      return slowed
    }
    const pump = (subscription: PubSub.Subscription<Envelope>) =>
      Effect.suspend(function loop(): Effect.Effect<void> {
        // Waiting for the next event-loop turn after each batch lets the next one grow:
        // at most one wake-up per turn, however many events arrive.
        return Effect.flatMap(
          PubSub.takeAll(subscription),
          (batch) => deliver(batch) ? Effect.void : Effect.andThen(nextTurn, loop)
        )
      })
    let pumpFiber: Fiber.Fiber<unknown> | undefined

    const register = Effect.fnUntraced(function*(nick: Nick) {
      const claimed = yield* Effect.result(hub.claimNick(id, nick))
      if (Result.isFailure(claimed)) {
        return direct(`${claimed.failure.message} Choose another nickname:`)
      }
      session.nick = nick
      session.room = Lobby
      // Joining and subscribing happen in one step, so this session's events start right after its own join;
      // what it is told until then goes straight to its outbox: registering costs the others nothing.
      const { members } = yield* hub.join(id, Lobby)
      const subscription = yield* Scope.provide(hub.subscribe, scope)
      room = Lobby
      direct(`Welcome, ${nick}! You are in ${Lobby}. Type /help for commands.`)
      direct(`${nick} has joined ${Lobby}`)
      direct(membersNotice(Lobby, members))
      pumpFiber = yield* Effect.forkIn(pump(subscription), scope)
      session.fibers.set("subscriber", pumpFiber.id)
      yield* Effect.logInfo("registered").pipe(Effect.annotateLogs({ nick }))
    })

    const enter = Effect.fnUntraced(function*(target: Room) {
      session.room = target
      const { announced, members } = yield* hub.join(id, target)
      // This session's subscriber switches rooms when it sees its own `Joined`, in order with everything else.
      if (!announced) yield* hub.publish({ _tag: "Joined", room: target, nick: session.nick!, session: id, quiet: true })
      yield* tell(membersNotice(target, members))
    })

    const run = Effect.fnUntraced(function*(command: Command, nick: string) {
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
          if (target._tag === "None") return yield* tell(`No such nickname: ${command.nick}.`)
          counters.messagesIn++
          yield* hub.publish({ _tag: "Private", to: target.value.session, from: nick, text: command.text })
          return yield* tell(`Message to ${target.value.nick}: ${command.text}`)
        }
        case "Nick": {
          if (command.nick === nick) return yield* tell(`You are already ${nick}.`)
          const renamed = yield* Effect.result(hub.claimNick(id, command.nick))
          if (Result.isFailure(renamed)) return yield* tell(renamed.failure.message)
          session.nick = command.nick
          return
        }
        case "Join":
          if (command.room === current) return yield* tell(`You are already in ${current}.`)
          return yield* enter(command.room)
        case "Rooms": {
          const rooms = yield* hub.rooms
          return yield* tell(`Rooms (${rooms.length}): ${rooms.map((r) => `${r.room} (${r.members})`).join(", ")}`)
        }
        case "Who": {
          return yield* tell(membersNotice(current, yield* hub.members(current)))
        }
        case "Help":
          return yield* tellAll(helpLines)
        case "Quit":
          reading = false
          return close({ _tag: "Quit", message: command.reason })
      }
    })

    const onLine = (clean: string): Effect.Effect<void> => {
      if (!reading) return Effect.void
      const nick = session.nick
      if (nick === undefined) {
        const trimmed = clean.trim()
        if (trimmed === "") return Effect.void
        const parsed = parseRegistration(trimmed)
        if (Result.isFailure(parsed)) return Effect.sync(() => direct(`${parsed.failure.message}`))
        const registration = parsed.success
        if (typeof registration === "string") return register(registration)
        reading = false
        return Effect.sync(() => close({ _tag: "Quit", message: registration.reason }))
      }
      if (clean.trim() === "") return Effect.void
      const parsed = parseCommand(clean)
      return Result.isSuccess(parsed) ? run(parsed.success, nick) : tell(parsed.failure.message)
    }

    const splitter = new LineSplitter(config.maxLineBytes)
    const tooLong = `Line too long (more than ${config.maxLineBytes} bytes); it was discarded.`
    const bucket = config.floodRate > 0 ? new TokenBucket(config.floodRate, config.floodBurst, Date.now()) : undefined
    const floodTimeout = Duration.toMillis(config.floodTimeout)
    /** Waits out the flood budget for one line; false once the client flooded for too long. */
    /** Milliseconds to hold the next line back for flood control (0: none), or -1 once the client flooded too long. */
    const budget = (now: number): number => {
      if (bucket === undefined) return 0
      const wait = bucket.take(now)
      if (wait === 0) return 0
      if (now - bucket.throttledSince! <= floodTimeout) return wait
      reading = false
      counters.floodDisconnects++
      close({ _tag: "Flood" })
      return -1
    }
    let lastLine = Date.now()
    // Chat lines of one read are published together (one hub round for them all); anything
    // else the client sends is acted on in order after what came before it was published.
    const chats: Array<Event> = []
    const publishChats = Effect.suspend(() => {
      if (chats.length === 0) return Effect.void
      const events = chats.splice(0)
      return events.length === 1 ? hub.publish(events[0]) : hub.publishAll(events)
    })
    const onChunks = (chunks: ReadonlyArray<Uint8Array>) =>
      Effect.gen(function*() {
        for (const chunk of chunks) {
          counters.bytesIn += chunk.length
          for (const frame of splitter.push(chunk)) {
            if (!reading) break
            const now = Date.now()
            const wait = budget(now)
            if (wait === -1) break
            if (wait > 0) {
              yield* publishChats
              yield* offend(`flood control: holding back a client over ${config.floodRate} lines/s`)
              yield* Effect.sleep(wait)
            }
            lastLine = now
            if (frame === TooLong) {
              yield* publishChats
              yield* offend(`line over ${config.maxLineBytes} bytes discarded`)
              if (session.nick === undefined) direct(tooLong)
              else yield* tell(tooLong)
              continue
            }
            const nick = session.nick
            const text = sanitize(frame)
            if (nick !== undefined && isChat(text)) {
              counters.messagesIn++
              chats.push({ _tag: "Chat", room: session.room!, from: nick, text })
              continue
            }
            yield* publishChats
            yield* onLine(text)
          }
        }
        yield* publishChats
      })

    // Reads wait at most until the registration deadline, then until the idle deadline (if any).
    const registerBy = Date.now() + Duration.toMillis(config.registerTimeout)
    const idleMillis = Option.map(config.idleTimeout, Duration.toMillis)
    const readDeadline = (): number | undefined =>
      session.nick === undefined ? registerBy : Option.isSome(idleMillis) ? lastLine + idleMillis.value : undefined
    const timedPull = Effect.suspend(() => {
      const by = readDeadline()
      return by === undefined ? pull : pull.pipe(
        Effect.timeoutOrElse({
          duration: Math.max(0, by - Date.now()),
          orElse: () => Effect.fail(new TimedOut({ idle: session.nick !== undefined }))
        })
      )
    })

    const inboundFiber = yield* Stream.fromPull(Effect.succeed(timedPull)).pipe(
      Stream.runForEachArray(onChunks),
      Effect.catchTags({
        TimedOut: (timedOut) =>
          offend(timedOut.idle ? "idle timeout" : "no nickname within the registration timeout").pipe(
            Effect.andThen(Effect.sync(() => {
              counters.timeouts++
              close({ _tag: "TimedOut", idle: timedOut.idle })
            }))
          ),
        SocketError: (error) =>
          Effect.sync(() =>
            close({
              _tag: "Disconnected",
              reset: !(error.reason._tag === "SocketCloseError" && error.reason.code === 1000)
            })
          )
      }),
      Effect.forkIn(scope)
    )
    session.fibers.set("reader", inboundFiber.id)

    yield* Effect.logInfo("connection opened")
    for (const text of greeting) direct(text)

    const reason = yield* Deferred.await(closing)
    reading = false
    yield* Fiber.interrupt(inboundFiber)
    // Everything published to this session before it closed is still delivered, then the last notice.
    const flushDeadline = Effect.timeoutOption(config.shutdownTimeout)
    const last = farewell(reason, session.nick, config)
    if (pumpFiber === undefined || slowed || last === undefined) {
      if (pumpFiber !== undefined) yield* Fiber.interrupt(pumpFiber)
      if (slowed) outbox.clear()
      if (last !== undefined) outbox.force(line(last))
    } else {
      // At shutdown the server publishes one `Closing` for everyone.
      if (reason._tag !== "Shutdown") yield* hub.publish({ _tag: "Closing", to: id, text: last })
      yield* Fiber.await(pumpFiber).pipe(flushDeadline)
    }
    const leave = leaveText(reason)
    if (leave !== undefined) yield* hub.leave(id, leave)
    // A client cut off for not reading gets a short grace to take its last notice.
    if (last !== undefined) yield* outbox.flushed.pipe(slowed ? Effect.timeoutOption(slowGrace) : flushDeadline)
    if (reason._tag === "Kicked") counters.kicks++
    yield* Effect.logInfo("connection closed").pipe(
      Effect.annotateLogs({
        reason: closeLabel(reason),
        ...(session.nick === undefined ? {} : { nick: session.nick }),
        duration: Duration.format(Duration.millis(Date.now() - session.since.getTime()))
      })
    )
  },
  (effect, _socket, peer, _sink) =>
    effect.pipe(
      // Anything a socket does to end a session was handled above; this catches the rest without a stack trace.
      Effect.catchCause((cause) => Effect.logWarning("session failed", cause)),
      Effect.annotateLogs({ peer }),
      Effect.scoped
    )
)
