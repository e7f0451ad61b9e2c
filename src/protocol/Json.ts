import * as Schema from "effect/Schema"
import { ModeLetter } from "./Modes.js"

/**
 * hubbub's JSON protocol, spoken on the WebSocket (`/ws`) and shared with the
 * chat page's code. Each WebSocket message carries one JSON object per line
 * (the server sends a turn's events together, one per line; a client usually
 * sends one message per frame, and a frame's last line needs no line end).
 */
const S = Schema.String
const optionalString = Schema.optional(S)
const flag = Schema.optional(Schema.Boolean)

/**
 * What a client sends: a line, read exactly as the text protocol reads one
 * (the nickname before registering, then chat or a `/` command).
 */
export const Line = Schema.Struct({ type: Schema.Literal("line"), text: S })
/**
 * Logs in to the account `nick` (the session's nickname when absent). Before a nickname is
 * chosen, it also takes the account's nickname: the page's way in with a password.
 */
export const Identify = Schema.Struct({ type: Schema.Literal("identify"), nick: optionalString, password: S })
/** Registers the session's nickname as an account with this password. */
export const Register = Schema.Struct({ type: Schema.Literal("register"), password: S })
/** Moves to `room` (`#` optional), with its `key` when it has one. */
export const Join = Schema.Struct({ type: Schema.Literal("join"), room: S, key: optionalString })
/**
 * Shows (no `change`) or changes the modes of `target`, the session's room when absent: `change`
 * as IRC writes it (`+ok`), `args` the arguments of its letters in order.
 */
export const Mode = Schema.Struct({ type: Schema.Literal("mode"), target: optionalString, change: optionalString, args: Schema.optional(Schema.Array(S)) })
/** Puts `nick` out of `room` (the session's room when absent). */
export const Kick = Schema.Struct({ type: Schema.Literal("kick"), nick: S, room: optionalString, reason: optionalString })
/** Invites `nick` into `room` (the session's room when absent). */
export const Invite = Schema.Struct({ type: Schema.Literal("invite"), nick: S, room: optionalString })
/**
 * The session's room's past messages (up to `limit`, at most 100): those `before` the message
 * with that id (scrolling up), those after the message `after` (catching up after a reconnection:
 * the newest of them), or the latest.
 */
export const HistoryRequest = Schema.Struct({
  type: Schema.Literal("history"),
  before: optionalString,
  after: optionalString,
  limit: Schema.optional(Schema.Number)
})
export const ClientMessage = Schema.Union([Line, Identify, Register, Join, Mode, Kick, Invite, HistoryRequest])
export type ClientMessage = typeof ClientMessage.Type

/** The server greets a new connection: choose a nickname. */
export const Hello = Schema.Struct({ type: Schema.Literal("hello"), text: S })
/** Registered as `nick`, in `room`. */
export const Welcome = Schema.Struct({ type: Schema.Literal("welcome"), nick: S, room: optionalString })
/** A line to a room; `action` for `/me`, `notice` for an IRC notice; `id` the message's (what `history` pages by). */
export const Chat = Schema.Struct({ type: Schema.Literal("chat"), room: S, from: S, text: S, action: flag, notice: flag, id: optionalString })
/** A private message: received (`from`) or, as confirmation, sent (`to`). */
export const Private = Schema.Struct({
  type: Schema.Literal("private"),
  from: optionalString,
  to: optionalString,
  text: S,
  action: flag,
  notice: flag,
  /** To the operators (`@`) or the voiced members and operators (`+`) of `room`, you among them. */
  room: optionalString,
  status: optionalString
})
export const Joined = Schema.Struct({ type: Schema.Literal("joined"), room: S, nick: S })
/** `quit` when the member left the server, not only the room; `by` the operator who kicked it out. */
export const Left = Schema.Struct({ type: Schema.Literal("left"), room: S, nick: S, reason: S, quit: flag, by: optionalString })
/** `from` is now `nick` (in `room`, or everywhere when there is no room: it is you). */
export const Renamed = Schema.Struct({ type: Schema.Literal("renamed"), room: optionalString, from: S, nick: S })
/** A room's topic: set by `by`, or as asked for (no `by`); no `topic` is none. */
export const Topic = Schema.Struct({ type: Schema.Literal("topic"), room: S, topic: optionalString, by: optionalString })
/** `by` changed the room's modes and its members' statuses (`o`, `v`: `arg` is the nickname), in order. */
export const ModeChanged = Schema.Struct({
  type: Schema.Literal("mode"),
  room: S,
  by: S,
  changes: Schema.Array(Schema.Struct({ on: Schema.Boolean, mode: ModeLetter, arg: optionalString }))
})
/** `by` invites you into `room`. */
export const Invited = Schema.Struct({ type: Schema.Literal("invited"), room: S, by: S })
/** A room's modes (`+iklmnst`), the key and limit in `params`; `created` in seconds since the epoch. */
export const Modes = Schema.Struct({
  type: Schema.Literal("modes"),
  target: S,
  modes: S,
  params: Schema.optional(Schema.Array(S)),
  created: Schema.optional(Schema.Number)
})
/** Who is in a room: `count` members, up to 100 `nicks`, and its operators and voiced members. */
export const Members = Schema.Struct({
  type: Schema.Literal("members"),
  room: S,
  count: Schema.Number,
  nicks: Schema.Array(S),
  operators: Schema.Array(S),
  voiced: Schema.optional(Schema.Array(S)),
  /** Those identified as their nickname's account (in answer to `/who`). */
  identified: Schema.optional(Schema.Array(S))
})
/** `locked`: invite only or keyed, its topic not shown. */
export const Rooms = Schema.Struct({
  type: Schema.Literal("rooms"),
  rooms: Schema.Array(Schema.Struct({ room: S, members: Schema.Number, topic: optionalString, locked: flag }))
})
/** Something the server says (a room's notice, an answer, the operator's announcement); lines joined by `\n`. */
export const Notice = Schema.Struct({ type: Schema.Literal("notice"), text: S, room: optionalString, operator: flag })
/** What the client asked for went wrong: `code` names it (`NickTaken`, `BadMessage`, ...), `text` says it. */
export const ErrorMessage = Schema.Struct({ type: Schema.Literal("error"), code: S, text: S })
export const Pong = Schema.Struct({ type: Schema.Literal("pong"), token: S })
/**
 * A room's messages, oldest first, for one who has just joined it, or (`asked`) in answer to a
 * `history` request; `at` in milliseconds since the epoch, `id` each message's (none for messages
 * kept before messages had ids).
 */
export const History = Schema.Struct({
  type: Schema.Literal("history"),
  room: S,
  entries: Schema.Array(Schema.Struct({ at: Schema.Number, from: S, text: S, action: flag, id: optionalString })),
  asked: flag
})
/**
 * What became of an account command (`/register`, `/identify`, ...), or of a registered nickname:
 * `what` names it (`identified`, `wrongPassword`, `protected`, `guest`, ...; see `AccountNote`),
 * `text` says it; `name` is the account, `nick` a nickname given instead, `seconds` a wait.
 */
export const Account = Schema.Struct({
  type: Schema.Literal("account"),
  what: S,
  text: S,
  name: optionalString,
  nick: optionalString,
  seconds: Schema.optional(Schema.Number)
})
/** The last message before the server closes the connection: why (`reason`, as the log names it), in words. */
export const Closing = Schema.Struct({ type: Schema.Literal("closing"), reason: S, text: optionalString })

export const ServerMessage = Schema.Union([
  Hello,
  Welcome,
  Chat,
  Private,
  Joined,
  Left,
  Renamed,
  Topic,
  ModeChanged,
  Invited,
  Modes,
  Members,
  Rooms,
  Notice,
  ErrorMessage,
  Pong,
  History,
  Account,
  Closing
])
export type ServerMessage = typeof ServerMessage.Type
