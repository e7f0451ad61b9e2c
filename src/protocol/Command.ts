import * as Schema from "effect/Schema"
import { Nick, Room } from "./Names.js"

/** Free text typed by a user (messages, reasons), already sanitized by the codec. */
const Text = Schema.String

/** A line for the session's room. */
export const Say = Schema.TaggedStruct("Say", { text: Text })
/** An action, `* nick waves`. */
export const Me = Schema.TaggedStruct("Me", { text: Text })
/** A private message to one nickname. */
export const Msg = Schema.TaggedStruct("Msg", { nick: Nick, text: Text })
/** Registers with this nickname, or renames once registered. */
export const SetNick = Schema.TaggedStruct("Nick", { nick: Nick })
/** Moves to a room (the text protocol is in one room at a time). */
export const Join = Schema.TaggedStruct("Join", { room: Room })
export const Rooms = Schema.TaggedStruct("Rooms", {})
export const Who = Schema.TaggedStruct("Who", {})
/** Shows the room's topic (`text` absent), sets it, or clears it (`text` empty). */
export const Topic = Schema.TaggedStruct("Topic", { text: Schema.optional(Text) })
export const Help = Schema.TaggedStruct("Help", {})
export const Quit = Schema.TaggedStruct("Quit", { reason: Schema.optional(Text) })
/** Telnet's "are you there": answered in order with everything before it. */
export const TimingMark = Schema.TaggedStruct("TimingMark", {})

/** Everything a client can ask of the server, whatever its wire format. */
export const Command = Schema.Union([Say, Me, Msg, SetNick, Join, Rooms, Who, Topic, Help, Quit, TimingMark])
export type Command = typeof Command.Type
