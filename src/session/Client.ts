import type { MessageIds } from "../protocol/MessageId.js"
import * as Schema from "effect/Schema"
import type { Profile } from "../protocol/Profile.js"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type { Accounts } from "../accounts/Accounts.js"
import type { Hub } from "../hub/Hub.js"
import type { Counters } from "../observe/Stats.js"
import type { RoomRegistry } from "./RoomRegistry.js"
import type { ServerBans } from "./ServerBans.js"
import type { ServerOperators } from "./ServerOperators.js"
import type { Sessions } from "./Sessions.js"
import { CloseReason } from "../protocol/CloseReason.js"
import type { Nick, Room, SessionId } from "../protocol/Names.js"
import type { LineLimits } from "../wire/Codec.js"

/**
 * What the command interpreter (`Commands`, `RoomCommands`) works with: the
 * client it acts for, what every session of a listener shares with it, and
 * how a session's reading ends.
 */

/** The reading side of a session ended, and why. */
export class SessionClosed extends Schema.TaggedError<SessionClosed>()("SessionClosed", { reason: CloseReason }) {}

/** What the interpreter may see and change of the session it runs for. */
export interface Client {
  readonly id: SessionId
  nick: Nick | undefined
  /** The rooms it is in, in the order it joined them (one at most for a protocol with one room per session). */
  rooms: Array<Room>
  /** The account it identified as, if any. */
  account: string | undefined
  /** When it connected, and when it last said something in a room or to someone (ms since the epoch). */
  readonly since: number
  spoke: number
  /** Messages it sent (chat, actions, private messages). */
  messagesIn: number
  /** What it says of itself (set when it registers), as the hub has it. */
  profile: Omit<Profile, "account"> | undefined
  /** The client's address and port, as the log shows it. */
  readonly peer: string
  /** Its address, when the transport knows it. */
  readonly ip: string | undefined
  /** Whether it was warned that its password travelled unencrypted (once a connection). */
  warnedCleartext: boolean
  /** It set IRC's user mode `+w`: it is shown `WALLOPS`, as server operators are. */
  wallops: boolean
  /** The nicknames (in lower case) it accepts private messages from with caller-id on (IRC's `ACCEPT`, `+g`). */
  accepted: ReadonlyArray<string>
  /** The senders it silenced (IRC's `SILENCE`), as masks. */
  silenced: ReadonlyArray<string>
  /** When it last knocked on a room (IRC's `KNOCK`), in milliseconds since the epoch. */
  knocked: number | undefined
  /** The grace period it is in for a registered nickname, if any: a later warning, or identifying, ends an earlier one. */
  grace: object | undefined
  /** Ends the session (the first reason wins). */
  readonly close: (reason: CloseReason) => void
  /** The session just registered (the registration clock stops). */
  readonly registered: (nick: Nick) => Effect.Effect<void>
  /** A warning about this client, once per session. */
  readonly offend: (what: string) => Effect.Effect<void>
  /** Runs `effect` after `delay`, unless the session ends first. */
  readonly later: (delay: Duration.Input, effect: Effect.Effect<void>) => Effect.Effect<void>
}

/** What every session of a listener shares with the interpreter. */
export interface CommandEnv {
  readonly hub: Hub["Service"]
  readonly counters: Counters
  /** Counts a moderation action (its log line is the interpreter's). */
  readonly audited: (action: string) => void
  readonly limits: LineLimits
  /** The listener's protocol keeps a session in one room, or in any number. */
  readonly rooms: "one" | "many"
  /** Its clients are known only by their addresses (the seed protocol). */
  readonly anonymous: boolean
  readonly accounts: Accounts["Service"]
  /** Whether the listener speaks TLS (passwords then travel encrypted). */
  readonly encrypted: boolean
  /** Refuse passwords sent in clear from another machine. */
  readonly requireTlsForAuth: boolean
  /** The accounts with server operator powers. */
  readonly operators: ServerOperators["Service"]
  /** The server bans, looked up at registration and when a session identifies. */
  readonly serverBans: ServerBans["Service"]
  /** The registered rooms, looked up when a session joins one. */
  readonly registry: RoomRegistry["Service"]
  /** The live sessions of this server (one may lose its nickname to the account it belongs to). */
  readonly sessions: Pick<Sessions["Service"], "findNick" | "live" | "peaks">
  /** The time, in milliseconds since the epoch. */
  readonly now: () => number
  /** Gives each message its id. */
  readonly ids: MessageIds
  /** The server's name (IRC's) and its message of the day, as `MOTD` and `/motd` show it; when it started. */
  readonly about: { readonly server: string; readonly motd: ReadonlyArray<string>; readonly startedAt: number }
}
