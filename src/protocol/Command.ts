import * as Schema from "effect/Schema"
import { Nick, Room } from "./Names.js"
import { SilenceChange } from "./Silence.js"

/** Free text typed by a user (messages, reasons), already sanitized by the codec. */
const Text = Schema.String

/**
 * A line for a room: `room`, or the session's one room when absent. A
 * `notice` (IRC's NOTICE) is never answered with an error.
 */
export const Say = Schema.TaggedStruct("Say", {
  text: Text,
  room: Schema.optional(Room),
  notice: Schema.optional(Schema.Boolean),
  /** To the room's operators only (`@`), or its operators and voiced members (`+`): IRC's `PRIVMSG @#room`. */
  status: Schema.optional(Schema.Literals(["@", "+"])),
  /** Client-only IRCv3 tags to relay with it (`+typing=active;+draft/reply=ID`), as sent. */
  tags: Schema.optional(Schema.String)
})
/** An action, `* nick waves`, to `room` or the session's one room. */
export const Me = Schema.TaggedStruct("Me", { text: Text, room: Schema.optional(Room), tags: Schema.optional(Schema.String) })
/** A private message to one nickname. */
export const Msg = Schema.TaggedStruct("Msg", {
  nick: Nick,
  text: Text,
  notice: Schema.optional(Schema.Boolean),
  action: Schema.optional(Schema.Boolean),
  tags: Schema.optional(Schema.String)
})
/** IRCv3's `TAGMSG`: client-only tags and no text, to a room the session is in or to a nickname. */
export const TagMsg = Schema.TaggedStruct("TagMsg", { room: Schema.optional(Room), nick: Schema.optional(Nick), tags: Schema.String })
/** A point in a room's history: a message's id, or a time (milliseconds since the epoch). */
export const HistoryPoint = Schema.Union([
  Schema.TaggedStruct("Id", { id: Schema.String }),
  Schema.TaggedStruct("Time", { at: Schema.Number })
])
export type HistoryPoint = typeof HistoryPoint.Type
/**
 * A room's past messages (IRCv3's `CHATHISTORY`, the text protocol's `/history N`), at most
 * `limit`: the `latest` (those after `from` if given), those `before`, `after` or `around` the
 * point `from`, those `between` `from` and `to`; or (`targets`) the session's rooms with messages
 * between `from` and `to`. `room` absent: the session's one room.
 */
export const ChatHistory = Schema.TaggedStruct("ChatHistory", {
  kind: Schema.Literals(["latest", "before", "after", "around", "between", "targets"]),
  room: Schema.optional(Room),
  from: Schema.optional(HistoryPoint),
  to: Schema.optional(HistoryPoint),
  limit: Schema.Number
})
/** Registers with this nickname (and, from IRC's `USER`, a user name and real name), or renames once registered. */
export const SetNick = Schema.TaggedStruct("Nick", { nick: Nick, user: Schema.optional(Schema.String), realName: Schema.optional(Schema.String) })
/** A new real name (IRCv3's `SETNAME`). */
export const SetName = Schema.TaggedStruct("SetName", { realName: Schema.String })
/** Marks the session away, saying why (`text`), or back (no `text`). */
export const Away = Schema.TaggedStruct("Away", { text: Schema.optional(Text) })
/** Who `nick` is: what it says of itself, where it is, since when. */
export const Whois = Schema.TaggedStruct("Whois", { nick: Schema.String })
/** Who had `nick` lately (up to `count` of them). */
export const Whowas = Schema.TaggedStruct("Whowas", { nick: Schema.String, count: Schema.optional(Schema.Number) })
/** IRC's `USERHOST` (`user@host` of each) and `ISON` (which are here) for up to a few nicknames. */
export const Userhost = Schema.TaggedStruct("Userhost", { nicks: Schema.Array(Schema.String), ison: Schema.optional(Schema.Boolean) })
/**
 * IRC's `MONITOR`: watch these nicknames too (`+`), no more (`-`), none (`C`); list them (`L`), or
 * say which of them are online (`S`).
 */
export const Monitor = Schema.TaggedStruct("Monitor", { action: Schema.Literals(["+", "-", "C", "L", "S"]), nicks: Schema.optional(Schema.Array(Nick)) })
/**
 * Into a room: a protocol with one room per session moves there (leaving
 * the old one), one with several adds it.
 */
export const Join = Schema.TaggedStruct("Join", { room: Room, key: Schema.optional(Schema.String) })
/** Out of one room, telling it why. */
export const Part = Schema.TaggedStruct("Part", { room: Room, reason: Schema.optional(Text) })
/**
 * The rooms, or those `filter` names: a comma list of rooms and masks (`#a*`), `!MASK` for those
 * it does not match, `>N` and `<N` for more or fewer members (IRC's `LIST` and its `ELIST`).
 */
export const Rooms = Schema.TaggedStruct("Rooms", { filter: Schema.optional(Schema.String) })
/** Out of every room the session is in (IRC's `JOIN 0`). */
export const PartAll = Schema.TaggedStruct("PartAll", {})
/**
 * What the server says of itself: its message of the day, version, time, numbers of users
 * (`lusers`), administrator, what it is (`info`), the servers it links to (`links`), or the way to
 * it (`trace`), its map of servers (`map`), how long it has been up (`uptime`, IRC's `STATS u`), or
 * another of IRC's `STATS` reports (`stats`, `query` its letter), which hubbub keeps empty.
 */
export const About = Schema.TaggedStruct("About", {
  what: Schema.Literals(["motd", "version", "time", "lusers", "admin", "info", "links", "trace", "map", "uptime", "stats"]),
  query: Schema.optional(Schema.String.check(Schema.isMaxLength(1)))
})
/** Who is in a room, `room` as the client wrote it (or the session's one room). */
/** `end`: one of IRC's NAMES of several channels, which ends once: `""` not with this one, else with the whole list. */
export const Names = Schema.TaggedStruct("Names", { room: Schema.optional(Schema.String), end: Schema.optional(Schema.String) })
/** Who matches `mask`: a room, a nickname, or a pattern with `*` and `?` (the session's room when absent). */
export const Who = Schema.TaggedStruct("Who", {
  mask: Schema.optional(Schema.String),
  /** IRC's WHOX: the fields asked for (`%tcuhnfar`, letters of `t c u i h s n f d l a o r`), and the client's token for the answers. */
  fields: Schema.optional(Schema.String),
  token: Schema.optional(Schema.String)
})
/** Shows a room's topic (`text` absent), sets it, or clears it (`text` empty); the session's one room when no `room`. */
export const Topic = Schema.TaggedStruct("Topic", { room: Schema.optional(Room), text: Schema.optional(Text) })
/**
 * Shows or changes the modes of a room (`+ik-m`, then their arguments in order, as IRC writes
 * them) or of a nickname (a session has none to change). `/op NICK` is `+o NICK` on the session's room.
 */
export const Mode = Schema.TaggedStruct("Mode", {
  target: Schema.String,
  change: Schema.optional(Schema.String),
  args: Schema.optional(Schema.Array(Schema.String))
})
/** Takes `nick` out of `room` (the session's one room when absent), saying why. */
export const Kick = Schema.TaggedStruct("Kick", { nick: Schema.String, room: Schema.optional(Room), reason: Schema.optional(Text) })
/**
 * Bans (`b`) or quiets (`q`) whoever `mask` is for in `room` (the session's one room when absent),
 * for `seconds` when given, saying why; a ban puts out the members it is for. `on: false` lifts it.
 */
export const BanCommand = Schema.TaggedStruct("Ban", {
  mask: Schema.String,
  kind: Schema.Literals(["b", "q"]),
  on: Schema.Boolean,
  room: Schema.optional(Room),
  seconds: Schema.optional(Schema.Number),
  reason: Schema.optional(Text)
})
/** A server operator disconnects `nick`, saying why. */
export const Kill = Schema.TaggedStruct("Kill", { nick: Schema.String, reason: Schema.optional(Text) })
/** IRC's `OPER NAME PASSWORD`: identifies as the account `name`, and asks whether it is a server operator's. */
export const Oper = Schema.TaggedStruct("Oper", { name: Nick, password: Schema.String })
/** A server operator's line to every server operator. */
export const Wallops = Schema.TaggedStruct("Wallops", { text: Text })
/**
 * A server operator bans whoever `mask` is for from every server (an address, a network such as
 * `10.0.0.0/8`, a `nick!user@host` mask or `~a:ACCOUNT`), for `seconds` when given, saying why;
 * `on: false` lifts it.
 */
export const KLine = Schema.TaggedStruct("KLine", {
  mask: Schema.String,
  on: Schema.Boolean,
  seconds: Schema.optional(Schema.Number),
  reason: Schema.optional(Text)
})
/** The server bans, for a server operator. */
export const KLines = Schema.TaggedStruct("KLines", {})
/**
 * A registered room (the session's one room when absent): `register` it (its operator, identified),
 * `drop` its registration, show its `info`, or list (`op`) or unlist (`deop`) an account among its
 * operators (its founder).
 */
export const RoomRegistration = Schema.TaggedStruct("Registration", {
  action: Schema.Literals(["register", "drop", "info", "op", "deop"]),
  room: Schema.optional(Room),
  account: Schema.optional(Nick)
})
/** A room's bans and quiets (the session's one room when absent). */
export const Bans = Schema.TaggedStruct("Bans", { room: Schema.optional(Room) })
/** Invites `nick` into `room` (the session's one room when absent). */
export const Invite = Schema.TaggedStruct("Invite", { nick: Schema.String, room: Schema.optional(Room) })
/**
 * Silences senders (IRC's `SILENCE`): their private messages, notices, `TAGMSG`s and invitations
 * no longer reach the session. With no `changes`, the list.
 */
export const Silence = Schema.TaggedStruct("Silence", { changes: Schema.optional(Schema.Array(SilenceChange)) })
/**
 * IRC's `ACCEPT`: the nicknames whose private messages the session takes with caller-id on (`+g`);
 * with no `changes`, the list; `callerId`, caller-id turned on or off (the text protocol's
 * `/accept on`, IRC's `MODE nick +g`).
 */
export const Accept = Schema.TaggedStruct("Accept", {
  changes: Schema.optional(Schema.Array(Schema.Struct({ on: Schema.Boolean, nick: Nick }))),
  callerId: Schema.optional(Schema.Boolean)
})
/** Asks the operators of `room` (invite only, keyed or full) to invite the session in, saying `text`. */
export const Knock = Schema.TaggedStruct("Knock", { room: Room, text: Schema.optional(Text) })
/** Help, on one `topic` (a command) or on everything. */
export const Help = Schema.TaggedStruct("Help", { topic: Schema.optional(Schema.String) })
/**
 * An account command: `register` the session's nickname with `password`; `identify` as `name`
 * (the session's nickname when absent); `logout`; `password` from `password` to `newPassword`;
 * `unregister` the identified account. Passwords go no further than the account check.
 */
export const AccountCommand = Schema.TaggedStruct("Account", {
  action: Schema.Literals(["register", "identify", "logout", "password", "unregister"]),
  name: Schema.optional(Nick),
  password: Schema.optional(Schema.String),
  newPassword: Schema.optional(Schema.String),
  /** An `identify` through IRC's SASL: answered with its numerics, and taken before registration. */
  sasl: Schema.optional(Schema.Boolean)
})
export const Quit = Schema.TaggedStruct("Quit", { reason: Schema.optional(Text) })
/** Telnet's "are you there": answered in order with everything before it. */
export const TimingMark = Schema.TaggedStruct("TimingMark", {})

/** Everything a client can ask of the server, whatever its wire format. */
export const Command = Schema.Union([
  Say,
  Me,
  Msg,
  TagMsg,
  ChatHistory,
  SetNick,
  SetName,
  Away,
  Whois,
  Whowas,
  Userhost,
  Monitor,
  Join,
  Part,
  Rooms,
  PartAll,
  About,
  Names,
  Who,
  Topic,
  Mode,
  Kick,
  Invite,
  Knock,
  Silence,
  Accept,
  BanCommand,
  Bans,
  Kill,
  Oper,
  Wallops,
  KLine,
  KLines,
  RoomRegistration,
  Help,
  AccountCommand,
  Quit,
  TimingMark
])
export type Command = typeof Command.Type
