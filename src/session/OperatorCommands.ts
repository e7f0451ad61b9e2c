import * as Effect from "effect/Effect"
import { reply } from "./Answer.js"
import type { Client, CommandEnv } from "./Client.js"
import { audit } from "./ModerationCommands.js"

/** A server operator's commands: for sessions identified as an account `ServerOperators` has. */

/** Disconnects `nick`, on whichever server it is. */
export const kill = Effect.fnUntraced(function*(env: CommandEnv, client: Client, nick: string, reason: string | undefined) {
  if (!env.operators.has(client.account)) return yield* reply(env, client, { _tag: "NoPrivileges" })
  const found = yield* env.hub.findNick(nick)
  if (found === undefined) return yield* reply(env, client, { _tag: "NoSuchNick", nick })
  yield* env.hub.disconnect(found.session, client.nick ?? "", reason ?? "")
  yield* audit(env, client, { action: "kill", target: found.nick, reason: reason ?? "" })
})

/** A line to every server operator, on every server. */
export const wallops = Effect.fnUntraced(function*(env: CommandEnv, client: Client, text: string) {
  if (!env.operators.has(client.account)) return yield* reply(env, client, { _tag: "NoPrivileges" })
  yield* env.hub.wallops(client.nick ?? "", text)
  yield* audit(env, client, { action: "wallops" })
})
