import * as Schema from "effect/Schema"

/** 1-24 ASCII letters, digits, `_` or `-`. Unique ignoring case. */
export const Nick = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9_-]{1,24}$/, { message: "a nickname is 1-24 letters, digits, _ or -" })
).pipe(Schema.brand("Nick"))
export type Nick = typeof Nick.Type

/** `#` followed by 1-32 lower-case letters, digits, `_` or `-`. Input is folded to lower case and `#` is optional. */
export const Room = Schema.String.check(
  Schema.isPattern(/^#[a-z0-9_-]{1,32}$/, { message: "a room name is 1-32 letters, digits, _ or -" })
).pipe(Schema.brand("Room"))
export type Room = typeof Room.Type

/** The most rooms one session may be in at once. */
export const maxRoomsPerSession = 50

/** The longest topic, in UTF-8 bytes (longer ones are cut at a character boundary). */
export const maxTopicBytes = 390

/** Where a session is put when it registers; it always exists. */
export const Lobby = "#lobby" as Room

/** `#Dev`, `dev` and `#dev` all name the room `#dev`. */
export const normalizeRoom = (name: string): string => "#" + (name.startsWith("#") ? name.slice(1) : name).toLowerCase()

/** A connection's identity in the hub, unique within a server process. */
export type SessionId = string

/** Nicknames are unique ignoring case: this is the key they are compared by. */
export const nickKey = (nick: string): string => nick.toLowerCase()
