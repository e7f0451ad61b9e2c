import * as Effect from "effect/Effect"
import { bannedBy, identity } from "../hub/Bans.js"
import { answer } from "../protocol/Event.js"
import type { Nick, Room } from "../protocol/Names.js"
import { reply } from "./Answer.js"
import type { Client, CommandEnv } from "./Client.js"
import { Cooldowns } from "./Cooldowns.js"
import { visible } from "./ModerationCommands.js"

/**
 * A knock reaches every operator of a room: a session, an address and a room are each knocked
 * from (or on) once a minute at most, on this server (so a reconnection does not start afresh).
 */
const knockEvery = 60_000
const knocks = new Cooldowns(knockEvery)

/**
 * IRC's `KNOCK` (and `/knock`): asks the operators of a room the session may not simply join
 * (invite only, keyed or full) to invite it, on whichever server they are. A secret room is
 * answered as one that does not exist, and a room that bans the session as a join would be.
 */
export const knock = Effect.fnUntraced(function*(env: CommandEnv, client: Client, nick: Nick, room: Room, text: string | undefined) {
  const roster = yield* visible(env, client, room)
  if (roster === undefined) return yield* reply(env, client, { _tag: "NoSuchRoom", room })
  if (client.rooms.includes(room)) return yield* reply(env, client, { _tag: "Knock", room, what: "member" })
  const now = env.now()
  if (bannedBy(roster.bans, "b", identity(nick, client.ip, client.account, client.profile?.user), now)) {
    return yield* reply(env, client, { _tag: "CannotJoin", room, why: "banned" })
  }
  const { invite, key, limit } = roster.modes
  if (!invite && key === undefined && (limit === undefined || roster.count < limit)) {
    return yield* reply(env, client, { _tag: "Knock", room, what: "open" })
  }
  if (client.knocked !== undefined && now - client.knocked < knockEvery) return yield* reply(env, client, { _tag: "Knock", room, what: "often", limit: "user" })
  const soon = knocks.busy(env.sessions, [...(client.ip === undefined ? [] : [`address ${client.ip}`]), `room ${room.toLowerCase()}`], now)
  if (soon !== undefined) return yield* reply(env, client, { _tag: "Knock", room, what: "often", limit: soon.startsWith("room") ? "channel" : "user" })
  client.knocked = now
  const said = text === undefined || text.trim() === "" ? {} : { text }
  for (const operator of roster.operators) {
    const found = yield* env.hub.findNick(operator)
    if (found !== undefined) yield* env.hub.publish(answer(found.session, { _tag: "Knock", room, what: "asked", nick, ...said }, found.nick))
  }
  yield* reply(env, client, { _tag: "Knock", room, what: "delivered" })
})
