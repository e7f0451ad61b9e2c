import * as Schema from "effect/Schema"

/** The replies about the server and about users: what `/motd`, `WHOIS`, `AWAY`, `USERHOST`, `ISON` and `SILENCE` answer. */

const S = Schema.String
const N = Schema.Number

/** What the server says of itself (see the `About` command); the numbers for `lusers`. */
export const About = Schema.TaggedStruct("About", {
  what: Schema.Literals(["motd", "version", "time", "lusers", "admin", "info", "links", "trace", "map", "uptime", "stats"]),
  /** The letter of the `STATS` report asked for. */
  query: Schema.optional(S),
  /** How long the server has been up, in seconds. */
  uptime: Schema.optional(N),
  server: S,
  version: S,
  lines: Schema.optional(Schema.Array(S)),
  time: Schema.optional(N),
  users: Schema.optional(N),
  servers: Schema.optional(N),
  rooms: Schema.optional(N),
  local: Schema.optional(N),
  /** The most users at once since the start: here (`local`), and in all (`users`). */
  maxLocal: Schema.optional(N),
  maxUsers: Schema.optional(N)
})

/** Marked away (`306`), or back (`305`). */
export const AwayNote = Schema.TaggedStruct("AwayNote", { away: Schema.Boolean })
/** The nickname a private message went to is away, and why (`301`). */
export const AwayIs = Schema.TaggedStruct("AwayIs", { nick: S, text: S })
/** Who a nickname is (`311` to `330`, `671`); `rooms` as they may be shown to the asker, with `@` or `+`. */
export const WhoisIs = Schema.TaggedStruct("WhoisIs", {
  nick: S,
  user: S,
  realName: S,
  server: S,
  signon: N,
  idle: Schema.optional(N),
  away: Schema.optional(S),
  account: Schema.optional(S),
  operator: Schema.Boolean,
  secure: Schema.Boolean,
  rooms: Schema.Array(S),
  bot: Schema.optional(Schema.Boolean)
})
/** Who had a nickname lately (`314`, `312` each, then `369`; `406` when nobody did). */
export const WasList = Schema.TaggedStruct("WasList", {
  nick: S,
  entries: Schema.Array(Schema.Struct({ nick: S, user: S, realName: S, server: S, at: N }))
})
/** The end of a `WHOIS` (`318`). */
export const WhoisEnd = Schema.TaggedStruct("WhoisEnd", { nick: S })
/** `USERHOST` (`302`) and `ISON` (`303`): those of the nicknames asked for that are here. */
export const UserHosts = Schema.TaggedStruct("UserHosts", {
  ison: Schema.Boolean,
  entries: Schema.Array(Schema.Struct({ nick: S, user: S, away: Schema.Boolean, operator: Schema.Boolean }))
})

/**
 * An IRC command a single hubbub server has no use for: `USERS` and `SUMMON` (disabled), `SERVLIST`
 * and `SQUERY` (no services but NickServ and ChanServ, reached by `PRIVMSG`), and the server
 * operators' `CONNECT`, `SQUIT`, `DIE`, `RESTART` and `REHASH` (servers join through Redis; stop and
 * restart it as a program).
 */
export const Disabled = Schema.TaggedStruct("Disabled", { command: S })
/** Who matched a `Who` mask: nicknames, with the room they were found in when the mask was a room. */
export const WhoList = Schema.TaggedStruct("WhoList", {
  mask: S,
  entries: Schema.Array(Schema.Struct({
    nick: S,
    room: Schema.optional(S),
    operator: Schema.Boolean,
    voiced: Schema.optional(Schema.Boolean),
    /** What the member says of itself (its nickname stands for both names when it said nothing). */
    user: Schema.optional(S),
    realName: Schema.optional(S),
    server: Schema.optional(S),
    away: Schema.optional(Schema.Boolean),
    /** A server operator. */
    ircop: Schema.optional(Schema.Boolean),
    account: Schema.optional(S),
    bot: Schema.optional(Schema.Boolean)
  })),
  multiPrefix: Schema.optional(Schema.Boolean),
  /** WHOX: the fields asked for, and the token to answer with. */
  fields: Schema.optional(S),
  token: Schema.optional(S)
})

/**
 * A silence list (`list`, its `masks`), a mask `added` to it or `removed`, or one refused as the
 * list is `full`.
 */
export const Silence = Schema.TaggedStruct("Silence", {
  what: Schema.Literals(["list", "added", "removed", "full"]),
  masks: Schema.optional(Schema.Array(S)),
  mask: Schema.optional(S)
})

/**
 * Caller-id (IRC's `+g` and `ACCEPT`): the accept `list` (its `nicks`), a nickname `added` to it or
 * `removed`, one `already` on it or `absent` from it, a `full` list; to a sender, its private
 * message `blocked` by `nick`'s caller-id; to the session, `nick` is `messaging` it and was blocked;
 * caller-id turned `on` or `off` (IRC echoes its `MODE` instead).
 */
export const CallerId = Schema.TaggedStruct("CallerId", {
  what: Schema.Literals(["list", "added", "removed", "already", "absent", "full", "blocked", "messaging", "on", "off"]),
  nick: Schema.optional(S),
  nicks: Schema.optional(Schema.Array(S))
})
