import * as Schema from "effect/Schema"

/**
 * What a session tells of itself (IRC's `WHOIS` and `WHO`): the user name and real name its `USER`
 * gave (its nickname, for other clients), the server it is on, when it connected, whether over TLS,
 * why it is away (when it is) and the account it is identified as.
 */
export const Profile = Schema.Struct({
  user: Schema.String,
  realName: Schema.String,
  server: Schema.String,
  signon: Schema.Number,
  secure: Schema.Boolean,
  away: Schema.optional(Schema.String),
  account: Schema.optional(Schema.String),
  /** It says it is a bot (IRC's user mode `+B`). */
  bot: Schema.optional(Schema.Boolean),
  /**
   * It takes private messages only from the nicknames it accepts (IRC's caller-id, user mode `+g`):
   * those, in lower case.
   */
  accepts: Schema.optional(Schema.Array(Schema.String))
})
export type Profile = typeof Profile.Type

/** Nicknames a session with caller-id on (`+g`) may accept at once (IRC's `CALLERID=` in `005`). */
export const maxAccepted = 20

/** Who had a nickname, until when (`WHOWAS`). */
export const Departed = Schema.Struct({ nick: Schema.String, user: Schema.String, realName: Schema.String, server: Schema.String, at: Schema.Number })
export type Departed = typeof Departed.Type

/** How many departures `WHOWAS` remembers, all nicknames together. */
export const maxDeparted = 200

/** The longest away message kept (IRC's `AWAYLEN`), and real name. */
export const maxAwayBytes = 200
export const maxRealNameBytes = 100
/** The longest user name kept (IRC's `USERLEN`): letters, digits, `_`, `.` and `-`. */
export const maxUserLength = 10

/** A user name as `USER` gave it, kept to what a prefix may hold (`~` marks it as not checked); `undefined` when nothing is left. */
export const userName = (given: string): string | undefined => {
  const kept = given.replace(/[^A-Za-z0-9_.-]/g, "").slice(0, maxUserLength)
  return kept === "" ? undefined : `~${kept}`
}
