import * as Schema from "effect/Schema"
import { Failed, History, HistoryTargets } from "./HistoryReply.js"
import { About, AwayIs, AwayNote, CallerId, Disabled, Silence, UserHosts, WasList, WhoisEnd, WhoisIs, WhoList } from "./InfoReply.js"
import { Monitored } from "./MonitorReply.js"
import { BanList, BanListFull, InvalidModeParam, Knock, Modes, NoSuchMode, NotBanned } from "./ModeReply.js"

export { Failed, History, HistoryEntry, historyLine, HistoryTargets } from "./HistoryReply.js"

/**
 * What the server answers one client: greetings, rosters, errors, command
 * results. Plain data; each codec decides how it looks on its wire (the text
 * protocol as a `-!-` notice, IRC as numerics).
 */
const S = Schema.String
const N = Schema.Number

export const Greeting = Schema.TaggedStruct("Greeting", {})
/** Registered as `nick`, and put in `room` by a protocol with one room per session. */
export const Welcome = Schema.TaggedStruct("Welcome", { nick: S, room: Schema.optional(S) })
/**
 * Who is in a room (`room` as the client wrote it): how many, up to 100 of
 * their nicknames, and its operators among them.
 */
export const Members = Schema.TaggedStruct("Members", {
  room: S,
  count: N,
  nicks: Schema.Array(S),
  operators: Schema.Array(S),
  /** Those of `nicks` with a voice (`+`). */
  voiced: Schema.optional(Schema.Array(S)),
  /** Those of `nicks` identified as their nickname's account (answering `/who`). */
  identified: Schema.optional(Schema.Array(S)),
  /** Every status of a member shown (`@+`), not its highest alone: IRC's `multi-prefix`. */
  multiPrefix: Schema.optional(Schema.Boolean),
  /** Each member as its prefix shows it (`nick!nick@hubbub`): IRC's `userhost-in-names`. */
  userhosts: Schema.optional(Schema.Boolean),
  /** The room is secret (IRC's 353 shows `@`). */
  secret: Schema.optional(Schema.Boolean),
  /** Where IRC's NAMES of several channels ends: `""` not here, else the list its one 366 names. */
  end: Schema.optional(S)
})
export const NickTaken = Schema.TaggedStruct("NickTaken", { nick: S, registering: Schema.Boolean })
export const InvalidNick = Schema.TaggedStruct("InvalidNick", { nick: S })
export const AlreadyNick = Schema.TaggedStruct("AlreadyNick", { nick: S })
/** Renamed in a room too large to announce it in: only the session itself is told. */
export const NowKnownAs = Schema.TaggedStruct("NowKnownAs", { from: S, nick: S })
export const NickFirst = Schema.TaggedStruct("NickFirst", {})
export const InvalidRoom = Schema.TaggedStruct("InvalidRoom", { room: S })
export const AlreadyIn = Schema.TaggedStruct("AlreadyIn", { room: S })
export const NoSuchNick = Schema.TaggedStruct("NoSuchNick", { nick: S })
export const NoSuchRoom = Schema.TaggedStruct("NoSuchRoom", { room: S })
export const NotInRoom = Schema.TaggedStruct("NotInRoom", { room: S })
/** A message to a room the session is not in, or where it may not speak: `moderated` and it has no voice, or `banned` (a ban or a quiet is for it). */
export const CannotSend = Schema.TaggedStruct("CannotSend", {
  room: S,
  moderated: Schema.optional(Schema.Boolean),
  banned: Schema.optional(Schema.Boolean)
})
/** A message with no text. */
export const NoText = Schema.TaggedStruct("NoText", {})
/** `OPER`: the session's account is a server operator's (`yes`), or not. */
export const Opered = Schema.TaggedStruct("Opered", { yes: Schema.Boolean })
/** A line for the session's one room, and it is in none (an operator put it out): it has to join one. */
export const NoRoom = Schema.TaggedStruct("NoRoom", {})
/** An answer to the client's ping. */
export const Pong = Schema.TaggedStruct("Pong", { token: S })
/** The server's own "are you there" to a client that has been silent. */
export const Ping = Schema.TaggedStruct("Ping", {})
/** A join refused: the room is invite only, has another key, is full, or bans the session. */
export const CannotJoin = Schema.TaggedStruct("CannotJoin", {
  room: S,
  why: Schema.Literals(["invite", "key", "full", "banned"])
})
/** Only a room's operators may do that. */
export const NotOperator = Schema.TaggedStruct("NotOperator", { room: S })
/** `nick` is not in `room` (a kick, an op, a voice for someone who is not there). */
export const NotMember = Schema.TaggedStruct("NotMember", { nick: S, room: S })
/** `nick` is in `room` already (an invitation). */
export const AlreadyMember = Schema.TaggedStruct("AlreadyMember", { nick: S, room: S })
/** `nick` was invited into `room`. */
export const Inviting = Schema.TaggedStruct("Inviting", { nick: S, room: S })
/** A server ban set (`on`) or lifted, for the operator who did it; `changed: false`: there was none to lift. */
export const KLineSet = Schema.TaggedStruct("KLineSet", { mask: S, on: Schema.Boolean, changed: Schema.Boolean, expires: Schema.optional(N) })
/** The server bans: each mask, who set it and when (ms since the epoch), why, until when. */
export const KLineList = Schema.TaggedStruct("KLineList", {
  entries: Schema.Array(Schema.Struct({ mask: S, by: S, at: N, reason: S, expires: Schema.optional(N) }))
})
/** Only server operators may do that. */
export const NoPrivileges = Schema.TaggedStruct("NoPrivileges", {})
/** A mask that says nobody in particular (`*`), or is no mask at all. */
export const BadMask = Schema.TaggedStruct("BadMask", { mask: S, server: Schema.optional(Schema.Boolean) })
/** A capability negotiation answer (`LS`, `LIST`, `NAK`; anything else is an invalid subcommand). */
export const Capabilities = Schema.TaggedStruct("Capabilities", { sub: S, caps: S })
/** A command with more targets than it takes (`target` is the first one past the limit). */
export const TooManyTargets = Schema.TaggedStruct("TooManyTargets", { target: S })
/** A join past the most rooms a session may be in. */
export const TooManyRooms = Schema.TaggedStruct("TooManyRooms", { room: S, limit: N })
/** Registration commands once registered. */
export const AlreadyRegistered = Schema.TaggedStruct("AlreadyRegistered", {})
/** A private message went out (with its id, and the client-only tags it carried). */
const O = Schema.optional
/**
 * A private message (or, `tagged`, IRC's TAGMSG: tags alone) gone to `to`: what an IRC client with `echo-message` is
 * shown as its echo. With `status`, a message to a room's operators (`@`) or voiced members (`+`) of `room`: only that echo shows it.
 */
export const Sent = Schema.TaggedStruct("Sent", {
  to: S,
  text: S,
  room: O(S),
  status: O(Schema.Literals(["@", "+"])),
  notice: O(Schema.Boolean),
  action: O(Schema.Boolean),
  tagged: O(Schema.Boolean),
  id: O(S),
  tags: O(S)
})
export const RoomList = Schema.TaggedStruct("RoomList", {
  /** `locked`: invite only or keyed (the topic is then not shown). */
  rooms: Schema.Array(Schema.Struct({ room: S, members: N, topic: Schema.optional(S), locked: Schema.optional(Schema.Boolean) }))
})
/** A room's topic (none: `topic` absent), with who set it (`by`) and when (`at`, ms since the epoch) when known. */
export const TopicIs = Schema.TaggedStruct("TopicIs", { room: S, topic: Schema.optional(S), by: Schema.optional(S), at: Schema.optional(N) })
export const Help = Schema.TaggedStruct("Help", { topic: Schema.optional(S) })

/** A command used wrongly: `command` names it (`msg`, `join`, ...). */
export const Usage = Schema.TaggedStruct("Usage", { command: S })
export const UnknownCommand = Schema.TaggedStruct("UnknownCommand", { name: S })
export const LineTooLong = Schema.TaggedStruct("LineTooLong", { max: N })
/** A message the client's wire format cannot read (the JSON codec's bad JSON): `detail` says what is wrong. */
export const BadMessage = Schema.TaggedStruct("BadMessage", { detail: S })
/**
 * What became of an account command, or of a registered nickname: `name` is the account (or
 * the nickname), `nick` a nickname given instead, `seconds` a wait.
 */
export const AccountNote = Schema.TaggedStruct("AccountNote", {
  what: Schema.Literals([
    "registered",
    "identified",
    "loggedOut",
    "passwordChanged",
    "unregistered",
    "wrongPassword",
    "noAccount",
    "exists",
    "notIdentified",
    "alreadyIdentified",
    "badPassword",
    "wait",
    "protected",
    "reserved",
    "guest",
    "taken",
    "unavailable",
    "services",
    "cleartext",
    "needsTls",
    "saslContinue",
    "saslOk",
    "saslFailed",
    "saslTooLong",
    "saslAborted",
    "saslAlready",
    "saslMechanisms"
  ]),
  name: Schema.optional(S),
  nick: Schema.optional(S),
  seconds: Schema.optional(N)
})
export type AccountNote = typeof AccountNote.Type

/**
 * What became of a registered room's command (`ChanServ` says the same on IRC): `registered`,
 * `dropped`; `info` (its `founder`, when, its `operators`); an account `listed` or `unlisted` as
 * an operator; refused: `already` registered (to `founder`), `notRegistered`, `notFounder`,
 * `identifyFirst`, `noAccount` (no such account), `founderListed` (the founder needs no listing),
 * `notListed` (an unlisting of an account it does not list), `tooMany` (rooms an account founds, or
 * accounts a room lists: `account` names the one refused).
 */
export const RoomNote = Schema.TaggedStruct("RoomNote", {
  what: Schema.Literals([
    "registered",
    "dropped",
    "info",
    "listed",
    "unlisted",
    "already",
    "notRegistered",
    "notFounder",
    "identifyFirst",
    "noAccount",
    "founderListed",
    "notListed",
    "tooMany"
  ]),
  room: S,
  founder: Schema.optional(S),
  account: Schema.optional(S),
  operators: Schema.optional(Schema.Array(S)),
  at: Schema.optional(N)
})
export type RoomNote = typeof RoomNote.Type

/** Telnet's timing mark, answered. */
export const TimingMarkDone = Schema.TaggedStruct("TimingMarkDone", {})
/**
 * Not shown: where the answers to a labeled command (IRCv3 labeled-response) begin, and where
 * they `end`, in order with everything else the session is handed; its receiver puts `label` on them.
 */
export const Label = Schema.TaggedStruct("Label", { label: S, end: Schema.optional(Schema.Boolean) })
/** A connection the server does not take: `full`, `address` (per-IP limit) or `stopping`. */
export const Refused = Schema.TaggedStruct("Refused", {
  why: Schema.Literals(["full", "address", "stopping"]),
  limit: N
})

export const Reply = Schema.Union([
  Greeting,
  About,
  AwayNote,
  AwayIs,
  WhoisIs,
  WhoisEnd,
  WasList,
  UserHosts,
  Monitored,
  Welcome,
  Members,
  NickTaken,
  InvalidNick,
  AlreadyNick,
  NowKnownAs,
  NickFirst,
  InvalidRoom,
  AlreadyIn,
  NoSuchNick,
  NoSuchRoom,
  NotInRoom,
  CannotSend,
  NoText,
  NoRoom,
  Opered,
  Pong,
  Ping,
  WhoList,
  Modes,
  CannotJoin,
  Knock,
  Silence,
  CallerId,
  NotOperator,
  NotMember,
  AlreadyMember,
  Inviting,
  NoSuchMode,
  InvalidModeParam,
  BanList,
  BadMask,
  NoPrivileges,
  Capabilities,
  AlreadyRegistered,
  Disabled,
  TooManyTargets,
  TooManyRooms,
  Sent,
  RoomList,
  TopicIs,
  Help,
  Usage,
  UnknownCommand,
  LineTooLong,
  BadMessage,
  History,
  HistoryTargets,
  Failed,
  TimingMarkDone,
  Label,
  AccountNote,
  KLineSet,
  KLineList,
  BanListFull,
  NotBanned,
  RoomNote,
  Refused
])
export type Reply = typeof Reply.Type
