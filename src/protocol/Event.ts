import * as Schema from "effect/Schema"
import { CloseReason } from "./CloseReason.js"
import { ModeChange, Registration } from "./Modes.js"
import { Reply } from "./Reply.js"

/**
 * What travels through the hub. Events are plain data (JSON-safe, described
 * by {@link Event}) so that a hub spanning processes can carry them; every
 * listener renders them with its own codec, once per event, not per
 * recipient.
 *
 * Addressing: `to` names one session; otherwise `room` names a room; with
 * neither the event is for everyone.
 */
const S = Schema.String
const N = Schema.Number

/**
 * `session` is the sender's (a protocol that does not echo leaves its own
 * out); `notice` is IRC's NOTICE; `plain` marks a sender known only by its
 * address (the seed protocol), whose own kind shows the text alone. `id` is
 * the message's (`MessageIds`: the same on every server and in the store);
 * `tags` the client-only IRCv3 tags it came with (`+typing=active`), as sent.
 */
export const Chat = Schema.TaggedStruct("Chat", {
  room: S,
  from: S,
  text: S,
  session: Schema.optional(S),
  notice: Schema.optional(Schema.Boolean),
  plain: Schema.optional(Schema.Boolean),
  id: Schema.optional(S),
  tags: Schema.optional(S),
  /** The account the sender is identified as (IRC's `account-tag`), and whether it says it is a bot (IRC's `bot` tag). */
  account: Schema.optional(S),
  bot: Schema.optional(Schema.Boolean)
})
export const Action = Schema.TaggedStruct("Action", {
  room: S,
  from: S,
  text: S,
  session: Schema.optional(S),
  id: Schema.optional(S),
  tags: Schema.optional(S),
  account: Schema.optional(S),
  bot: Schema.optional(Schema.Boolean)
})
/**
 * To the session `to`, whose nickname is `nick`; with a `room` and a `status` (`@`, `+`), a message
 * to that room's operators (and voiced members), each sent one (IRC's `STATUSMSG`).
 */
export const Private = Schema.TaggedStruct("Private", {
  to: S,
  nick: S,
  from: S,
  text: S,
  notice: Schema.optional(Schema.Boolean),
  action: Schema.optional(Schema.Boolean),
  room: Schema.optional(S),
  status: Schema.optional(Schema.Literals(["@", "+"])),
  id: Schema.optional(S),
  tags: Schema.optional(S),
  account: Schema.optional(S),
  bot: Schema.optional(Schema.Boolean)
})
/**
 * IRCv3's `TAGMSG`: client-only tags (`tags`, as sent) and no text, from `from` (the session
 * `session`) to a `room` or to the session `to` (known as `nick`). Only clients that negotiated
 * `message-tags` are shown it.
 */
export const Tagged = Schema.TaggedStruct("Tagged", {
  room: Schema.optional(S),
  to: Schema.optional(S),
  nick: Schema.optional(S),
  from: S,
  session: S,
  tags: S,
  id: Schema.optional(S),
  account: Schema.optional(S),
  bot: Schema.optional(Schema.Boolean)
})
/**
 * `session` entered `room`; from this event on, the session gets the room's
 * events. A `quiet` join (in a room too large to announce it in) is
 * addressed to the joining session alone.
 */
export const Joined = Schema.TaggedStruct("Joined", {
  room: S,
  nick: S,
  session: S,
  quiet: Schema.optional(Schema.Boolean),
  /** Put back in the room after the other servers dropped its server (and showed it leaving): shown there, not on its own server. */
  back: Schema.optional(Schema.Boolean),
  /** The account it is identified as, and its real name (IRC's `extended-join`). */
  account: Schema.optional(S),
  realName: Schema.optional(S)
})
/**
 * `session` left `room`: the room's events up to this one still reach it,
 * none after. A `quiet` one is addressed to the leaving session alone. A
 * session that leaves the server (`quit`) leaves each of its rooms with one.
 */
export const Left = Schema.TaggedStruct("Left", {
  room: S,
  nick: S,
  session: S,
  /** Why; empty when no reason was given. */
  reason: S,
  quit: Schema.optional(Schema.Boolean),
  quiet: Schema.optional(Schema.Boolean),
  /** Kicked out by this nickname (a room operator), `reason` its reason. */
  by: Schema.optional(S)
})
/** `from` is now `nick`; each of its rooms is told, and `change` is the same in every one of them. */
export const Renamed = Schema.TaggedStruct("Renamed", {
  room: S,
  from: S,
  nick: S,
  change: S,
  /**
   * The session renamed, when the hub renamed it because another server's user had its nickname
   * while the servers were apart: the other servers, which never saw it under that name, show it
   * joining under its new one.
   */
  clash: Schema.optional(S)
})
/** The room's topic was set (or cleared: no `topic`) by `by`. */
export const TopicChanged = Schema.TaggedStruct("TopicChanged", { room: S, by: S, topic: Schema.optional(S) })
/** `by` changed the room's modes (or its members' statuses), as `changes` say, in order. */
export const ModeChanged = Schema.TaggedStruct("ModeChanged", { room: S, by: S, changes: Schema.Array(ModeChange) })
/** `by` invited the session `to` (known as `nick`) into `room`. */
export const Invited = Schema.TaggedStruct("Invited", { to: S, nick: S, room: S, by: S, account: Schema.optional(S) })
/** A line from the server or a bot, to a room, a session or everyone. */
export const Notice = Schema.TaggedStruct("Notice", {
  room: Schema.optional(S),
  to: Schema.optional(S),
  text: S,
  /**
   * Between servers, not shown: the session `to` gives the nickname `yields` up to its account,
   * identified on another server (`apart`: the servers gave it out twice while apart), and its hub renames it.
   */
  yields: Schema.optional(S),
  apart: Schema.optional(Schema.Boolean),
  /** Between servers, not shown: the account `drops` was dropped, and no session is identified as it any more. */
  drops: Schema.optional(S),
  /** Between servers, not shown: the session `to` is to be disconnected by the server operator `kills` (`text`: why). */
  kills: Schema.optional(S),
  /** Between servers, not shown: a nickname came `online` or went `offline` (IRC's MONITOR: each server tells its watchers). */
  online: Schema.optional(S),
  offline: Schema.optional(S),
  /** Between servers, not shown: what a member changed of itself (as `MemberChanged`), and its rooms: its watchers in none of them are told. */
  changed: Schema.optional(Schema.Struct({ nick: S, change: S, what: Schema.Literals(["away", "account", "realName"]), value: Schema.optional(S), rooms: Schema.Array(S) }))
})
/** A server operator's line (`from`) to every server operator; every other session leaves it out. */
export const WallopsSent = Schema.TaggedStruct("Wallops", { from: S, text: S })
/**
 * Not shown: a server ban set (`on`) or lifted, handed to every session on every server. Each
 * server learns it (for the connections it takes next), and each session it is for ends.
 */
export const ServerBanChanged = Schema.TaggedStruct("ServerBanChanged", {
  on: Schema.Boolean,
  mask: S,
  reason: S,
  by: S,
  at: N,
  expires: Schema.optional(N)
})
/**
 * Not shown: a room registered, its settings changed (`registration`), or dropped (none), handed to
 * every session on every server: each server learns it, for the next time the room is made.
 */
export const RoomRegistered = Schema.TaggedStruct("RoomRegistered", { room: S, registration: Schema.optional(Registration) })
/** Not shown, between servers: what each server learns (`Hub.tellServers`). */
export type ServerNote = typeof ServerBanChanged.Type | typeof RoomRegistered.Type
/** The operator's announcement to everyone. */
export const Announcement = Schema.TaggedStruct("Announcement", { text: S })
/** An answer to one session, known as `nick` when it has a nickname. */
export const Answer = Schema.TaggedStruct("Answer", { to: S, nick: Schema.optional(S), reply: Reply })
/**
 * The last event a session delivers: everything published to it before this
 * still arrives. Each session publishes its own (`to` itself); one with no
 * `to` closes every session, now and any that subscribes later.
 */
export const Closing = Schema.TaggedStruct("Closing", {
  to: Schema.optional(S),
  nick: Schema.optional(S),
  reason: CloseReason
})

/**
 * Something a member says of itself changed, as each room it is in hears it: it went away
 * (`what: "away"`, `value` why) or came back (no `value`), identified as the account `value` or
 * logged out (`"account"`), or set its real name to `value` (`"realName"`). `change` is the same
 * in every room (a client shows it once). Only IRC clients that asked for it (`away-notify`,
 * `account-notify`, `setname`) are shown it. Addressed `to` one session rather than a `room`: a
 * watcher of the member in none of its rooms (shown only to those with IRC's `extended-monitor`).
 */
export const MemberChanged = Schema.TaggedStruct("MemberChanged", {
  room: Schema.optional(S),
  to: Schema.optional(S),
  nick: S,
  change: S,
  what: Schema.Literals(["away", "account", "realName"]),
  value: Schema.optional(S)
})
/** `by` invited `nick` into `room`: its members are told (IRC's `invite-notify` clients are shown it). */
export const InviteNoted = Schema.TaggedStruct("InviteNoted", { room: S, by: S, nick: S })

export const Event = Schema.Union([
  Chat,
  Action,
  Private,
  Tagged,
  Joined,
  Left,
  Renamed,
  MemberChanged,
  InviteNoted,
  TopicChanged,
  ModeChanged,
  Invited,
  Notice,
  WallopsSent,
  ServerBanChanged,
  RoomRegistered,
  Announcement,
  Answer,
  Closing
])
export type Event = typeof Event.Type

/** An answer to one session (known as `nick`), as an event. */
export const answer = (to: string, reply: Reply, nick?: string): Event =>
  nick === undefined ? { _tag: "Answer", to, reply } : { _tag: "Answer", to, nick, reply }

/** A rename as the rooms given hear it, or, when none is given (none announces it), as the session alone is told. */
export const renamed = (session: string, from: string, nick: string, change: string, rooms: ReadonlyArray<string>): ReadonlyArray<Event> =>
  rooms.length === 0
    ? [answer(session, { _tag: "NowKnownAs", from, nick }, nick)]
    : rooms.map((room): Event => ({ _tag: "Renamed", room, from, nick, change }))

/**
 * An event on its way to its recipients, numbered in publication order and
 * addressed as the hub routed it: to the members of `room`, to the session
 * `to`, or (neither) to every session. Codecs keep its wire forms themselves.
 */
export class Envelope {
  constructor(
    readonly event: Event,
    readonly seq: number,
    readonly room: string | undefined,
    readonly to: string | undefined,
    /** When it was published, in milliseconds since the epoch (for the time from publish to write). */
    readonly at: number = 0
  ) {}
}
