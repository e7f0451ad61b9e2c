import * as Effect from "effect/Effect"
import type { Ban, RoomModes } from "../../protocol/Modes.js"
import type { HistoryEntry } from "../../protocol/Reply.js"
import { Lobby, type Nick, nickKey, type Room } from "../../protocol/Names.js"
import { globMatch } from "../../protocol/Glob.js"
import type { Census, Member, RoomInfo, Roster } from "../Hub.js"
import * as RoomScripts from "./RedisRoomScripts.js"
import { inRange, type LineRange } from "../../protocol/HistoryRange.js"
import { historyOf, type RedisWire } from "./RedisWire.js"
import { type RoomTopic, topicFields, type TopicSetter } from "../../protocol/Topic.js"

/** A room's modes as the scripts give them. */
export const modesOf = ([invite, key, limit, moderated, topicLock, secret, external]: RoomScripts.ModesReply): RoomModes => ({
  invite: invite === 1,
  key: key === "" ? undefined : key,
  limit: limit === "" ? undefined : Number(limit),
  moderated: moderated === 1,
  topicLock: topicLock === 1,
  secret: secret === 1,
  external: external === 1
})

/** A room's bans and quiets as Redis keeps them (JSON), those not run out; one that is not JSON is left out. */
/** A topic as `info:<room>` keeps it: who set it and when are empty (or absent) when not known. */
/**
 * A topic and who set it, unless a server of a version before `topicBy` set another since:
 * `topicFor` is `"<topicAt> <topic>"`; a server that writes `topicBy` and `topicAt` but not
 * `topicFor` changes the time, one before them only the topic.
 */
const topicOf = (text: string, by: string | null | undefined, at: string | null | undefined, topicFor?: string | null): RoomTopic => {
  if (!by || !at) return { text }
  const space = topicFor?.indexOf(" ") ?? -1
  const stale = topicFor != null && space !== -1 && topicFor.slice(0, space) === at && topicFor.slice(space + 1) !== text
  return stale ? { text } : { text, setter: { by, at: Number(at) } }
}

const bansOf = (values: ReadonlyArray<string>): ReadonlyArray<Ban> => {
  const now = Date.now()
  return values.flatMap((value) => {
    try {
      const ban = JSON.parse(value) as Ban
      return ban.expires === undefined || ban.expires > now ? [ban] : []
    } catch {
      return []
    }
  }).sort((a, b) => a.at - b.at)
}

/** ARGV: p. The users with a nickname, the servers (those with a lease), and the rooms (`#lobby` among them). */
const census = `
local p = ARGV[1]
local users, servers = 0, 0
for _, node in ipairs(redis.call('SMEMBERS', p..'nodes')) do
  servers = servers + 1
  users = users + redis.call('SCARD', p..'node:'..node..':nicks')
end
-- #lobby always exists, as the room list shows it.
return {users, servers, redis.call('SCARD', p..'rooms') + 1 - redis.call('SISMEMBER', p..'rooms', '#lobby')}
`

/** The most `SCAN` pages one nickname search reads. */
const maxPages = 100

/**
 * Who is where in the whole cluster, read from Redis (see `RedisScripts`
 * for the keys). A session of this server is given by its own id, any other
 * by its cluster name.
 */
export class RedisClusterView {
  constructor(
    private readonly prefix: string,
    private readonly wire: RedisWire,
    private readonly send: <A>(args: ReadonlyArray<string>) => Promise<A>,
    /** How many messages a room's history gives. */
    private readonly history: number
  ) {}

  private call<A>(...args: ReadonlyArray<string>): Effect.Effect<A, unknown> {
    return Effect.tryPromise({ try: () => this.send<A>(args), catch: (error) => error }).pipe(Effect.timeout("5 seconds"))
  }

  exists(room: Room): Effect.Effect<boolean, unknown> {
    return room === Lobby
      ? Effect.succeed(true)
      : Effect.map(this.call<number>("EXISTS", this.prefix + "members:" + room), (n) => n === 1)
  }

  private member(value: string | null): Member | undefined {
    if (value === null) return undefined
    const space = value.indexOf(" ")
    return { session: this.wire.local(value.slice(0, space)), nick: value.slice(space + 1) as Nick }
  }

  roster(room: Room): Effect.Effect<Roster | undefined, unknown> {
    return Effect.map(
      this.call<RoomScripts.RosterReply>("EVAL", RoomScripts.roster, "0", this.prefix, room),
      (reply) => reply[0] === 0 && room !== Lobby ? undefined : this.joined(room, reply).roster
    )
  }

  /** A room's history as Redis keeps it (its last `history` messages), in `range`. */
  backlog(room: Room, range: LineRange): Effect.Effect<ReadonlyArray<HistoryEntry>, unknown> {
    if (this.history === 0) return Effect.succeed([])
    return Effect.map(
      this.call<ReadonlyArray<readonly [string, ReadonlyArray<string>]>>("XREVRANGE", this.prefix + "history:" + room, "+", "-", "COUNT", String(this.history)),
      (entries) => inRange(historyOf(entries, this.history), range)
    )
  }

  /** A `join` (or `roster`) script's answer. */
  joined(room: Room, reply: RoomScripts.RosterReply): { roster: Roster; topic: string | undefined; topicSetter?: TopicSetter; history: ReadonlyArray<HistoryEntry> } {
    const [count, operators, hasTopic, topic, nicks, past, voiced, modes, created, bans, topicBy, topicAt] = reply
    const names = (nicks.length > 100 ? nicks.slice(0, 100) : [...nicks]) as Array<Nick>
    if (count <= 100) names.sort((a, b) => a.localeCompare(b))
    return {
      roster: {
        room,
        count,
        nicks: names,
        operators: operators as ReadonlyArray<Nick>,
        voiced: voiced as ReadonlyArray<Nick>,
        modes: modesOf(modes),
        created,
        bans: bansOf(bans)
      },
      ...topicFields(hasTopic === 1 ? topicOf(topic, topicBy, topicAt) : undefined),
      history: historyOf(past, this.history)
    }
  }

  topicInfo(room: Room): Effect.Effect<RoomTopic | undefined, unknown> {
    return Effect.map(
      this.call<readonly [string | null, string | null, string | null, string | null]>("HMGET", this.prefix + "info:" + room, "topic", "topicBy", "topicAt", "topicFor"),
      ([topic, by, at, topicFor]) => topic === null ? undefined : topicOf(topic, by, at, topicFor)
    )
  }

  topic(room: Room): Effect.Effect<string | undefined, unknown> {
    return Effect.map(this.call<string | null>("HGET", this.prefix + "info:" + room, "topic"), (topic) => topic ?? undefined)
  }

  get census(): Effect.Effect<Census, unknown> {
    return Effect.map(
      this.call<readonly [number, number, number]>("EVAL", census, "0", this.prefix),
      ([users, servers, rooms]) => ({ users, servers, rooms })
    )
  }

  get rooms(): Effect.Effect<ReadonlyArray<RoomInfo>, unknown> {
    return Effect.map(
      this.call<ReadonlyArray<readonly [string, number, number, string, RoomScripts.ModesReply, ReadonlyArray<string>]>>("EVAL", RoomScripts.rooms, "0", this.prefix),
      (rows) =>
        rows.map(([room, members, hasTopic, topic, modes, bans]) => ({
          room: room as Room,
          members,
          topic: hasTopic === 1 ? topic : undefined,
          modes: modesOf(modes),
          bans: bansOf(bans)
        }))
          .sort((a, b) => a.room.localeCompare(b.room))
    )
  }

  /** Up to `limit` nicknames that match `mask`, from a bounded `SCAN` of the nickname keys. */
  matchNicks(mask: string, limit: number): Effect.Effect<ReadonlyArray<Member>, unknown> {
    const lower = mask.toLowerCase()
    const pattern = this.prefix + "nick:" + lower.replace(/[\\[\]]/g, (c) => "\\" + c)
    const self = this
    return Effect.gen(function*() {
      const found: Array<Member> = []
      let cursor = "0"
      let pages = 0
      do {
        const [next, keys] = yield* self.call<readonly [string, ReadonlyArray<string>]>("SCAN", cursor, "MATCH", pattern, "COUNT", "1000")
        cursor = next
        pages++
        if (keys.length === 0) continue
        const values = yield* self.call<ReadonlyArray<string | null>>("MGET", ...keys)
        for (const value of values) {
          const member = self.member(value)
          if (member !== undefined && found.length < limit && globMatch(lower, nickKey(member.nick))) found.push(member)
        }
      } while (cursor !== "0" && found.length < limit && pages < maxPages)
      return found
    })
  }
}
