import * as History from "./HistoryCommands.js"
import * as Effect from "effect/Effect"
import { CloseReasons } from "../protocol/CloseReason.js"
import type { Command } from "../protocol/Command.js"
import type { Event } from "../protocol/Event.js"
import type { Nick, Room } from "../protocol/Names.js"
import type { Input } from "../wire/Codec.js"
import { type Client, type CommandEnv, SessionClosed } from "./Client.js"
import * as AccountCommands from "./AccountCommands.js"
import * as Info from "./InfoCommands.js"
import { knock } from "./KnockCommands.js"
import { accept, refusedByCallerId, silence, takesFrom } from "./SilenceCommands.js"
import * as Users from "./UserCommands.js"
import * as Moderation from "./ModerationCommands.js"
import { monitor } from "./MonitorCommands.js"
import * as Operator from "./OperatorCommands.js"
import * as Registration from "./RegistrationCommands.js"
import * as Rooms from "./RoomCommands.js"

/**
 * Acts on one read's commands, in order. Consecutive chat lines are
 * published together (one hub round for them all); anything else is acted
 * on after what came before it was published. Every answer goes through the
 * hub, so a client sees answers in order with what its rooms say.
 */
export const run = (
  env: CommandEnv,
  client: Client,
  inputs: ReadonlyArray<Input | undefined>
): Effect.Effect<void, SessionClosed> => {
  const nick = client.nick
  if (nick !== undefined && client.rooms.length > 0 && allChat(env, inputs, client)) {
    env.counters.messagesIn += inputs.length
    client.messagesIn += inputs.length
    client.spoke = env.now()
    return env.hub.publishAll(inputs.map((input) => chat(env, client, nick, input as Say)))
  }
  return Effect.forEach(inputs, (input, i) => {
    if (input === undefined) return Effect.void
    // Telnet's Ctrl-C is an interrupt then a timing mark: answer the mark first, or telnet hides the goodbye.
    if (input._tag === "Quit" && inputs.slice(i + 1).some((next) => next?._tag === "TimingMark")) {
      return Effect.andThen(Rooms.reply(env, client, { _tag: "TimingMarkDone" }), interpret(env, client, input))
    }
    return interpret(env, client, input)
  }, { discard: true })
}

type Say = Extract<Command, { readonly _tag: "Say" }>

/** Only chat, each line for a room the session is in and may speak in. */
const allChat = (env: CommandEnv, inputs: ReadonlyArray<Input | undefined>, client: Client) => {
  for (const input of inputs) {
    if (input?._tag !== "Say" || input.status !== undefined) return false
    if (input.room !== undefined && !client.rooms.includes(input.room)) return false
    if (!env.hub.speaks(client.id, input.room ?? client.rooms[0])) return false
  }
  return true
}

const chat = (env: CommandEnv, client: Client, from: Nick, say: Say): Event => {
  const room = say.room ?? client.rooms[0]
  const id = env.ids.next(client.spoke)
  if (say.tags !== undefined || client.account !== undefined || client.profile?.bot) {
    return { _tag: "Chat", room, from, text: say.text, session: client.id, id, ...about(client, say.tags), ...(say.notice ? { notice: true } : {}) }
  }
  if (say.notice) return { _tag: "Chat", room, from, text: say.text, session: client.id, notice: true, id }
  if (env.anonymous) return { _tag: "Chat", room, from, text: say.text, session: client.id, plain: true, id }
  return { _tag: "Chat", room, from, text: say.text, session: client.id, id }
}

/** What a message says of its sender besides its nickname: the client-only tags it came with, and the account it is identified as. */
const about = (client: Client, tags: string | undefined) => ({
  ...(tags === undefined ? {} : { tags }),
  ...(client.account === undefined ? {} : { account: client.account }),
  ...(client.profile?.bot ? { bot: true } : {})
})

/** The room a message goes to, or why it cannot go (nothing at all for a notice). */
const target = (env: CommandEnv, client: Client, given: Room | undefined, notice: boolean | undefined) => {
  const room = given ?? client.rooms[0]
  // Out of its one room (kicked): it has to join another.
  if (room === undefined) return Effect.asVoid(Rooms.reply(env, client, { _tag: "NoRoom" }))
  if (client.rooms.includes(room)) {
    if (env.hub.speaks(client.id, room)) return Effect.succeed(room)
    if (notice) return Effect.void
    // Refused: why is asked of the room (not on the way of lines that go).
    return Effect.flatMap(env.hub.roster(room), (roster) =>
      Effect.asVoid(Rooms.reply(env, client, roster?.modes.moderated ? { _tag: "CannotSend", room, moderated: true } : { _tag: "CannotSend", room, banned: true })))
  }
  // From outside: only to a room that takes messages from outside (`-n`).
  return Effect.flatMap(Moderation.visible(env, client, room), (roster) =>
    roster !== undefined && Moderation.takesFromOutside(client, roster)
      ? Effect.succeed(room)
      : notice
      ? Effect.void
      : Effect.asVoid(Rooms.reply(env, client, roster === undefined ? { _tag: "NoSuchRoom", room } : { _tag: "CannotSend", room })))
}

const say = Effect.fnUntraced(function*(env: CommandEnv, client: Client, from: Nick, input: Say) {
  if (input.text === "") return input.notice ? undefined : yield* Rooms.reply(env, client, { _tag: "NoText" })
  const room = yield* target(env, client, input.room, input.notice)
  if (room === undefined) return
  env.counters.messagesIn++
  client.messagesIn++
  client.spoke = env.now()
  if (input.status !== undefined) return yield* statusMessage(env, client, from, { ...input, room }, input.status)
  yield* env.hub.publish(chat(env, client, from, { ...input, room }))
})

const action = Effect.fnUntraced(function*(env: CommandEnv, client: Client, from: Nick, input: Extract<Command, { readonly _tag: "Me" }>) {
  const to = yield* target(env, client, input.room, false)
  if (to === undefined) return
  env.counters.messagesIn++
  client.messagesIn++
  client.spoke = env.now()
  const id = env.ids.next(client.spoke)
  yield* env.hub.publish({ _tag: "Action", room: to, from, text: input.text, session: client.id, id, ...about(client, input.tags) })
})

/**
 * A message to a room's operators (`@`), or its voiced members and operators (`+`): one private
 * message each (the sender's own not among them), shown as to `@#room`. Not kept in the room's history.
 */
const statusMessage = Effect.fnUntraced(function*(env: CommandEnv, client: Client, from: Nick, say: Say & { readonly room: Room }, status: "@" | "+") {
  const roster = yield* env.hub.roster(say.room)
  if (roster === undefined) return
  const nicks = new Set(status === "@" ? roster.operators : [...roster.operators, ...roster.voiced])
  const id = env.ids.next(client.spoke)
  const notice = say.notice ? { notice: true } : {}
  for (const nick of nicks) {
    const found = yield* env.hub.findNick(nick)
    if (found === undefined || found.session === client.id) continue
    yield* env.hub.publish({ _tag: "Private", to: found.session, nick: found.nick, from, text: say.text, room: say.room, status, id, ...notice, ...about(client, say.tags) })
  }
  // Its echo (IRC's echo-message; nobody else shows it), as to `@#room`, with the id its recipients got.
  yield* Rooms.reply(env, client, { _tag: "Sent", to: status + say.room, text: say.text, room: say.room, status, ...notice, id, ...(say.tags === undefined ? {} : { tags: say.tags }) })
})

/** IRCv3's `TAGMSG`: to a room as a message would go (never an error but the one a message would get), or to a nickname. */
const tagMsg = Effect.fnUntraced(function*(env: CommandEnv, client: Client, from: Nick, input: Extract<Command, { readonly _tag: "TagMsg" }>) {
  const tags = input.tags
  if (input.room !== undefined) {
    // Refused as a notice is (a typing notice to a moderated room is no error to show).
    const to = yield* target(env, client, input.room, true)
    if (to === undefined) return
    return yield* env.hub.publish({ _tag: "Tagged", room: to, from, session: client.id, tags, id: env.ids.next(env.now()), ...about(client, undefined) })
  }
  if (input.nick === undefined) return
  const found = yield* env.hub.findNick(input.nick)
  if (found === undefined) return yield* Rooms.reply(env, client, { _tag: "NoSuchNick", nick: input.nick })
  if (!takesFrom(env, client, from, found)) return
  const id = env.ids.next(env.now())
  yield* env.hub.publish({ _tag: "Tagged", to: found.session, nick: found.nick, from, session: client.id, tags, id, ...about(client, undefined) })
  yield* Rooms.reply(env, client, { _tag: "Sent", to: found.nick, text: "", tagged: true, id, tags })
})

const message = Effect.fnUntraced(function*(
  env: CommandEnv,
  client: Client,
  from: Nick,
  input: Extract<Command, { readonly _tag: "Msg" }>
) {
  const notice = input.notice === true
  if (input.text === "") return notice ? undefined : yield* Rooms.reply(env, client, { _tag: "NoText" })
  const found = yield* env.hub.findNick(input.nick)
  if (found === undefined) return notice ? undefined : yield* Rooms.reply(env, client, { _tag: "NoSuchNick", nick: input.nick })
  if (!takesFrom(env, client, from, found)) return yield* refusedByCallerId(env, client, from, found, notice)
  env.counters.messagesIn++
  client.messagesIn++
  client.spoke = env.now()
  const id = env.ids.next(client.spoke)
  const kind = { ...(notice ? { notice } : {}), ...(input.action ? { action: true } : {}) }
  yield* env.hub.publish({ _tag: "Private", to: found.session, nick: found.nick, from, text: input.text, ...kind, id, ...about(client, input.tags) })
  yield* Rooms.reply(env, client, { _tag: "Sent", to: found.nick, text: input.text, ...kind, id, ...(input.tags === undefined ? {} : { tags: input.tags }) })
  if (found.away !== undefined && !notice) yield* Rooms.reply(env, client, { _tag: "AwayIs", nick: found.nick, text: found.away })
})

/**
 * A labeled command (IRCv3 labeled-response) between two `Label` answers: its session's receiver,
 * handed them in order with everything else, knows what answers it.
 */
const labeled = Effect.fnUntraced(function*(env: CommandEnv, client: Client, input: Extract<Input, { readonly _tag: "Labeled" }>) {
  yield* Rooms.reply(env, client, { _tag: "Label", label: input.label })
  for (const inner of input.inputs) yield* interpret(env, client, inner)
  yield* Rooms.reply(env, client, { _tag: "Label", label: input.label, end: true })
})

const interpret = (env: CommandEnv, client: Client, input: Input): Effect.Effect<void, SessionClosed> => {
  switch (input._tag) {
    case "Invalid":
      return input.reply._tag === "LineTooLong"
        ? Effect.andThen(
          client.offend(`line over ${env.limits.lineBytes} bytes discarded`),
          Rooms.reply(env, client, input.reply)
        )
        : Rooms.reply(env, client, input.reply)
    case "Reply":
      return Rooms.reply(env, client, input.reply)
    case "Quit":
      return Effect.fail(new SessionClosed({ reason: CloseReasons.Quit(input.reason) }))
    case "TimingMark":
      return Rooms.reply(env, client, { _tag: "TimingMarkDone" })
    case "Labeled":
      return labeled(env, client, input)
  }
  const nick = client.nick
  if (nick === undefined) {
    if (input._tag === "Account" && input.sasl) return AccountCommands.run(env, client, undefined, input)
    // Logging in first takes the account's nickname.
    if (input._tag === "Account" && input.action === "identify" && input.name !== undefined) {
      return Effect.flatMap(
        AccountCommands.identifyFirst(env, client, input.name, input.password ?? ""),
        (account) => account === undefined ? Effect.void : Rooms.register(env, client, account)
      )
    }
    if (input._tag === "Help") return Rooms.reply(env, client, input)
    return input._tag === "Nick" ? Rooms.register(env, client, input.nick, input.user, input.realName) : Rooms.reply(env, client, { _tag: "NickFirst" })
  }
  switch (input._tag) {
    case "Say":
      return say(env, client, nick, input)
    case "Me":
      return action(env, client, nick, input)
    case "Msg":
      return message(env, client, nick, input)
    case "TagMsg":
      return tagMsg(env, client, nick, input)
    case "ChatHistory":
      return History.chatHistory(env, client, input)
    case "Nick":
      return Rooms.rename(env, client, nick, input.nick)
    case "Away":
      return Users.away(env, client, input.text)
    case "SetName":
      return Users.setName(env, client, input.realName)
    case "Whois":
      return Users.whois(env, client, input.nick)
    case "Whowas":
      return Effect.flatMap(env.hub.whowas(input.nick), (entries) =>
        Rooms.reply(env, client, { _tag: "WasList", nick: input.nick, entries: input.count === undefined ? entries : entries.slice(0, input.count) }))
    case "Userhost":
      return Users.userhost(env, client, input.nicks, input.ison === true)
    case "Monitor":
      return monitor(env, client, input)
    case "Join":
      return Rooms.join(env, client, input.room, input.key)
    case "Part":
      return Rooms.part(env, client, input.room, input.reason)
    case "Rooms":
      return Rooms.rooms(env, client, input.filter)
    case "PartAll":
      return Effect.forEach([...client.rooms], (room) => Rooms.part(env, client, room, undefined), { discard: true })
    case "About":
      return Info.about(env, client, input.what, input.query)
    case "Names":
      return Rooms.names(env, client, input.room ?? client.rooms[0], input.end)
    case "Who":
      return Rooms.who(env, client, input.mask ?? client.rooms[0], { ...(input.fields === undefined ? {} : { fields: input.fields }), ...(input.token === undefined ? {} : { token: input.token }) })
    case "Topic":
      return Rooms.topic(env, client, input.room ?? client.rooms[0], input.text)
    case "Mode":
      return input.target === "" || input.target.startsWith("#")
        ? Moderation.mode(env, client, input.target, input.change, input.args ?? [])
        : Rooms.userMode(env, client, nick, input.target, input.change)
    case "Kick":
      return Moderation.kick(env, client, input.room, input.nick, input.reason)
    case "Invite":
      return Moderation.invite(env, client, input.room, input.nick)
    case "Knock":
      return knock(env, client, nick, input.room, input.text)
    case "Silence":
      return silence(env, client, input.changes)
    case "Accept":
      return accept(env, client, input.changes, input.callerId)
    case "Ban":
      return Moderation.ban(env, client, input)
    case "Bans":
      return Moderation.bans(env, client, input.room)
    case "Kill":
      return Operator.kill(env, client, input.nick, input.reason)
    case "Wallops":
      return Operator.wallops(env, client, input.text)
    case "Oper":
      return Operator.oper(env, client, nick, input.name, input.password)
    case "KLine":
      return Operator.kline(env, client, input)
    case "KLines":
      return Operator.klines(env, client)
    case "Registration":
      return Registration.run(env, client, input)
    case "Help":
      return Rooms.reply(env, client, input)
    case "Account":
      return AccountCommands.run(env, client, nick, input)
  }
}
