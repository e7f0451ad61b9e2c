import * as Effect from "effect/Effect"
import { identity, maskMatches } from "../hub/Bans.js"
import type { Member } from "../hub/Hub.js"
import { answer, type Event } from "../protocol/Event.js"
import { nickKey } from "../protocol/Names.js"
import { maxAccepted } from "../protocol/Profile.js"
import { maxSilenced, type SilenceChange } from "../protocol/Silence.js"
import { reply } from "./Answer.js"
import type { Client, CommandEnv } from "./Client.js"
import { Cooldowns } from "./Cooldowns.js"

/** IRC's `SILENCE` (and `/silence`): shows the session's silence list, or changes it. */
export const silence = Effect.fnUntraced(function*(env: CommandEnv, client: Client, changes: ReadonlyArray<SilenceChange> | undefined) {
  if (changes === undefined) return yield* reply(env, client, { _tag: "Silence", what: "list", masks: client.silenced })
  for (const { mask, on } of changes) {
    const has = client.silenced.includes(mask)
    if (on && !has) {
      if (client.silenced.length >= maxSilenced) {
        yield* reply(env, client, { _tag: "Silence", what: "full", mask })
        continue
      }
      client.silenced = [...client.silenced, mask]
      yield* reply(env, client, { _tag: "Silence", what: "added", mask })
    } else if (!on && has) {
      client.silenced = client.silenced.filter((kept) => kept !== mask)
      yield* reply(env, client, { _tag: "Silence", what: "removed", mask })
    }
  }
})

/**
 * Whether an event addressed to a session (a private message or notice, a `TAGMSG`, an invitation,
 * a knock) comes from someone its silence list names: by nickname (a sender's address is its own server's
 * to know) or by account.
 */
export const silencedBy = (masks: ReadonlyArray<string>, event: Event): boolean => {
  const sender = event._tag === "Private" || (event._tag === "Tagged" && event.room === undefined)
    ? identity(event.from, undefined, event.account)
    : event._tag === "Invited"
    ? identity(event.by, undefined, event.account)
    : event._tag === "Answer" && event.reply._tag === "Knock" && event.reply.what === "asked"
    ? identity(event.reply.nick ?? "", undefined, undefined)
    : undefined
  return sender !== undefined && masks.some((mask) => maskMatches(mask, sender))
}

/**
 * IRC's `ACCEPT` (and `/accept`): shows the nicknames the session takes private messages from with
 * caller-id on (`+g`), or changes them; or turns caller-id on or off (`/accept on`).
 */
export const accept = Effect.fnUntraced(function*(
  env: CommandEnv,
  client: Client,
  changes: ReadonlyArray<{ readonly on: boolean; readonly nick: string }> | undefined,
  callerId?: boolean
) {
  if (callerId !== undefined) {
    const profile = client.profile
    if (profile !== undefined && (profile.accepts !== undefined) !== callerId) {
      const { accepts: _, ...rest } = profile
      client.profile = callerId ? { ...rest, accepts: client.accepted } : rest
      yield* env.hub.describe(client.id, client.profile)
    }
    return yield* reply(env, client, { _tag: "CallerId", what: callerId ? "on" : "off" })
  }
  if (changes === undefined) return yield* reply(env, client, { _tag: "CallerId", what: "list", nicks: client.accepted })
  let accepted = client.accepted
  for (const { nick, on } of changes) {
    const key = nickKey(nick)
    const has = accepted.includes(key)
    const what = on ? (has ? "already" : accepted.length >= maxAccepted ? "full" : "added") : has ? "removed" : "absent"
    if (what === "added") accepted = accepted.concat([key])
    if (what === "removed") accepted = accepted.filter((kept) => kept !== key)
    yield* reply(env, client, { _tag: "CallerId", what, nick })
  }
  if (accepted === client.accepted) return
  client.accepted = accepted
  // Published only with caller-id on: it is what the servers of its senders look up.
  if (client.profile?.accepts !== undefined) {
    client.profile = { ...client.profile, accepts: accepted }
    yield* env.hub.describe(client.id, client.profile)
  }
})

/** Whether a private message's target (as the hub found it) takes one from this client: no caller-id, accepted, itself, or a server operator's. */
export const takesFrom = (env: CommandEnv, client: Client, from: string, target: Member): boolean =>
  target.accepts === undefined || target.session === client.id || target.accepts.includes(nickKey(from)) || env.operators.has(client.account)

/** A target with caller-id on is told that someone's messages were blocked once a minute at most (solanum's rate). */
const told = new Cooldowns(60_000)

/**
 * A private message that a target's caller-id refused: its sender is told (not for a notice), and
 * the target, once a minute at most, that it was tried.
 */
export const refusedByCallerId = Effect.fnUntraced(function*(env: CommandEnv, client: Client, from: string, target: Member, notice: boolean) {
  if (notice) return
  yield* reply(env, client, { _tag: "CallerId", what: "blocked", nick: target.nick })
  if (told.busy(env.sessions, [target.session], env.now()) !== undefined) return
  yield* env.hub.publish(answer(target.session, { _tag: "CallerId", what: "messaging", nick: from }, target.nick))
})
