import * as Effect from "effect/Effect"
import { bannedBy, identity } from "../hub/Bans.js"
import { answer } from "../protocol/Event.js"
import type { Nick, Room } from "../protocol/Names.js"
import { reply } from "./Answer.js"
import type { Client, CommandEnv } from "./Client.js"
import { visible } from "./ModerationCommands.js"

/** A session knocks once a minute at most, on any room: a knock reaches every operator of the room. */
const knockEvery = 60_000

/**
 * IRC's `KNOCK` (and `/knock`): asks the operators of a room the session may not simply join
 * (invite only, keyed or full) to invite it, on whichever server they are. A secret room is
 * answered as one that does not exist, and a room that bans the session as a join would be.
 */
export const knock = Effect.fnUntraced(function*(env: CommandEnv, client: Client, nick: Nick, room: Room, text: string | undefined) {
  const roster = yield* visible(env, client, room)
  if (roster === undefined) return yield* reply(env, client, { _tag: "NoSuchRoom", room })
  if (client.rooms.includes(room)) return yield* reply(env, client, { _tag: "Knock", room, what: "member" })
  const { invite, key, limit } = roster.modes
  if (!invite && key === undefined && (limit === undefined || roster.count < limit)) {
    return yield* reply(env, client, { _tag: "Knock", room, what: "open" })
  }
  const now = env.now()
  if (bannedBy(roster.bans, "b", identity(nick, client.ip, client.account, client.profile?.user), now)) {
    return yield* reply(env, client, { _tag: "CannotJoin", room, why: "banned" })
  }
  if (client.knocked !== undefined && now - client.knocked < knockEvery) return yield* reply(env, client, { _tag: "Knock", room, what: "often" })
  client.knocked = now
  const said = text === undefined || text.trim() === "" ? {} : { text }
  for (const operator of roster.operators) {
    const found = yield* env.hub.findNick(operator)
    if (found !== undefined) yield* env.hub.publish(answer(found.session, { _tag: "Knock", room, what: "asked", nick, ...said }, found.nick))
  }
  yield* reply(env, client, { _tag: "Knock", room, what: "delivered" })
})
