import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { KLine } from "../protocol/Command.js"

type KLineInput = typeof KLine.Type
import { normalizeServerMask } from "../protocol/ServerMask.js"
import { type Nick, nickKey } from "../protocol/Names.js"
import * as AccountCommands from "./AccountCommands.js"
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

/**
 * IRC's `OPER NAME PASSWORD`: identifies as the account (as `NickServ IDENTIFY NAME PASSWORD` does,
 * unless it is identified as it already), then says whether it is a server operator's. Powers are
 * the account's, whichever way it identified.
 */
export const oper = Effect.fnUntraced(function*(env: CommandEnv, client: Client, nick: Nick, name: Nick, password: string) {
  if (client.account === undefined || nickKey(client.account) !== nickKey(name)) {
    yield* AccountCommands.identifyKeepingNick(env, client, name, password)
  }
  const yes = env.operators.has(client.account)
  if (client.account !== undefined) yield* Effect.logInfo(`moderation: ${nick} asked for server operator powers as ${client.account}: ${yes ? "granted" : "refused"}`)
  yield* reply(env, client, { _tag: "Opered", yes })
  // As IRC servers say it: the user mode `+o` comes with the powers.
  if (yes) yield* reply(env, client, { _tag: "Modes", target: nick, modes: "+o", changed: true })
})

/** A line to every server operator, on every server. */
export const wallops = Effect.fnUntraced(function*(env: CommandEnv, client: Client, text: string) {
  if (!env.operators.has(client.account)) return yield* reply(env, client, { _tag: "NoPrivileges" })
  yield* env.hub.wallops(client.nick ?? "", text)
  yield* audit(env, client, { action: "wallops" })
})

/** Sets or lifts a server ban: stored, and applied on every server. */
export const kline = Effect.fnUntraced(function*(env: CommandEnv, client: Client, input: KLineInput) {
  if (!env.operators.has(client.account)) return yield* reply(env, client, { _tag: "NoPrivileges" })
  const mask = normalizeServerMask(input.mask)
  if (mask === undefined) return yield* reply(env, client, { _tag: "BadMask", mask: input.mask, server: true })
  const by = client.nick ?? ""
  if (!input.on) {
    const lifted = yield* env.serverBans.lift(mask, by)
    yield* reply(env, client, { _tag: "KLineSet", mask, on: false, changed: lifted })
    if (lifted) yield* audit(env, client, { action: "unkline", target: mask })
    return
  }
  const at = yield* Clock.currentTimeMillis
  const expires = input.seconds === undefined ? undefined : at + input.seconds * 1000
  const reason = input.reason === undefined || input.reason.trim() === "" ? "no reason given" : input.reason
  yield* env.serverBans.set({ mask, reason, by, at, expires })
  yield* reply(env, client, { _tag: "KLineSet", mask, on: true, changed: true, ...(expires === undefined ? {} : { expires }) })
  yield* audit(env, client, { action: "kline", target: mask, reason })
}, (effect, env, client) =>
  Effect.catchTag(effect, "StoreError", (error) =>
    Effect.andThen(Effect.logWarning(error.message), reply(env, client, { _tag: "BadMessage", detail: "server bans are unavailable (the store does not answer): try again later" }))))

/** The server bans in force. */
export const klines = (env: CommandEnv, client: Client) =>
  env.operators.has(client.account)
    ? reply(env, client, {
      _tag: "KLineList",
      entries: env.serverBans.list().map(({ at, by, expires, mask, reason }) => ({ mask, by, at, reason, ...(expires === undefined ? {} : { expires }) }))
    })
    : reply(env, client, { _tag: "NoPrivileges" })
