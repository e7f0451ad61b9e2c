import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Net from "node:net"
import { identity, maskMatches } from "../hub/Bans.js"
import { Hub } from "../hub/Hub.js"
import type { Event } from "../protocol/Event.js"
import { plainAddress } from "../protocol/ServerMask.js"
import { loadAndReread } from "../store/Reread.js"
import { type ServerBan, Store, type StoreError } from "../store/Store.js"

/** Who a server ban may be for: a connection (its address), then a session (its nickname and account too). */
export interface Someone {
  readonly ip: string | undefined
  readonly nick?: string | undefined
  readonly account?: string | undefined
  /** The user name IRC's `USER` gave, as a mask may name it. */
  readonly profile?: { readonly user: string } | undefined
}

type Matcher = (who: Someone) => boolean

/** A ban's mask as a test: a network or an address against the address alone, any other mask as a room's ban is. */
const matcherOf = (mask: string): Matcher => {
  const slash = mask.indexOf("/")
  const address = slash === -1 ? mask : mask.slice(0, slash)
  const family = Net.isIP(address)
  if (family === 0) return (who) => maskMatches(mask, identity(who.nick ?? "", who.ip === undefined ? undefined : plainAddress(who.ip), who.account, who.profile?.user))
  const list = new Net.BlockList()
  const type = family === 4 ? "ipv4" : "ipv6"
  if (slash === -1) list.addAddress(address, type)
  else list.addSubnet(address, Number(mask.slice(slash + 1)), type)
  return (who) => {
    if (who.ip === undefined) return false
    const ip = plainAddress(who.ip)
    const kind = Net.isIP(ip)
    return kind !== 0 && list.check(ip, kind === 4 ? "ipv4" : "ipv6")
  }
}

/**
 * Server bans (`/kline`, the console's `ban`): kept in the store, and in every server's memory,
 * where each connection (by its address) and each registration (its nickname and account too) is
 * looked up. A ban set or lifted on one server reaches the others through the hub, which hands it
 * to every session: each server learns it, and each session it is for ends. A server sharing its
 * store reads the bans again every 30 seconds as well, for what it missed.
 */
export class ServerBans extends Context.Service<ServerBans, {
  /** The ban for `who`, if one is: a lookup in memory. Bans run out by themselves. */
  readonly find: (who: Someone) => ServerBan | undefined
  /** Whether one ban is for `who`: what each session asks of a ban set while it is connected. */
  readonly matches: (mask: string, who: Someone) => boolean
  /** Sets a ban (in place of one with its mask), stores it, and has every server apply it. */
  readonly set: (ban: ServerBan) => Effect.Effect<void, StoreError>
  /** Lifts the ban with `mask`: `false` when there was none. */
  readonly lift: (mask: string, by: string) => Effect.Effect<boolean, StoreError>
  /** The bans in force, oldest first. */
  readonly list: () => ReadonlyArray<ServerBan>
  /** Reads the bans from the store again (a reload): for new connections; how many are in force. */
  readonly reread: Effect.Effect<number, StoreError>
  /** A ban set or lifted (here or on another server), as the hub hands it on. */
  readonly learn: (change: Extract<Event, { readonly _tag: "ServerBanChanged" }>) => void
}>()("hubbub/ServerBans") {
  static readonly make = Effect.gen(function*() {
    const store = yield* Store
    const hub = yield* Hub
    const clock = yield* Clock.Clock
    const bans = new Map<string, { readonly ban: ServerBan; readonly test: Matcher }>()
    const matchers = new Map<string, Matcher>()
    const matcher = (mask: string) => {
      let test = matchers.get(mask)
      if (test === undefined) {
        if (matchers.size > 10_000) matchers.clear()
        matchers.set(mask, test = matcherOf(mask))
      }
      return test
    }
    const keep = (ban: ServerBan) => {
      bans.delete(ban.mask)
      bans.set(ban.mask, { ban, test: matcher(ban.mask) })
    }
    const live = (ban: ServerBan, now: number) => ban.expires === undefined || ban.expires > now
    const load = Effect.map(Effect.flatMap(Clock.currentTimeMillis, store.serverBans), (stored) => {
      bans.clear()
      stored.forEach(keep)
    })
    yield* loadAndReread(store, "the server bans", load)
    const service: ServerBans["Service"] = {
      find: (who) => {
        if (bans.size === 0) return undefined
        const now = clock.currentTimeMillisUnsafe()
        for (const { ban, test } of bans.values()) if (live(ban, now) && test(who)) return ban
        return undefined
      },
      matches: (mask, who) => matcher(mask)(who),
      set: (ban) =>
        Effect.andThen(store.addServerBan(ban), () => {
          keep(ban)
          return hub.tellServers({ _tag: "ServerBanChanged", on: true, ...ban })
        }),
      lift: (mask, by) =>
        Effect.flatMap(store.removeServerBan(mask), (removed) => {
          const known = bans.delete(mask)
          return removed || known
            ? Effect.as(hub.tellServers({ _tag: "ServerBanChanged", on: false, mask, reason: "", by, at: clock.currentTimeMillisUnsafe() }), true)
            : Effect.succeed(false)
        }),
      reread: Effect.suspend(() => Effect.map(load, () => service.list().length)),
      list: () => {
        const now = clock.currentTimeMillisUnsafe()
        return Array.from(bans.values(), ({ ban }) => ban).filter((ban) => live(ban, now))
      },
      learn: (change) => {
        if (!change.on) bans.delete(change.mask)
        else if (bans.get(change.mask)?.ban.at !== change.at) keep({ mask: change.mask, reason: change.reason, by: change.by, at: change.at, expires: change.expires })
      }
    }
    // The server's own subscription, in no room: every server learns each ban, sessions or none.
    yield* hub.subscribe("~server-bans", {
      deliver: (events) => {
        for (const { event } of events) if (event._tag === "ServerBanChanged") service.learn(event)
      }
    })
    return service
  })

  static readonly layer: Layer.Layer<ServerBans, StoreError, Store | Hub> = Layer.effect(ServerBans, ServerBans.make)
}
