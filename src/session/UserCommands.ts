import * as Effect from "effect/Effect"
import { nickKey } from "../protocol/Names.js"
import { cut } from "../protocol/Text.js"
import { maxAwayBytes } from "../protocol/Profile.js"
import { reply } from "./Answer.js"
import type { Client, CommandEnv } from "./Client.js"

/** What users ask of each other: `AWAY`, `WHOIS`, `USERHOST` and `ISON` (`/away`, `/whois` in text). */

/** A client that gave no user name of its own (not IRC's `USER`) is known by its nickname: a rename renames that too. */
export const renamed = (env: CommandEnv, client: Client, from: string | undefined, to: string): Effect.Effect<void> => {
  const profile = client.profile
  if (profile === undefined || from === undefined || profile.user !== from) return Effect.void
  client.profile = { ...profile, user: to, realName: profile.realName === from ? to : profile.realName }
  return env.hub.describe(client.id, client.profile)
}

/** Marks the client away (with why), or back. */
export const away = Effect.fnUntraced(function*(env: CommandEnv, client: Client, text: string | undefined) {
  const profile = client.profile
  if (profile === undefined) return
  const { away: _, ...rest } = profile
  const kept = text === undefined || text.trim() === "" ? undefined : cut(text.trim(), maxAwayBytes)
  client.profile = kept === undefined ? rest : { ...rest, away: kept }
  yield* env.hub.describe(client.id, client.profile)
  yield* reply(env, client, { _tag: "AwayNote", away: kept !== undefined })
  yield* memberChanged(env, client, "away", kept)
})

/**
 * The client's rooms hear what it changed of itself (IRC clients that asked are shown it), once
 * however many they share; and its watchers in none of them (IRC's extended-monitor).
 */
export const memberChanged = (env: CommandEnv, client: Client, what: "away" | "account" | "realName", value: string | undefined): Effect.Effect<void> => {
  const nick = client.nick
  if (nick === undefined) return Effect.void
  // The same within a millisecond only when what it says is the same too: then showing it once is right.
  const change = { nick, change: `${nick}@${env.now()} ${what} ${value ?? ""}`, what, ...(value === undefined ? {} : { value }) }
  const watchers = env.hub.tellWatchers(client.id, change)
  // A new real name is confirmed to its sender (IRCv3 setname), in no room too.
  if (client.rooms.length === 0) return what === "realName" ? Effect.andThen(env.hub.publish({ _tag: "MemberChanged", to: client.id, ...change }), watchers) : watchers
  return Effect.andThen(env.hub.publishAll(client.rooms.map((room) => ({ _tag: "MemberChanged", room, ...change }))), watchers)
}

/** IRCv3's `SETNAME`: a new real name, which its rooms hear. */
export const setName = Effect.fnUntraced(function*(env: CommandEnv, client: Client, realName: string) {
  const profile = client.profile
  if (profile === undefined || profile.realName === realName) return
  client.profile = { ...profile, realName }
  yield* env.hub.describe(client.id, client.profile)
  yield* memberChanged(env, client, "realName", realName)
})

/** Who `nick` is; its rooms as the client may know them (a secret one only to its members and server operators). */
export const whois = Effect.fnUntraced(function*(env: CommandEnv, client: Client, nick: string) {
  const found = yield* env.hub.whois(nick)
  if (found === undefined) {
    yield* reply(env, client, { _tag: "NoSuchNick", nick })
    return yield* reply(env, client, { _tag: "WhoisEnd", nick })
  }
  const seesAll = env.operators.has(client.account)
  const rooms = found.rooms.filter(([room, , secret]) => !secret || seesAll || client.rooms.includes(room)).map(([room, status]) => status + room)
  const profile = found.profile
  // Only this server knows how long its own have been idle.
  const local = env.sessions.live.get(found.session)
  const account = profile?.account
  yield* reply(env, client, {
    _tag: "WhoisIs",
    nick: found.nick,
    user: profile?.user ?? found.nick,
    realName: profile?.realName ?? found.nick,
    server: profile?.server ?? env.about.server,
    signon: Math.floor((profile?.signon ?? 0) / 1000),
    ...(local === undefined ? {} : { idle: Math.max(0, Math.floor((env.now() - local.spoke) / 1000)) }),
    ...(profile?.away === undefined ? {} : { away: profile.away }),
    ...(account === undefined ? {} : { account }),
    operator: env.operators.has(account),
    secure: profile?.secure === true,
    rooms,
    ...(profile?.bot ? { bot: true } : {})
  })
  yield* reply(env, client, { _tag: "WhoisEnd", nick: found.nick })
})

/** The most nicknames one `USERHOST` asks about (RFC 2812's five), and one `ISON` (a 512-byte line's worth). */
export const maxUserhost = 5
export const maxIson = 100

/** `USERHOST`: `user@host` of each nickname here, and whether it is away; `ISON`: which are here. */
export const userhost = Effect.fnUntraced(function*(env: CommandEnv, client: Client, nicks: ReadonlyArray<string>, ison: boolean) {
  const asked = nicks.slice(0, ison ? maxIson : maxUserhost)
  const found = yield* env.hub.profiles(asked)
  // In the order asked, each once.
  const byKey = new Map(found.map((d) => [nickKey(d.nick), d]))
  const seen = new Set<string>()
  const entries = asked.flatMap((nick) => {
    const key = nickKey(nick)
    const d = byKey.get(key)
    if (d === undefined || seen.has(key)) return []
    seen.add(key)
    return [{ nick: d.nick, user: d.profile?.user ?? d.nick, away: d.profile?.away !== undefined, operator: env.operators.has(d.profile?.account) }]
  })
  yield* reply(env, client, { _tag: "UserHosts", ison, entries })
})
