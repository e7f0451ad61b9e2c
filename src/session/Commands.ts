import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Hub } from "../hub/Hub.js"
import { CloseReason, CloseReasons } from "../protocol/CloseReason.js"
import type { Command } from "../protocol/Command.js"
import { answer, type Event } from "../protocol/Event.js"
import { Lobby, type Nick, type Room, type SessionId } from "../protocol/Names.js"
import type { Reply } from "../protocol/Reply.js"
import type { Counters } from "../server/Stats.js"
import type { Input } from "../wire/Codec.js"

/** The reading side of a session ended, and why. */
export class SessionClosed extends Schema.TaggedError<SessionClosed>()("SessionClosed", { reason: CloseReason }) {}

/** What the interpreter may see and change of the session it runs for. */
export interface Client {
  readonly id: SessionId
  nick: Nick | undefined
  /** The one room the text protocol keeps a session in. */
  room: Room | undefined
  /** The session just registered (the registration clock stops). */
  readonly registered: (nick: Nick) => Effect.Effect<void>
  /** A warning about this client, once per session. */
  readonly offend: (what: string) => Effect.Effect<void>
}

/** What every session of a server shares with the interpreter. */
export interface CommandEnv {
  readonly hub: Hub["Service"]
  readonly counters: Counters
  readonly maxLineBytes: number
}

/**
 * Acts on one read's commands, in order. Consecutive chat lines are
 * published together (one hub round for them all); anything else is acted
 * on after what came before it was published. Every answer goes through the
 * hub, so a client sees answers in order with what its rooms say.
 */
export const run = (env: CommandEnv, client: Client) =>
(inputs: ReadonlyArray<Input | undefined>): Effect.Effect<void, SessionClosed> => {
  const nick = client.nick
  const room = client.room
  if (nick !== undefined && room !== undefined && allChat(inputs)) {
    env.counters.messagesIn += inputs.length
    return env.hub.publishAll(inputs.map((input) => chat(room, nick, (input as Say).text)))
  }
  return Effect.forEach(inputs, (input, i) => {
    if (input === undefined) return Effect.void
    // Telnet's Ctrl-C is an interrupt then a timing mark: answer the mark first, or telnet hides the goodbye.
    if (input._tag === "Quit" && inputs.slice(i + 1).some((next) => next?._tag === "TimingMark")) {
      return Effect.andThen(reply(env, client, { _tag: "TimingMarkDone" }), interpret(env, client, input))
    }
    return interpret(env, client, input)
  }, { discard: true })
}

type Say = Extract<Command, { readonly _tag: "Say" }>
const allChat = (inputs: ReadonlyArray<Input | undefined>) => {
  for (const input of inputs) if (input?._tag !== "Say") return false
  return true
}
const chat = (room: Room, from: Nick, text: string): Event => ({ _tag: "Chat", room, from, text })
const reply = (env: CommandEnv, client: Client, r: Reply) => env.hub.publish(answer(client.id, r))

const register = Effect.fnUntraced(function*(env: CommandEnv, client: Client, nick: Nick) {
  const claimed = yield* Effect.result(env.hub.claimNick(client.id, nick))
  if (claimed._tag === "Failure") return yield* reply(env, client, { _tag: "NickTaken", nick, registering: true })
  client.nick = nick
  client.room = Lobby
  yield* reply(env, client, { _tag: "Welcome", nick, room: Lobby })
  yield* enter(env, client, Lobby)
  yield* client.registered(nick)
})

/** Into a room: its join notice, then who is there (and its topic), in order. */
const enter = Effect.fnUntraced(function*(env: CommandEnv, client: Client, room: Room) {
  const joined = yield* env.hub.join(client.id, room).pipe(Effect.orDie)
  const roster = joined.roster
  yield* reply(env, client, { _tag: "Members", room, count: roster.count, nicks: roster.nicks })
  if (joined.topic !== undefined) yield* reply(env, client, { _tag: "TopicIs", room, topic: joined.topic })
})

const move = Effect.fnUntraced(function*(env: CommandEnv, client: Client, from: Room, to: Room) {
  if (from === to) return yield* reply(env, client, { _tag: "AlreadyIn", room: to })
  yield* env.hub.part(client.id, from, `moved to ${to}`).pipe(Effect.orDie)
  client.room = to
  yield* enter(env, client, to)
})

const rename = Effect.fnUntraced(function*(env: CommandEnv, client: Client, from: Nick, to: Nick) {
  if (from === to) return yield* reply(env, client, { _tag: "AlreadyNick", nick: to })
  const renamed = yield* Effect.result(env.hub.claimNick(client.id, to))
  if (renamed._tag === "Failure") return yield* reply(env, client, { _tag: "NickTaken", nick: to, registering: false })
  client.nick = to
})

const message = Effect.fnUntraced(function*(env: CommandEnv, client: Client, from: Nick, to: Nick, text: string) {
  const target = yield* env.hub.findNick(to)
  if (target === undefined) return yield* reply(env, client, { _tag: "NoSuchNick", nick: to })
  env.counters.messagesIn++
  yield* env.hub.publish({ _tag: "Private", to: target.session, from, text })
  yield* reply(env, client, { _tag: "Sent", to: target.nick, text })
})

const topic = Effect.fnUntraced(function*(env: CommandEnv, client: Client, room: Room, text: string | undefined) {
  if (text === undefined) {
    const current = yield* env.hub.topic(room)
    return yield* reply(env, client, { _tag: "TopicIs", room, ...(current === undefined ? {} : { topic: current }) })
  }
  yield* env.hub.setTopic(client.id, room, text === "" ? undefined : text).pipe(Effect.orDie)
})

const interpret = (env: CommandEnv, client: Client, input: Input): Effect.Effect<void, SessionClosed> => {
  const { counters, hub } = env
  if (input._tag === "Invalid") {
    return input.reply._tag === "LineTooLong"
      ? Effect.andThen(client.offend(`line over ${env.maxLineBytes} bytes discarded`), reply(env, client, input.reply))
      : reply(env, client, input.reply)
  }
  if (input._tag === "Quit") return Effect.fail(new SessionClosed({ reason: CloseReasons.Quit(input.reason) }))
  if (input._tag === "TimingMark") return reply(env, client, { _tag: "TimingMarkDone" })
  const nick = client.nick
  const room = client.room
  if (nick === undefined || room === undefined) {
    return input._tag === "Nick" ? register(env, client, input.nick) : reply(env, client, { _tag: "NickFirst" })
  }
  switch (input._tag) {
    case "Say":
      counters.messagesIn++
      return hub.publish(chat(room, nick, input.text))
    case "Me":
      counters.messagesIn++
      return hub.publish({ _tag: "Action", room, from: nick, text: input.text })
    case "Msg":
      return message(env, client, nick, input.nick, input.text)
    case "Nick":
      return rename(env, client, nick, input.nick)
    case "Join":
      return move(env, client, room, input.room)
    case "Rooms":
      return Effect.flatMap(hub.rooms, (rooms) =>
        reply(env, client, { _tag: "RoomList", rooms: rooms.map(({ members, room }) => ({ room, members })) }))
    case "Who":
      return Effect.flatMap(hub.roster(room), (roster) =>
        reply(env, client, { _tag: "Members", room, count: roster?.count ?? 0, nicks: roster?.nicks ?? [] }))
    case "Topic":
      return topic(env, client, room, input.text)
    case "Help":
      return reply(env, client, { _tag: "Help" })
  }
}
