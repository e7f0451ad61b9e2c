import * as Effect from "effect/Effect"
import { Lobby, maxRoomsPerSession, maxTopicBytes, type Nick, nickKey, normalizeRoom, type Room } from "../protocol/Names.js"
import { cut } from "../protocol/Text.js"
import type { Reply } from "../protocol/Reply.js"
import * as AccountCommands from "./AccountCommands.js"
import { reply } from "./Answer.js"
import type { Client, CommandEnv } from "./Client.js"

/**
 * The commands about nicknames and rooms. A protocol with one room per
 * session (text) starts in `#lobby` and moves on `Join`; one with several
 * (IRC) starts in none and adds and parts rooms.
 */

export { reply }

export const register = Effect.fnUntraced(function*(env: CommandEnv, client: Client, nick: Nick) {
  if (!(yield* AccountCommands.mayTake(env, client, nick))) return
  const claimed = yield* Effect.result(env.hub.claimNick(client.id, nick))
  if (claimed._tag === "Failure") return yield* reply(env, client, { _tag: "NickTaken", nick, registering: true })
  client.nick = nick
  if (env.rooms === "many") {
    yield* reply(env, client, { _tag: "Welcome", nick })
  } else {
    yield* reply(env, client, { _tag: "Welcome", nick, room: Lobby })
    yield* enter(env, client, Lobby)
  }
  yield* client.registered(nick)
  yield* AccountCommands.protect(env, client, nick)
})

/** Into a room: its join notice, then who is there (and its topic), in order. */
const enter = Effect.fnUntraced(function*(env: CommandEnv, client: Client, room: Room) {
  const joined = yield* env.hub.join(client.id, room).pipe(Effect.orDie)
  if (joined.already) return
  client.rooms.push(room)
  const { count, nicks, operators } = joined.roster
  const members: Reply = { _tag: "Members", room, count, nicks, operators }
  const topic: Reply | undefined = joined.topic === undefined ? undefined : { _tag: "TopicIs", room, topic: joined.topic }
  // The text protocol shows the topic after the members; IRC's 332 comes before its 353.
  if (env.rooms === "one") yield* reply(env, client, members)
  if (topic !== undefined) yield* reply(env, client, topic)
  if (env.rooms === "many") yield* reply(env, client, members)
  // What was said before, after who is there.
  if (joined.history.length > 0) yield* reply(env, client, { _tag: "History", room, entries: joined.history })
})

export const join = Effect.fnUntraced(function*(env: CommandEnv, client: Client, room: Room) {
  if (env.rooms === "many") {
    if (client.rooms.length >= maxRoomsPerSession && !client.rooms.includes(room)) {
      return yield* reply(env, client, { _tag: "TooManyRooms", room, limit: maxRoomsPerSession })
    }
    return yield* enter(env, client, room)
  }
  const from = client.rooms[0]
  if (from === room) return yield* reply(env, client, { _tag: "AlreadyIn", room })
  if (from !== undefined) {
    yield* env.hub.part(client.id, from, `moved to ${room}`).pipe(Effect.orDie)
    client.rooms = []
  }
  yield* enter(env, client, room)
})

export const part = Effect.fnUntraced(function*(env: CommandEnv, client: Client, room: Room, reason: string | undefined) {
  if (!client.rooms.includes(room)) {
    const exists = (yield* env.hub.roster(room)) !== undefined
    return yield* reply(env, client, exists ? { _tag: "NotInRoom", room } : { _tag: "NoSuchRoom", room })
  }
  yield* env.hub.part(client.id, room, reason ?? "").pipe(Effect.orDie)
  client.rooms = client.rooms.filter((r) => r !== room)
})

export const rename = Effect.fnUntraced(function*(env: CommandEnv, client: Client, from: Nick, to: Nick) {
  if (from === to) return yield* reply(env, client, { _tag: "AlreadyNick", nick: to })
  if (!(yield* AccountCommands.mayTake(env, client, to))) return
  const renamed = yield* Effect.result(env.hub.claimNick(client.id, to))
  if (renamed._tag === "Failure") {
    // Its own account's nickname, held by someone else: taken back.
    if (client.account !== undefined && nickKey(client.account) === nickKey(to)) return yield* AccountCommands.takeBack(env, client, to)
    return yield* reply(env, client, { _tag: "NickTaken", nick: to, registering: false })
  }
  client.nick = to
  yield* AccountCommands.protect(env, client, to)
})

/** Who is in `given` (as the client wrote it); an empty list for a room that does not exist. */
export const names = Effect.fnUntraced(function*(env: CommandEnv, client: Client, given: string | undefined) {
  const roster = given === undefined || !given.startsWith("#") ? undefined : yield* env.hub.roster(normalizeRoom(given) as Room)
  const nicks = roster?.nicks ?? []
  const identified = yield* AccountCommands.identifiedAmong(env, nicks)
  yield* reply(env, client, {
    _tag: "Members",
    room: given ?? "*",
    count: roster?.count ?? 0,
    nicks,
    operators: roster?.operators ?? [],
    ...(identified.length === 0 ? {} : { identified })
  })
})

/** A room's members, a nickname, or the nicknames matching a mask: none found is an empty list. */
export const who = Effect.fnUntraced(function*(env: CommandEnv, client: Client, mask: string | undefined) {
  if (mask === undefined) return yield* reply(env, client, { _tag: "WhoList", mask: "*", entries: [] })
  if (mask.startsWith("#")) {
    const roster = yield* env.hub.roster(normalizeRoom(mask) as Room)
    const entries = (roster?.nicks ?? []).map((nick) => ({
      nick,
      room: roster!.room,
      operator: roster!.operators.includes(nick)
    }))
    return yield* reply(env, client, { _tag: "WhoList", mask, entries })
  }
  const found = /[*?]/.test(mask)
    ? yield* env.hub.matchNicks(mask, whoLimit)
    : Array.from(yield* Effect.map(env.hub.findNick(mask), (member) => member === undefined ? [] : [member]))
  yield* reply(env, client, {
    _tag: "WhoList",
    mask,
    entries: found.map(({ nick }) => ({ nick, operator: false }))
  })
})

/** The most nicknames a mask lists. */
const whoLimit = 100

export const topic = Effect.fnUntraced(function*(env: CommandEnv, client: Client, room: Room | undefined, text: string | undefined) {
  if (room === undefined) return
  if (text === undefined || !client.rooms.includes(room)) {
    const exists = (yield* env.hub.roster(room)) !== undefined
    if (!exists) return yield* reply(env, client, { _tag: "NoSuchRoom", room })
    if (text !== undefined) return yield* reply(env, client, { _tag: "NotInRoom", room })
    const current = yield* env.hub.topic(room)
    return yield* reply(env, client, { _tag: "TopicIs", room, ...(current === undefined ? {} : { topic: current }) })
  }
  yield* env.hub.setTopic(client.id, room, text === "" ? undefined : cut(text, maxTopicBytes)).pipe(Effect.orDie)
})

/** hubbub has no modes to change: a room's are `+`, and so are a session's own. */
export const mode = Effect.fnUntraced(function*(
  env: CommandEnv,
  client: Client,
  nick: Nick,
  target: string,
  change: string | undefined
) {
  if (target.startsWith("#")) {
    const room = normalizeRoom(target) as Room
    if ((yield* env.hub.roster(room)) === undefined) return yield* reply(env, client, { _tag: "NoSuchRoom", room: target })
    if (change === undefined) return yield* reply(env, client, { _tag: "Modes", target: room, modes: "+" })
    if (/^[+]?b$/.test(change)) return yield* reply(env, client, { _tag: "BanListEnd", room })
    return yield* reply(env, client, { _tag: "NoSuchMode", target: room, mode: change.replace(/^[+-]/, "").slice(0, 1) })
  }
  if (nickKey(target) !== nickKey(nick)) return yield* reply(env, client, { _tag: "NoSuchMode", target, mode: "" })
  yield* reply(env, client, { _tag: "Modes", target: nick, modes: "+" })
})
