import type { LineRange } from "../protocol/HistoryRange.js"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { Envelope, Event, ServerNote } from "../protocol/Event.js"
import type { Ban, ModeChange, RoomModes } from "../protocol/Modes.js"
import type { Nick, Room, SessionId } from "../protocol/Names.js"
import type { Departed, Profile } from "../protocol/Profile.js"
import type { HistoryEntry } from "../protocol/Reply.js"
import type { RoomTopic, TopicSetter } from "../protocol/Topic.js"
import type { HubError } from "./HubError.js"

export { CannotJoin, HubError, NickInUse, NoSuchNick, NoSuchRoom, NotInRoom, NotMember, NotOperator, NotRegistered } from "./HubError.js"

/**
 * Where the hub delivers one subscribed session's events: called in the hub's
 * delivery pass with the session's next events, in publication order. The
 * members of a room are handed the very same array of that room's events,
 * so a codec renders it once for all of them (`Codec.encodeRun`). It runs
 * inside the pass: it must not block, and should not throw (a recipient that
 * throws is dropped and the failure logged).
 */
export interface Recipient {
  readonly deliver: (events: ReadonlyArray<Envelope>) => void
  /**
   * The hub gave the session another nickname on its own (two servers held the same one after
   * they were apart): called before the rename is published.
   */
  readonly renamed?: (nick: Nick) => void
  /**
   * The account the session was identified as was dropped on another server: the session is
   * identified no more, tells its rooms (account-notify) and is told.
   */
  readonly loggedOut?: (account: string) => Effect.Effect<void>
  /** An operator took the session out of a room (a kick): called before the room is told. */
  readonly removed?: (room: Room) => void
  /** A server operator (`by`) disconnects the session, saying why. */
  readonly killed?: (by: string, reason: string) => void
}

export interface Member {
  readonly session: SessionId
  readonly nick: Nick
  /** Why it is away, when it is. */
  readonly away?: string
  /** With caller-id on (`+g`): the nicknames (in lower case) whose private messages it takes. */
  readonly accepts?: ReadonlyArray<string>
}

/** A session as `WHO` lists it: what it tells of itself (none when it has not said, or Redis lost it). */
export interface Described {
  readonly session: SessionId
  readonly nick: Nick
  readonly profile: Profile | undefined
}

/** A session as `WHOIS` shows it: with its rooms, each with its status there (`@`, `+` or none) and whether it is secret. */
export interface Whois extends Described {
  readonly rooms: ReadonlyArray<readonly [room: Room, status: "@" | "+" | "", secret: boolean]>
}

/**
 * Who is in a room: how many, and up to 100 of their nicknames, alphabetical
 * when the room has no more than that, else 100 of them (the memory hub's
 * first 100 to join; the Redis hub's first 100 Redis lists).
 */
export interface Roster {
  readonly room: Room
  readonly count: number
  readonly nicks: ReadonlyArray<Nick>
  /** Its operators among `nicks` (its creator, and whom operators gave the status to). */
  readonly operators: ReadonlyArray<Nick>
  /** Those among `nicks` with a voice. */
  readonly voiced: ReadonlyArray<Nick>
  readonly modes: RoomModes
  /** When it was made, in milliseconds since the epoch (0 for `#lobby`). */
  readonly created: number
  /** Its bans and quiets that have not run out. */
  readonly bans: ReadonlyArray<Ban>
}

/** What a member changed of itself, as its rooms hear it (`MemberChanged`): what its watchers are told. */
export interface SelfChange {
  readonly nick: string
  readonly change: string
  readonly what: "away" | "account" | "realName"
  readonly value?: string | undefined
}

export interface Census {
  readonly users: number
  readonly servers: number
  readonly rooms: number
}

export interface RoomInfo {
  readonly room: Room
  readonly members: number
  readonly topic: string | undefined
  readonly modes: RoomModes
  /** Its bans and quiets that have not run out. */
  readonly bans: ReadonlyArray<Ban>
}

/** What a store kept of a room: its topic (who set it and when, if kept) and its last messages, oldest first. */
export interface RoomKept {
  readonly topic: string | undefined
  readonly topicSetter?: TopicSetter | undefined
  readonly history: ReadonlyArray<HistoryEntry>
}

/** What a registered room is made with, and whether the joiner is one of its operators (by account). */
export interface JoinSeed {
  readonly modes: RoomModes
  readonly bans: ReadonlyArray<Ban>
  readonly operator: boolean
  /** Whether the joiner's account holds an invitation the room keeps: it lets it past every mode but a ban. */
  readonly invited?: boolean
}

export interface Joined {
  readonly roster: Roster
  readonly topic: string | undefined
  /** Who set the topic and when, when known (IRC's 333). */
  readonly topicSetter?: TopicSetter | undefined
  /** The room's last messages (up to `history` of them), oldest first. */
  readonly history: ReadonlyArray<HistoryEntry>
  /** Whether the session was already in the room (then nothing was published). */
  readonly already: boolean
}

/**
 * The hub: who is connected under which nickname, who is in which rooms and
 * what their topics are, and the delivery of every event to the sessions it
 * is for, in publication order.
 *
 * The contract every hub layer keeps (the conformance suite in
 * `test/hub/contract.ts` checks it):
 * - A subscribed session receives, in publication order, the events
 *   addressed to it, those for everyone, and those of each room it is in,
 *   from its own `Joined` in that room up to its own `Left` from it.
 * - Everyone in a room receives its events in the same order.
 * - Nicknames are unique ignoring case.
 * - Membership changes publish their own events (joins, leaves, renames,
 *   topics), so a room sees them in order with its messages; a room with
 *   more members than `announceMaxMembers` is told nothing of comings and
 *   goings (the session concerned still is).
 * - After a `Closing` to everyone, a session that subscribes gets one too.
 * - Joining a room gives its last messages (chat and actions, up to
 *   `history`), for as long as the room exists.
 *
 * Its layers come with their implementations: `HubMemory.layer` for one
 * process, `HubRedis.layer` for several servers through Redis.
 */
export class Hub extends Context.Service<Hub, {
  /** Registers a session under a nickname, or renames it (telling its rooms). */
  readonly claimNick: (session: SessionId, nick: Nick) => Effect.Effect<void, HubError>
  /**
   * The account a session is identified as (`undefined`: none). Across servers, a session identified
   * as its nickname's account keeps it against one that is not: it takes it back from another
   * server's unidentified holder (renamed to a `GuestNNNN` and told), and keeps it when servers that
   * were apart both gave it out. On one server, sessions settle it themselves (`AccountCommands`).
   */
  readonly identified: (session: SessionId, account: string | undefined) => Effect.Effect<void>
  /** Where a registered session connects from: its address, which bans may match (nobody is shown it). */
  readonly locate: (session: SessionId, host: string | undefined) => Effect.Effect<void>
  /**
   * An account was dropped on this server: sessions identified as it on the others are identified
   * no more, and told so. This server's own sessions are the caller's to settle.
   */
  readonly accountDropped: (account: string) => Effect.Effect<void>
  /**
   * Puts a registered session in `room` (created on demand, its creator its operator), telling the
   * room. An invitation lets the session past `+i`, `+k` and `+l`, and is used up; else a `+i` room
   * refuses it, a `+k` one unless `key` is its key, a `+l` one when full. A registered room's `seed`
   * gives it its modes and bans when it is made (its creator is no operator then), and makes a
   * joiner it names `operator` one, past every mode and ban.
   */
  readonly join: (session: SessionId, room: Room, key?: string, seed?: JoinSeed) => Effect.Effect<Joined, HubError>
  /**
   * A room operator's changes to the room's modes and its members' statuses (`o`, `v`: the
   * member named by `arg`), bans and quiets (`b`, `q`: a mask as `normalizeMask` keeps it; a ban
   * with `kick` puts the members it is for out of the room). Those that change nothing, keys that
   * are not `validKey` and bans past `maxBans` are left out; the rest are told to the room as one
   * `ModeChanged`, and returned. A ban keeps its members from joining, and (as a quiet does) from
   * speaking, unless they operate the room or have a voice.
   */
  readonly changeModes: (session: SessionId, room: Room, changes: ReadonlyArray<ModeChange>) => Effect.Effect<ReadonlyArray<ModeChange>, HubError>
  /** A room operator takes `nick` out of the room, telling the room (and it) who and why. */
  readonly kick: (session: SessionId, room: Room, nick: string, reason: string) => Effect.Effect<void, HubError>
  /**
   * A member invites `nick` into the room (an operator, when the room is invite only): the
   * invitation lasts until used (or the room is gone), and the invitee is told.
   */
  readonly invite: (session: SessionId, room: Room, nick: string, account?: string) => Effect.Effect<Member, HubError>
  /**
   * Whether a member may speak in a room: not when it is moderated and the member is neither an
   * operator nor voiced. A lookup in this server's memory, asked for every line: kept up to date by
   * the room's `ModeChanged` events as they reach this server.
   */
  readonly speaks: (session: SessionId, room: Room) => boolean
  /** A server operator's line to every server operator on every server (the sessions leave it out for anyone else). */
  readonly wallops: (from: string, text: string) => Effect.Effect<void>
  /**
   * What every server learns (a server ban set or lifted, a room registered or dropped), handed to
   * every session on every server (a session a server ban is for ends).
   */
  readonly tellServers: (note: ServerNote) => Effect.Effect<void>
  /** Disconnects a session, on whichever server it is (its `Recipient.killed`): a server operator's (`by`) kill. */
  readonly disconnect: (session: SessionId, by: string, reason: string) => Effect.Effect<void>
  /** Takes a session out of `room`, telling the room why. */
  readonly part: (session: SessionId, room: Room, reason: string) => Effect.Effect<void, HubError>
  /** Forgets a session: frees its nickname, takes it out of its rooms (telling them why, when there is a reason). */
  readonly leave: (session: SessionId, reason: string | undefined) => Effect.Effect<void>
  /**
   * Sets (or with `undefined` clears) a room's topic, telling the room; the setter (its nickname as
   * shown) and the time are kept with it. Who and when it changed (`undefined`: it was that already).
   */
  readonly setTopic: (session: SessionId, room: Room, topic: string | undefined) => Effect.Effect<TopicSetter | undefined, HubError>
  readonly findNick: (nick: string) => Effect.Effect<Member | undefined>
  readonly roster: (room: Room) => Effect.Effect<Roster | undefined>
  /** Up to `limit` registered sessions whose nickname matches `mask` (`*` any run, `?` any one character; ignoring case). */
  readonly matchNicks: (mask: string, limit: number) => Effect.Effect<ReadonlyArray<Member>>
  /**
   * Gives an existing room what a store kept of it, telling no one, where it has nothing: its topic
   * if it has none, its history if it has none. For a room whose hub lost them (Redis restarted empty).
   */
  readonly restoreRoom: (room: Room, kept: RoomKept) => Effect.Effect<void>
  /** A room's topic (`undefined` when it has none or does not exist). */
  readonly topic: (room: Room) => Effect.Effect<string | undefined>
  /** The same, with who set it and when (when known): one read, so the two go together. */
  readonly topicInfo: (room: Room) => Effect.Effect<RoomTopic | undefined>
  /**
   * A room's past messages in `range`, oldest first (`CHATHISTORY`, `/history`): what the hub
   * keeps (its last `history` messages), and all the store kept when there is one. Off the messages' way.
   */
  readonly backlog: (room: Room, range: LineRange) => Effect.Effect<ReadonlyArray<HistoryEntry>>
  readonly rooms: Effect.Effect<ReadonlyArray<RoomInfo>>
  /** How many users (with a nickname), servers and rooms the chat has, all servers counted. */
  readonly census: Effect.Effect<Census>
  /** What a session tells of itself, at registration and as it changes (away, back); the account is `identified`'s. */
  readonly describe: (session: SessionId, profile: Omit<Profile, "account">) => Effect.Effect<void>
  /** What the sessions of these nicknames tell of themselves, for those that exist, as `WHO` lists them. */
  readonly profiles: (nicks: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Described>>
  /**
   * IRC's MONITOR: `session` watches these nicknames too, each once (ignoring case), at most
   * `maxMonitored` in all; returns those that did not fit. It is answered `Monitored` (`online`,
   * `offline`) as each comes and goes on any server, and handed what each changes of itself
   * (`MemberChanged` to it) while they share no room. Its list goes when it leaves.
   */
  readonly watch: (session: SessionId, nicks: ReadonlyArray<Nick>) => Effect.Effect<ReadonlyArray<Nick>>
  /** The session watches these nicknames no more: those given, or every one. */
  readonly unwatch: (session: SessionId, nicks?: ReadonlyArray<string>) => Effect.Effect<void>
  /** The nicknames a session watches, as it named them. */
  readonly watching: (session: SessionId) => Effect.Effect<ReadonlyArray<Nick>>
  /** A session changed what it says of itself (its rooms are told with `MemberChanged`): its watchers in none of its rooms are told. */
  readonly tellWatchers: (session: SessionId, change: SelfChange) => Effect.Effect<void>
  /** Who had `nick` lately and left (`WHOWAS`), the latest first. */
  readonly whowas: (nick: string) => Effect.Effect<ReadonlyArray<Departed>>
  /** Who holds `nick`, what it tells of itself and where it is: `WHOIS`. */
  readonly whois: (nick: string) => Effect.Effect<Whois | undefined>
  /** The rooms a session is in. */
  readonly roomsOf: (session: SessionId) => Effect.Effect<ReadonlyArray<Room>>
  /** Publishes one event; an event for a room that does not exist or a session that is not subscribed goes nowhere. */
  readonly publish: (event: Event) => Effect.Effect<void>
  /** Publishes several events at once, in order. */
  readonly publishAll: (events: ReadonlyArray<Event>) => Effect.Effect<void>
  /**
   * Subscribes a session: from now on, and for as long as the scope lasts,
   * its events are handed to `recipient`.
   */
  readonly subscribe: (session: SessionId, recipient: Recipient) => Effect.Effect<void, never, Scope.Scope>
  /** Every event, as it is published (a bot, a bridge, a logger). */
  readonly events: Stream.Stream<Envelope>
  /**
   * Its link to other servers: `alone` for a hub of one process; else whether the link is up now,
   * and `degraded` while it is up but refuses what this server sends.
   */
  readonly link: Effect.Effect<"alone" | "up" | "degraded" | "down">
  /** How many commands the other servers' link refused (0 for a hub of one process). */
  readonly refusals: Effect.Effect<number>
}>()("hubbub/Hub") {}
