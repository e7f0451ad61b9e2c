import * as Effect from "effect/Effect"
import { identity, maskMatches } from "../hub/Bans.js"
import type { Event } from "../protocol/Event.js"
import { maxSilenced, type SilenceChange } from "../protocol/Silence.js"
import { reply } from "./Answer.js"
import type { Client, CommandEnv } from "./Client.js"

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
