import * as Effect from "effect/Effect"
import type { Directory } from "../Directory.js"
import type { Hub } from "../Hub.js"
import type { RedisClusterView } from "./RedisClusterView.js"
import type { RedisLink } from "./RedisLink.js"
import type { Profiles } from "../Profiles.js"
import type { RedisProfiles } from "./RedisProfiles.js"

type Queries = Pick<Hub["Service"], "findNick" | "roster" | "matchNicks" | "topic" | "topicInfo" | "rooms" | "census" | "profiles" | "whois" | "whowas" | "backlog">

/**
 * The hub's questions about the whole chat: read from Redis while the link is up, and from this
 * server's own copy while it is down (or when Redis does not answer).
 */
export const queries = (link: RedisLink, view: RedisClusterView, directory: Directory, profiles: Profiles, shared: RedisProfiles): Queries => {
  const read = <A>(cluster: () => Effect.Effect<A, unknown>, here: () => A): Effect.Effect<A> =>
    Effect.suspend(() => link.up ? Effect.orElseSucceed(cluster(), here) : Effect.sync(here))
  return {
    findNick: (nick) => {
      // One of this server's own is known here.
      const session = directory.owner(nick)
      if (session !== undefined || !link.up) return Effect.succeed(session === undefined ? undefined : profiles.member(directory.member(session)))
      return Effect.orElseSucceed(shared.member(nick), () => undefined)
    },
    profiles: (nicks) => read(() => shared.described(nicks), () => profiles.described(nicks)),
    // One of this server's own is known here, its rooms and their modes too.
    whois: (nick) => directory.owner(nick) !== undefined ? Effect.sync(() => profiles.whois(nick)) : read(() => shared.whois(nick), () => profiles.whois(nick)),
    whowas: (nick) => read(() => shared.whowas(nick), () => profiles.whowas(nick)),
    roster: (room) => read(() => view.roster(room), () => directory.roster(room)),
    matchNicks: (mask, limit) => read(() => view.matchNicks(mask, limit), () => directory.match(mask, limit)),
    topic: (room) => read(() => view.topic(room), () => directory.topic(room)),
    topicInfo: (room) => read(() => view.topicInfo(room), () => directory.topicOf(room)),
    rooms: read(() => view.rooms, () => directory.list()),
    census: read(() => view.census, () => ({ ...directory.census(), servers: 1 })),
    backlog: (room, range) => read(() => view.backlog(room, range), () => [])
  }
}
