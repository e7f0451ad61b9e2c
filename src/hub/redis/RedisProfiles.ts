import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { type Nick, nickKey, type Room, type SessionId } from "../../protocol/Names.js"
import { Departed, maxDeparted, Profile } from "../../protocol/Profile.js"
import type { Described, Member, Whois } from "../Hub.js"
import { type Profiles, withProfile } from "../Profiles.js"
import type { RedisWire } from "./RedisWire.js"

/**
 * Where each server keeps its sessions' profiles for the others to read: `profiles:<node>`, a hash of
 * its sessions' cluster names to their profiles as JSON, written as they change and dropped with the
 * server (`forget` in `RedisScripts`). What is read answers `WHOIS`, `WHO` and the away reply of a
 * private message on every server.
 */

/** ARGV: p, then nickname keys. For each nickname held: its session, nickname and profile (or ""). */
const described = `
local p = ARGV[1]
local out = {}
for i = 2, #ARGV do
  local value = redis.call('GET', p..'nick:'..ARGV[i])
  if value then
    local space = string.find(value, ' ', 1, true)
    local session = string.sub(value, 1, space - 1)
    local node = string.match(session, '^(.*)/[^/]*$')
    out[#out + 1] = {session, string.sub(value, space + 1), (node and redis.call('HGET', p..'profiles:'..node, session)) or ''}
  end
end
return out
`

/**
 * ARGV: p, nickname key. Its session, nickname and profile (or ""), then each room it is in, its
 * status there and "1" when the room is secret; {} when nobody holds it. Only its server's rooms are read.
 */
const whois = `
local p = ARGV[1]
local value = redis.call('GET', p..'nick:'..ARGV[2])
if not value then return {} end
local space = string.find(value, ' ', 1, true)
local session = string.sub(value, 1, space - 1)
local node = string.match(session, '^(.*)/[^/]*$')
if not node then return {} end
local out = {session, string.sub(value, space + 1), redis.call('HGET', p..'profiles:'..node, session) or ''}
for _, room in ipairs(redis.call('SMEMBERS', p..'node:'..node..':rooms')) do
  if redis.call('HEXISTS', p..'members:'..room, session) == 1 then
    local status = ''
    if redis.call('SISMEMBER', p..'ops:'..room, session) == 1 then status = '@'
    elseif redis.call('SISMEMBER', p..'voices:'..room, session) == 1 then status = '+' end
    out[#out + 1] = room
    out[#out + 1] = status
    out[#out + 1] = redis.call('HEXISTS', p..'info:'..room, 's') == 1 and '1' or ''
  end
end
return out
`

const decode = Schema.decodeUnknownOption(Schema.fromJsonString(Profile))
const decodeDeparted = Schema.decodeUnknownOption(Schema.fromJsonString(Departed))

export class RedisProfiles {
  private readonly key: string
  private readonly whowasKey: string

  constructor(
    private readonly prefix: string,
    node: string,
    private readonly wire: RedisWire,
    private readonly send: <A>(args: ReadonlyArray<string>) => Promise<A>,
    private readonly local: Profiles
  ) {
    this.key = `${prefix}profiles:${node}`
    this.whowasKey = `${prefix}whowas`
  }

  private call<A>(...args: ReadonlyArray<string>): Effect.Effect<A, unknown> {
    return Effect.tryPromise({ try: () => this.send<A>(args), catch: (error) => error }).pipe(Effect.timeout("5 seconds"))
  }

  /**
   * Sends a write, in order with the others, without waiting for it: nobody's registration or
   * departure waits on Redis. One lost while the link is down is made good by {@link restore}.
   */
  private tell(...args: ReadonlyArray<string>): Effect.Effect<void> {
    return Effect.sync(() => void this.send(args).catch(() => undefined))
  }

  /** Writes a session's profile (kept here already): the others read it from Redis. */
  write(session: SessionId, profile: Profile | undefined): Effect.Effect<void> {
    return profile === undefined ? Effect.void : this.tell("HSET", this.key, this.wire.global(session), JSON.stringify(profile))
  }

  identified(session: SessionId, account: string | undefined): Effect.Effect<void> {
    return Effect.suspend(() => this.write(session, this.local.identified(session, account)))
  }

  /** A session left: its profile goes, and what it was joins the cluster's `whowas` list (the latest `maxDeparted`). */
  left(session: SessionId, at: number): Effect.Effect<void> {
    const departed = this.local.left(session, at)
    return Effect.andThen(this.tell("HDEL", this.key, this.wire.global(session)), this.remember(departed))
  }

  /** A session gave up `previous` for another nickname: a departure from it, for `WHOWAS`. */
  renamed(session: SessionId, previous: string, at: number): Effect.Effect<void> {
    return Effect.suspend(() => this.remember(this.local.renamed(session, previous, at)))
  }

  private remember(departed: Departed | undefined): Effect.Effect<void> {
    return departed === undefined
      ? Effect.void
      : Effect.andThen(this.tell("LPUSH", this.whowasKey, JSON.stringify(departed)), this.tell("LTRIM", this.whowasKey, "0", String(maxDeparted - 1)))
  }

  /** Who had `nick` lately, on any server, the latest first. */
  whowas(nick: string): Effect.Effect<ReadonlyArray<Departed>, unknown> {
    const key = nickKey(nick)
    return Effect.map(this.call<ReadonlyArray<string>>("LRANGE", this.whowasKey, "0", String(maxDeparted - 1)), (rows) =>
      rows.flatMap((row) => Option.toArray(decodeDeparted(row))).filter((d) => nickKey(d.nick) === key))
  }

  /** Puts every profile of this server back, as it has them: after Redis came back (maybe empty). */
  get restore(): Effect.Effect<void> {
    const fields = Array.from(this.local.all(), ([session, profile]) => [this.wire.global(session), JSON.stringify(profile)]).flat()
    return Effect.andThen(this.tell("DEL", this.key), fields.length === 0 ? Effect.void : this.tell("HSET", this.key, ...fields))
  }

  private one([session, nick, json]: readonly [string, string, string]): Described {
    const profile = json === "" ? Option.none() : decode(json)
    return { session: this.wire.local(session), nick: nick as Nick, profile: Option.getOrUndefined(profile) }
  }

  described(nicks: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<Described>, unknown> {
    if (nicks.length === 0) return Effect.succeed([])
    return Effect.map(
      this.call<ReadonlyArray<readonly [string, string, string]>>("EVAL", described, "0", this.prefix, ...nicks.map(nickKey)),
      (rows) => rows.map((row) => this.one(row))
    )
  }

  /** A nickname's holder, with why it is away and whom it accepts: the target of a private message. */
  member(nick: string): Effect.Effect<Member | undefined, unknown> {
    return Effect.map(this.described([nick]), ([found]) =>
      found === undefined ? undefined : withProfile({ session: found.session, nick: found.nick }, found.profile ?? {}))
  }

  whois(nick: string): Effect.Effect<Whois | undefined, unknown> {
    return Effect.map(this.call<ReadonlyArray<string>>("EVAL", whois, "0", this.prefix, nickKey(nick)), (reply) => {
      if (reply.length < 3) return undefined
      const rooms: Array<readonly [Room, "@" | "+" | "", boolean]> = []
      for (let i = 3; i + 2 < reply.length; i += 3) rooms.push([reply[i] as Room, reply[i + 1] as "@" | "+" | "", reply[i + 2] === "1"])
      rooms.sort(([a], [b]) => a.localeCompare(b))
      return { ...this.one([reply[0], reply[1], reply[2]]), rooms }
    })
  }
}
