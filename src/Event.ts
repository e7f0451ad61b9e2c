import * as Schema from "effect/Schema"

/**
 * What travels through the hub. Events are plain data (JSON-safe, described by
 * {@link Event}) so that a hub spanning processes can carry them; every
 * listener renders them with its own codec, once per event, not per recipient.
 *
 * Addressing: `to` names one session; otherwise `room` names a room; with
 * neither the event is for everyone.
 */
export const Chat = Schema.TaggedStruct("Chat", { room: Schema.String, from: Schema.String, text: Schema.String })
export const Action = Schema.TaggedStruct("Action", { room: Schema.String, from: Schema.String, text: Schema.String })
export const Private = Schema.TaggedStruct("Private", { to: Schema.String, from: Schema.String, text: Schema.String })
/**
 * `session` entered `room`; from this event on, the session gets the room's
 * events. A `quiet` join (in a large room) is shown to the joining session only.
 */
export const Joined = Schema.TaggedStruct("Joined", {
  room: Schema.String,
  nick: Schema.String,
  session: Schema.String,
  quiet: Schema.optional(Schema.Boolean)
})
export const Left = Schema.TaggedStruct("Left", { room: Schema.String, nick: Schema.String, reason: Schema.String })
export const Renamed = Schema.TaggedStruct("Renamed", { room: Schema.String, from: Schema.String, nick: Schema.String })
export const Notice = Schema.TaggedStruct("Notice", {
  room: Schema.optional(Schema.String),
  to: Schema.optional(Schema.String),
  text: Schema.String
})

/**
 * The last event a session delivers (to one session, or with no `to` to every
 * session at shutdown): everything published to it before this still arrives.
 */
export const Closing = Schema.TaggedStruct("Closing", { to: Schema.optional(Schema.String), text: Schema.String })

export const Event = Schema.Union([Chat, Action, Private, Joined, Left, Renamed, Notice, Closing])
export type Event = typeof Event.Type

/**
 * An event on its way to its recipients, numbered in publication order and
 * addressed as the hub routed it: to the members of `room`, to the session
 * `to`, or (neither) to every session. Its wire form is cached by the first
 * codec that renders it.
 */
export class Envelope {
  encoded: Uint8Array | undefined = undefined
  encodedBy: unknown = undefined
  constructor(
    readonly event: Event,
    readonly seq: number,
    readonly room: string | undefined,
    readonly to: string | undefined
  ) {}
}

export const notice = (text: string, to?: string): Event =>
  to === undefined ? { _tag: "Notice", text } : { _tag: "Notice", to, text }
