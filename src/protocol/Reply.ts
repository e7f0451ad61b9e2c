import * as Schema from "effect/Schema"

/**
 * What the server answers one client: greetings, rosters, errors, command
 * results. Plain data; each codec decides how it looks on its wire (the text
 * protocol as a `-!-` notice, IRC as numerics).
 */
const S = Schema.String
const N = Schema.Number

export const Greeting = Schema.TaggedStruct("Greeting", {})
export const Welcome = Schema.TaggedStruct("Welcome", { nick: S, room: S })
/** Who is in a room: how many, and up to 100 of their nicknames. */
export const Members = Schema.TaggedStruct("Members", { room: S, count: N, nicks: Schema.Array(S) })
export const NickTaken = Schema.TaggedStruct("NickTaken", { nick: S, registering: Schema.Boolean })
export const InvalidNick = Schema.TaggedStruct("InvalidNick", { nick: S })
export const AlreadyNick = Schema.TaggedStruct("AlreadyNick", { nick: S })
/** Renamed in a room too large to announce it in: only the session itself is told. */
export const NowKnownAs = Schema.TaggedStruct("NowKnownAs", { nick: S })
export const NickFirst = Schema.TaggedStruct("NickFirst", {})
export const InvalidRoom = Schema.TaggedStruct("InvalidRoom", { room: S })
export const AlreadyIn = Schema.TaggedStruct("AlreadyIn", { room: S })
export const NoSuchNick = Schema.TaggedStruct("NoSuchNick", { nick: S })
/** A private message went out. */
export const Sent = Schema.TaggedStruct("Sent", { to: S, text: S })
export const RoomList = Schema.TaggedStruct("RoomList", {
  rooms: Schema.Array(Schema.Struct({ room: S, members: N }))
})
export const TopicIs = Schema.TaggedStruct("TopicIs", { room: S, topic: Schema.optional(S) })
export const Help = Schema.TaggedStruct("Help", {})
/** A command used wrongly: `command` names it (`msg`, `join`, ...). */
export const Usage = Schema.TaggedStruct("Usage", { command: S })
export const UnknownCommand = Schema.TaggedStruct("UnknownCommand", { name: S })
export const LineTooLong = Schema.TaggedStruct("LineTooLong", { max: N })
/** Telnet's timing mark, answered. */
export const TimingMarkDone = Schema.TaggedStruct("TimingMarkDone", {})
/** A connection the server does not take: `full`, `address` (per-IP limit) or `stopping`. */
export const Refused = Schema.TaggedStruct("Refused", {
  why: Schema.Literals(["full", "address", "stopping"]),
  limit: N
})

export const Reply = Schema.Union([
  Greeting,
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
  Sent,
  RoomList,
  TopicIs,
  Help,
  Usage,
  UnknownCommand,
  LineTooLong,
  TimingMarkDone,
  Refused
])
export type Reply = typeof Reply.Type
