import * as Effect from "effect/Effect"
import type { Monitor } from "../protocol/Command.js"
import { type Nick, nickKey } from "../protocol/Names.js"
import { reply } from "./Answer.js"
import type { Client, CommandEnv } from "./Client.js"

/**
 * IRC's `MONITOR` (IRCv3 monitor): the hub keeps each session's list and tells it as the
 * nicknames on it come and go (`Hub.watch`); here a session changes its list and asks about it.
 */
export const monitor = Effect.fnUntraced(function*(env: CommandEnv, client: Client, input: typeof Monitor.Type) {
  const nicks = input.nicks ?? []
  switch (input.action) {
    case "+": {
      // On the list first, then asked about: a nickname that comes or goes meanwhile is told either way.
      const full = yield* env.hub.watch(client.id, nicks)
      if (full.length > 0) yield* reply(env, client, { _tag: "Monitored", what: "full", nicks: full })
      const left = new Set(full.map(nickKey))
      return yield* status(env, client, nicks.filter((nick) => !left.has(nickKey(nick))))
    }
    case "-":
      return yield* env.hub.unwatch(client.id, nicks)
    case "C":
      return yield* env.hub.unwatch(client.id)
    case "L":
      return yield* reply(env, client, { _tag: "Monitored", what: "list", nicks: yield* env.hub.watching(client.id) })
    case "S":
      return yield* status(env, client, yield* env.hub.watching(client.id))
  }
})

/** Which of these nicknames are online (730, as their holders spell them) and which are not (731, as watched). */
const status = Effect.fnUntraced(function*(env: CommandEnv, client: Client, nicks: ReadonlyArray<Nick>) {
  if (nicks.length === 0) return
  const found = yield* env.hub.profiles(nicks)
  const held = new Map(found.map((d) => [nickKey(d.nick), d.nick]))
  const online = nicks.flatMap((nick) => held.get(nickKey(nick)) ?? [])
  const offline = nicks.filter((nick) => !held.has(nickKey(nick)))
  if (online.length > 0) yield* reply(env, client, { _tag: "Monitored", what: "online", nicks: online })
  if (offline.length > 0) yield* reply(env, client, { _tag: "Monitored", what: "offline", nicks: offline })
})
