import * as Effect from "effect/Effect"
import type { Event } from "../../protocol/Event.js"
import type { Directory } from "../Directory.js"
import type { Hub } from "../Hub.js"
import type { Watchers } from "../Watchers.js"
import * as Scripts from "./RedisScripts.js"

export interface WatchersWorld {
  readonly watchers: Watchers
  readonly directory: Directory
  readonly linkUp: () => boolean
  readonly run: <A>(script: string, args: ReadonlyArray<string>) => Effect.Effect<A, unknown>
  /** An event as a script publishes it: a batch of its own, that this server knows it sent. */
  readonly stamped: (event: Event) => string
}

/**
 * IRC's MONITOR for a cluster. Each server keeps its own sessions' lists ({@link Watchers}), and
 * every server hears of every nickname that comes or goes: the scripts that give nicknames out and
 * free them (`claim`, `leave`, `reap`, `release`, `restore`) publish a note to every server's
 * channel in the same step (`presence` in `RedisScripts.common`), so watchers hear it in the order
 * Redis ran it, a server that stops or is dropped included, and nothing is sent per message. What a
 * member changes of itself goes to every server with the `everyone` script. While the link is
 * down, a server's watchers hear of its own sessions alone (the directory tells them).
 */
export const watching = (world: WatchersWorld): Pick<Hub["Service"], "watch" | "unwatch" | "watching" | "tellWatchers"> => ({
  ...world.watchers.actions,
  tellWatchers: (session, change) =>
    Effect.suspend(() => {
      const rooms = world.directory.roomsOf(session)
      const here = Effect.sync(() => world.watchers.changed(change, rooms))
      if (!world.linkUp()) return here
      // Addressed to no session: a server of an older version (a rolling upgrade) shows it to nobody.
      const note: Event = { _tag: "Notice", to: "~monitor", text: "", changed: { ...change, rooms } }
      return Effect.catch(world.run(Scripts.everyone, [world.stamped(note)]), () => here)
    })
})
