import * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"

/**
 * Why a session ended. The first reason wins; it is logged (`label`), told
 * to the session's rooms (`left`) and, as the session's last line, to the
 * client itself (`farewell`). Every text about it lives in {@link closeTexts}.
 */
export const CloseReason = Schema.Union([
  /** The client asked to leave (`/quit`, a bare `quit`, telnet's interrupt). */
  Schema.TaggedStruct("Quit", { message: Schema.optional(Schema.String) }),
  /** The client closed its side; it may still read what was sent to it. */
  Schema.TaggedStruct("Closed", {}),
  /** The connection broke: nobody is left to read. */
  Schema.TaggedStruct("Reset", {}),
  /** More than `limit` bytes waited for a client that does not read. */
  Schema.TaggedStruct("Slow", { limit: Schema.Number }),
  /** A write was not taken within `millis`. */
  Schema.TaggedStruct("Stalled", { millis: Schema.Number }),
  /** Over its flood budget (`rate` lines a second) without a pause for `millis`. */
  Schema.TaggedStruct("Flood", { rate: Schema.Number, bytes: Schema.Number, millis: Schema.Number }),
  /** No complete line for `millis`. */
  Schema.TaggedStruct("Idle", { millis: Schema.Number }),
  /** No answer to the server's ping within `millis` (IRC). */
  Schema.TaggedStruct("PingTimeout", { millis: Schema.Number }),
  /** No nickname chosen within `millis`. */
  Schema.TaggedStruct("Unregistered", { millis: Schema.Number }),
  /** It sent a message larger than its transport takes (a WebSocket frame over the limit, closed with 1009). */
  Schema.TaggedStruct("TooLarge", {}),
  /** The operator disconnected it. */
  Schema.TaggedStruct("Kicked", { message: Schema.optional(Schema.String) }),
  /** A server operator (`by`) disconnected it, saying why. */
  Schema.TaggedStruct("Killed", { by: Schema.String, message: Schema.String }),
  /** A server ban is for it (`/kline`, the console's `ban`), saying why. */
  Schema.TaggedStruct("Banned", { message: Schema.String }),
  /** The server is stopping. */
  Schema.TaggedStruct("Shutdown", {}),
  /** The server is draining for a restart: reconnect (to another server, behind a load balancer). */
  Schema.TaggedStruct("Restarting", {})
])
export type CloseReason = typeof CloseReason.Type
export type CloseTag = CloseReason["_tag"]

type Of<T extends CloseTag> = Extract<CloseReason, { readonly _tag: T }>

interface Texts<R extends CloseReason> {
  /** The one-word reason in the log line of a closed connection. */
  readonly label: string
  /** The reason the session's rooms are given; none at shutdown, when everyone leaves. */
  readonly left: (reason: R) => string | undefined
  /** The last line the client reads; none when nobody is left to read it. */
  readonly farewell: (reason: R, nick: string | undefined) => string | undefined
  /** The reason in a few words, as an IRC `ERROR` line gives it. */
  readonly brief: (reason: R) => string
  /** Whether a client that misbehaved this way earns a warning in the log. */
  readonly offence?: (reason: R) => string
}

const seconds = (millis: number) => Duration.format(Duration.millis(millis))
const goodbye = (nick: string | undefined) => nick === undefined ? "Goodbye." : `Goodbye, ${nick}.`
const withMessage = (word: string, message: string | undefined) => message === undefined ? word : `${word}: ${message}`

/** Every text about a close reason, in one table. */
export const closeTexts: { readonly [T in CloseTag]: Texts<Of<T>> } = {
  Quit: {
    label: "quit",
    left: (r) => withMessage("quit", r.message),
    farewell: (_, nick) => goodbye(nick),
    brief: (r) => withMessage("Quit", r.message)
  },
  Closed: {
    label: "closed",
    left: () => "connection closed",
    farewell: (_, nick) => goodbye(nick),
    brief: () => "Connection closed"
  },
  Reset: {
    label: "reset",
    left: () => "connection reset",
    farewell: () => undefined,
    brief: () => "Connection reset"
  },
  Slow: {
    label: "slow",
    left: () => "disconnected: too slow",
    farewell: (r) => `Disconnected: you are not reading fast enough (more than ${r.limit} bytes waiting for you).`,
    brief: (r) => `Too slow: more than ${r.limit} bytes waiting`,
    offence: (r) => `slow client: more than ${r.limit} bytes waiting for it`
  },
  Stalled: {
    label: "slow",
    left: () => "disconnected: too slow",
    farewell: (r) => `Disconnected: you did not read for ${seconds(r.millis)}.`,
    brief: (r) => `Too slow: nothing read for ${seconds(r.millis)}`,
    offence: (r) => `slow client: a write not taken for ${seconds(r.millis)}`
  },
  Flood: {
    label: "flood",
    left: () => "disconnected: flooding",
    farewell: (r) =>
      `Disconnected: flooding (more than ${r.rate} lines or ${r.bytes} bytes a second for ${seconds(r.millis)}).`,
    brief: () => "Excess flood",
    offence: (r) => `flooding for ${seconds(r.millis)}`
  },
  Idle: {
    label: "idle",
    left: () => "disconnected: idle",
    farewell: (r) => `Disconnected: no message for ${seconds(r.millis)}.`,
    brief: (r) => `Idle for ${seconds(r.millis)}`,
    offence: () => "idle timeout"
  },
  PingTimeout: {
    label: "ping timeout",
    left: (r) => `ping timeout: ${seconds(r.millis)}`,
    farewell: (r) => `Disconnected: no answer to a ping for ${seconds(r.millis)}.`,
    brief: (r) => `Ping timeout: ${seconds(r.millis)}`
  },
  Unregistered: {
    label: "unregistered",
    left: () => "disconnected: no nickname",
    farewell: (r) => `Disconnected: no nickname chosen within ${seconds(r.millis)}.`,
    brief: (r) => `Registration timeout: ${seconds(r.millis)}`,
    offence: () => "no nickname within the registration timeout"
  },
  TooLarge: {
    label: "too large",
    left: () => "disconnected: message too large",
    // The transport has closed already (with its own code: WebSocket's 1009, Message Too Big).
    farewell: () => undefined,
    brief: () => "Message too large",
    offence: () => "a message larger than the limit"
  },
  Kicked: {
    label: "kicked",
    left: (r) => withMessage("kicked", r.message),
    farewell: (r) =>
      r.message === undefined
        ? "You have been disconnected by the operator."
        : `You have been disconnected by the operator: ${r.message}`,
    brief: (r) => withMessage("Kicked by the operator", r.message)
  },
  Killed: {
    label: "killed",
    left: (r) => `killed by ${r.by}${r.message === "" ? "" : `: ${r.message}`}`,
    farewell: (r) => `You have been disconnected by ${r.by}${r.message === "" ? "" : `: ${r.message}`}`,
    brief: (r) => `Killed by ${r.by}${r.message === "" ? "" : ` (${r.message})`}`
  },
  Banned: {
    label: "banned",
    left: (r) => `banned from the server: ${r.message}`,
    farewell: (r) => `Banned from this server: ${r.message}`,
    brief: (r) => `Banned: ${r.message}`,
    offence: () => "a server ban is for it"
  },
  Shutdown: {
    label: "shutdown",
    left: () => "server shutting down",
    farewell: () => "Server shutting down. Goodbye.",
    brief: () => "Server shutting down"
  },
  Restarting: {
    label: "restart",
    left: () => "server restarting",
    farewell: () => "Server restarting: reconnect to carry on.",
    brief: () => "Server restarting, reconnect"
  }
}

const texts = <R extends CloseReason>(reason: R): Texts<R> => closeTexts[reason._tag] as unknown as Texts<R>

/** The one-word reason for the log. */
export const closeLabel = (reason: CloseReason): string => texts(reason).label
/** What the rooms of a session that ended this way are told, if anything. */
export const leftText = (reason: CloseReason): string | undefined => texts(reason).left(reason)
/** The last line a client that ended this way reads, if anything. */
export const farewellText = (reason: CloseReason, nick: string | undefined): string | undefined =>
  texts(reason).farewell(reason, nick)
/** The reason in a few words (IRC's `ERROR` line). */
export const briefText = (reason: CloseReason): string => texts(reason).brief(reason)
/** The warning a client that ended this way earns, if any. */
export const offenceText = (reason: CloseReason): string | undefined => texts(reason).offence?.(reason)

/** The reasons, by tag: `CloseReasons.Quit({})`. */
export const CloseReasons = {
  Quit: (message?: string): CloseReason => message === undefined ? { _tag: "Quit" } : { _tag: "Quit", message },
  Closed: { _tag: "Closed" } as CloseReason,
  Reset: { _tag: "Reset" } as CloseReason,
  Shutdown: { _tag: "Shutdown" } as CloseReason,
  Restarting: { _tag: "Restarting" } as CloseReason,
  Kicked: (message?: string): CloseReason => message === undefined ? { _tag: "Kicked" } : { _tag: "Kicked", message },
  Killed: (by: string, message: string): CloseReason => ({ _tag: "Killed", by, message }),
  Banned: (message: string): CloseReason => ({ _tag: "Banned", message })
} as const
