import * as Effect from "effect/Effect"
import { isSeedNick, Lobby, maxRoomsPerSession, maxTopicBytes, type Nick, nickKey, normalizeRoom, type Room } from "../protocol/Names.js"
import { listFilter } from "../protocol/ListFilter.js"
import type { RoomInfo } from "../hub/Hub.js"
import { cut } from "../protocol/Text.js"
import type { Reply } from "../protocol/Reply.js"
import * as AccountCommands from "./AccountCommands.js"
import * as Users from "./UserCommands.js"
import { reply } from "./Answer.js"
import type { Client, CommandEnv } from "./Client.js"
import { refused, seesInto, visible } from "./ModerationCommands.js"

/**
 * The commands about nicknames and rooms. A protocol with one room per
 * session (text) starts in `#lobby` and moves on `Join`; one with several
 * (IRC) starts in none and adds and parts rooms.
 */

export { reply }

export const register = Effect.fnUntraced(function*(env: CommandEnv, client: Client, nick: Nick, user?: string, realName?: string) {
  // Known before the server bans are asked: a mask may name the user name.
  client.profile = { user: user ?? nick, realName: realName ?? nick, server: env.about.server, signon: client.since, secure: env.encrypted }
  if (!env.anonymous && isSeedNick(nick)) return yield* reply(env, client, { _tag: "InvalidNick", nick })
  if (!(yield* AccountCommands.mayTake(env, client, nick))) return
  if (AccountCommands.serverBanned(env, client, nick)) return
  const claimed = yield* Effect.result(env.hub.claimNick(client.id, nick))
  if (claimed._tag === "Failure") return yield* reply(env, client, { _tag: "NickTaken", nick, registering: true })
  client.nick = nick
  yield* env.hub.locate(client.id, client.ip)
  yield* env.hub.describe(client.id, client.profile)
  // Identified before it had a nickname (SASL, /identify first): the hub learns it now, for bans by account.
  if (client.account !== undefined) yield* env.hub.identified(client.id, client.account)
  if (env.rooms === "many") {
    yield* reply(env, client, { _tag: "Welcome", nick })
  } else {
    yield* reply(env, client, { _tag: "Welcome", nick, room: Lobby })
    yield* enter(env, client, Lobby)
  }
  yield* client.registered(nick)
  yield* AccountCommands.protect(env, client, nick)
})

/** Into a room: its join notice, then who is there (and its topic), in order. Whether it got in. */
const enter = Effect.fnUntraced(function*(env: CommandEnv, client: Client, room: Room, key?: string) {
  const seed = env.registry.seed(room, client.account)
  const result = yield* Effect.result(env.hub.join(client.id, room, key, seed))
  if (result._tag === "Failure") {
    yield* refused(env, client, result.failure)
    return false
  }
  const joined = result.success
  if (joined.already) return true
  // An array of its size (`concat`): a push, or a spread, gives each session's one room space for sixteen more.
  client.rooms = client.rooms.concat([room])
  if (seed?.invited && client.account !== undefined) {
    yield* env.registry.joined(room, client.account).pipe(
      Effect.catchTag("StoreError", (error) => Effect.logWarning(`${room} could not let go of its invitation for ${client.account}: ${error.message}`))
    )
  }
  // A registered room's operator, by account: those already there see it given.
  if (seed?.operator && joined.roster.count > 1 && client.nick !== undefined) {
    yield* env.hub.publish({ _tag: "ModeChanged", room, by: "ChanServ", changes: [{ on: true, mode: "o", arg: client.nick, session: client.id }] })
  }
  // Away as it comes in: the room's away-notify clients are shown it after its JOIN.
  const away = client.profile?.away
  if (away !== undefined && client.nick !== undefined && joined.roster.count > 1) {
    yield* env.hub.publish({ _tag: "MemberChanged", room, nick: client.nick, change: `${client.nick}@${env.now()} joined ${room}`, what: "away", value: away })
  }
  const { count, modes, nicks, operators, voiced } = joined.roster
  const members: Reply = { _tag: "Members", room, count, nicks, operators, ...(voiced.length > 0 ? { voiced } : {}), ...(modes.secret ? { secret: true } : {}) }
  const topic: Reply | undefined = joined.topic === undefined ? undefined : { _tag: "TopicIs", room, topic: joined.topic, ...joined.topicSetter }
  // The text protocol shows the topic after the members; IRC's 332 comes before its 353.
  if (env.rooms === "one") yield* reply(env, client, members)
  if (topic !== undefined) yield* reply(env, client, topic)
  if (env.rooms === "many") yield* reply(env, client, members)
  // What was said before, after who is there.
  if (joined.history.length > 0) yield* reply(env, client, { _tag: "History", room, entries: joined.history })
  return true
})

export const join = Effect.fnUntraced(function*(env: CommandEnv, client: Client, room: Room, key?: string) {
  if (env.rooms === "many") {
    if (client.rooms.length >= maxRoomsPerSession && !client.rooms.includes(room)) {
      return yield* reply(env, client, { _tag: "TooManyRooms", room, limit: maxRoomsPerSession })
    }
    return yield* enter(env, client, room, key)
  }
  const from = client.rooms[0]
  if (from === room) return yield* reply(env, client, { _tag: "AlreadyIn", room })
  // Into the new room first: one that refuses the session leaves it where it was.
  if (!(yield* enter(env, client, room, key)) || from === undefined) return
  // An operator may have put it out of the old room meanwhile.
  const secret = (yield* env.hub.roster(room))?.modes.secret === true
  yield* Effect.ignore(env.hub.part(client.id, from, secret ? "moved to another room" : `moved to ${room}`))
  client.rooms = client.rooms.filter((r) => r !== from)
})

/** Why a session cannot act on a room it is not in: it is not in it, or (for all it may know) the room does not exist. */
const notIn = (env: CommandEnv, client: Client, room: Room) =>
  Effect.flatMap(visible(env, client, room), (shown) => reply(env, client, shown === undefined ? { _tag: "NoSuchRoom", room } : { _tag: "NotInRoom", room }))

export const part = Effect.fnUntraced(function*(env: CommandEnv, client: Client, room: Room, reason: string | undefined) {
  if (!client.rooms.includes(room)) return yield* notIn(env, client, room)
  const parted = yield* Effect.result(env.hub.part(client.id, room, reason ?? ""))
  client.rooms = client.rooms.filter((r) => r !== room)
  if (parted._tag === "Failure") yield* refused(env, client, parted.failure)
})

export const rename = Effect.fnUntraced(function*(env: CommandEnv, client: Client, from: Nick, to: Nick) {
  if (from === to) return yield* reply(env, client, { _tag: "AlreadyNick", nick: to })
  if (isSeedNick(to)) return yield* reply(env, client, { _tag: "InvalidNick", nick: to })
  if (!(yield* AccountCommands.mayTake(env, client, to))) return
  const renamed = yield* Effect.result(env.hub.claimNick(client.id, to))
  if (renamed._tag === "Failure") {
    // Its own account's nickname, held by someone else: taken back.
    if (client.account !== undefined && nickKey(client.account) === nickKey(to)) return yield* AccountCommands.takeBack(env, client, to)
    return yield* reply(env, client, { _tag: "NickTaken", nick: to, registering: false })
  }
  client.nick = to
  yield* Users.renamed(env, client, from, to)
  yield* AccountCommands.protect(env, client, to)
})

/** Who is in `given` (as the client wrote it); an empty list for a room that does not exist. */
export const names = Effect.fnUntraced(function*(env: CommandEnv, client: Client, given: string | undefined, end?: string): Effect.fn.Return<void> {
  // IRC's NAMES with no channel: each of the client's.
  if (given === "*" && client.rooms.length > 0) return yield* Effect.forEach([...client.rooms], (room) => names(env, client, room), { discard: true })
  const found = given === undefined || !given.startsWith("#") ? undefined : yield* visible(env, client, normalizeRoom(given) as Room)
  const roster = found !== undefined && seesInto(env, client, found) ? found : undefined
  const nicks = roster?.nicks ?? []
  const identified = yield* AccountCommands.identifiedAmong(env, nicks)
  yield* reply(env, client, {
    _tag: "Members",
    room: given ?? "*",
    count: roster?.count ?? 0,
    nicks,
    operators: roster?.operators ?? [],
    ...(roster === undefined || roster.voiced.length === 0 ? {} : { voiced: roster.voiced }),
    ...(identified.length === 0 ? {} : { identified }),
    ...(roster?.modes.secret ? { secret: true } : {}),
    ...(end === undefined ? {} : { end })
  })
})

/** A room's members, a nickname, or the nicknames matching a mask: none found is an empty list. */
export const who = Effect.fnUntraced(function*(env: CommandEnv, client: Client, mask: string | undefined, whox: { fields?: string; token?: string } = {}) {
  if (mask === undefined) return yield* reply(env, client, { _tag: "WhoList", mask: "*", entries: [], ...whox })
  if (mask.startsWith("#")) {
    const found = yield* visible(env, client, normalizeRoom(mask) as Room)
    const roster = found !== undefined && seesInto(env, client, found) ? found : undefined
    const about = yield* described(env, roster?.nicks ?? [])
    const entries = (roster?.nicks ?? []).map((nick) => ({
      nick,
      room: roster!.room,
      operator: roster!.operators.includes(nick),
      ...(roster!.voiced.includes(nick) ? { voiced: true } : {}),
      ...about.get(nickKey(nick))
    }))
    return yield* reply(env, client, { _tag: "WhoList", mask, entries, ...whox })
  }
  const found = /[*?]/.test(mask)
    ? yield* env.hub.matchNicks(mask, whoLimit)
    : Array.from(yield* Effect.map(env.hub.findNick(mask), (member) => member === undefined ? [] : [member]))
  const about = yield* described(env, found.map((member) => member.nick))
  yield* reply(env, client, {
    _tag: "WhoList",
    mask,
    entries: found.map(({ nick }) => ({ nick, operator: false, ...about.get(nickKey(nick)) })),
    ...whox
  })
})

/** What these nicknames say of themselves, as a `WHO` line shows it, by nickname key. */
const described = (env: CommandEnv, nicks: ReadonlyArray<string>) =>
  Effect.map(env.hub.profiles(nicks), (found) =>
    new Map(found.flatMap(({ nick, profile }) =>
      profile === undefined ? [] : [[nickKey(nick), {
        user: profile.user,
        realName: profile.realName,
        server: profile.server,
        ...(profile.away === undefined ? {} : { away: true }),
        ...(env.operators.has(profile.account) ? { ircop: true } : {}),
        ...(profile.account === undefined ? {} : { account: profile.account }),
        ...(profile.bot ? { bot: true } : {})
      }] as const]
    )))

/** The most nicknames a mask lists. */
const whoLimit = 100

export const topic = Effect.fnUntraced(function*(env: CommandEnv, client: Client, room: Room | undefined, text: string | undefined) {
  if (room === undefined) return
  if (text === undefined || !client.rooms.includes(room)) {
    const roster = yield* visible(env, client, room)
    if (roster === undefined) return yield* reply(env, client, { _tag: "NoSuchRoom", room })
    if (text !== undefined || !seesInto(env, client, roster)) return yield* reply(env, client, { _tag: "NotInRoom", room })
    const current = yield* env.hub.topicInfo(room)
    return yield* reply(env, client, { _tag: "TopicIs", room, ...(current === undefined ? {} : { topic: current.text, ...current.setter }) })
  }
  // Clearing a topic there is none of announces nothing: the room is told there is none.
  if (text === "" && (yield* env.hub.topic(room)) === undefined) return yield* reply(env, client, { _tag: "TopicIs", room })
  const set = yield* Effect.result(env.hub.setTopic(client.id, room, text === "" ? undefined : cut(text, maxTopicBytes)))
  if (set._tag === "Failure") yield* refused(env, client, set.failure)
})

/** The rooms this client may know of; the topics of those it may see into. */
export const rooms = Effect.fnUntraced(function*(env: CommandEnv, client: Client, filter?: string) {
  const all = yield* env.hub.rooms
  const asked = filter === undefined ? () => true : listFilter(filter)
  const mayKnow = ({ modes, room }: RoomInfo) => !modes.secret || client.rooms.includes(room) || env.operators.has(client.account)
  const shown = all.filter((info) => mayKnow(info) && asked(info.room, info.members)).map((info) => {
    const { members, room, topic } = info
    const locked = !seesInto(env, client, info)
    return { room, members, ...(topic === undefined || locked ? {} : { topic }), ...(locked ? { locked } : {}) }
  })
  yield* reply(env, client, { _tag: "RoomList", rooms: shown })
})

/**
 * A nickname's modes: its own, and only `+B` (a bot, as `WHOIS`, `WHO` and IRC's `bot` tag show it),
 * `+g` (caller-id: private messages only from whom it accepts) and `+w` (shown `WALLOPS`) to change;
 * others (IRC clients set `+i` as they connect) change nothing.
 */
export const userMode = Effect.fnUntraced(function*(env: CommandEnv, client: Client, nick: Nick, target: string, change: string | undefined) {
  if (nickKey(target) !== nickKey(nick)) return yield* reply(env, client, { _tag: "NoSuchMode", target, mode: "" })
  const profile = client.profile
  const was: UserModes = { B: profile?.bot === true, g: profile?.accepts !== undefined, w: client.wallops }
  const now = /^[-+]/.test(change ?? "") ? modesAfter(change!, was) : was
  client.wallops = now.w
  if (profile !== undefined && (now.B !== was.B || now.g !== was.g)) {
    const { accepts: _accepts, bot: _bot, ...rest } = profile
    client.profile = { ...rest, ...(now.B ? { bot: true } : {}), ...(now.g ? { accepts: client.accepted } : {}) }
    yield* env.hub.describe(client.id, client.profile)
  }
  // A change is echoed (IRC: `:nick MODE nick :+B`).
  const changed = letters.filter((letter) => now[letter] !== was[letter] && (letter === "w" || profile !== undefined))
  if (changed.length > 0) {
    const on = changed.filter((letter) => now[letter]).join("")
    const off = changed.filter((letter) => !now[letter]).join("")
    return yield* reply(env, client, { _tag: "Modes", target: nick, modes: `${on === "" ? "" : `+${on}`}${off === "" ? "" : `-${off}`}`, changed: true })
  }
  const operator = env.operators.has(client.account)
  yield* reply(env, client, { _tag: "Modes", target: nick, modes: `+${now.B ? "B" : ""}${now.g ? "g" : ""}${operator ? "o" : ""}${now.w ? "w" : ""}` })
})

type UserModes = { B: boolean; g: boolean; w: boolean }
const letters = ["B", "g", "w"] as const

/** The user modes kept (`B`, `g`, `w`) after a change (`+iB`, `-B+w`). */
const modesAfter = (change: string, modes: UserModes): UserModes => {
  const after = { ...modes }
  let on = true
  for (const letter of change) {
    if (letter === "+" || letter === "-") on = letter === "+"
    else if (letter === "B" || letter === "g" || letter === "w") after[letter] = on
  }
  return after
}
