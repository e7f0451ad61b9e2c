import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { Command } from "../protocol/Command.js"
import { version } from "../version.js"
import { reply } from "./Answer.js"
import type { Client, CommandEnv } from "./Client.js"

type What = Extract<Command, { readonly _tag: "About" }>["what"]

/** What hubbub is, in a few lines (IRC's `INFO`). */
const info = [
  `hubbub ${version}: a group chat server for netcat, IRC clients and the browser, on Effect.`,
  "Every line reaches everyone in its room, whatever they connected with."
]

/** What the server says of itself: its message of the day, version, time, numbers, administrator, or what it is. */
export const about = Effect.fnUntraced(function*(env: CommandEnv, client: Client, what: What, query?: string) {
  const base = { _tag: "About", what, server: env.about.server, version } as const
  switch (what) {
    case "uptime":
      return yield* reply(env, client, { ...base, uptime: Math.floor(((yield* Clock.currentTimeMillis) - env.about.startedAt) / 1000) })
    case "stats":
      return yield* reply(env, client, { ...base, query: query ?? "*" })
    case "motd":
      return yield* reply(env, client, { ...base, lines: env.about.motd })
    case "info":
      return yield* reply(env, client, { ...base, lines: info })
    case "time":
      return yield* reply(env, client, { ...base, time: yield* Clock.currentTimeMillis })
    case "lusers": {
      const census = yield* env.hub.census
      let local = 0
      for (const handle of env.sessions.live.values()) if (handle.nick !== undefined) local++
      const peaks = env.sessions.peaks(census.users)
      return yield* reply(env, client, { ...base, ...census, local, maxLocal: Math.max(peaks.local, local), maxUsers: peaks.global })
    }
    default:
      return yield* reply(env, client, base)
  }
})
