import * as Schema from "effect/Schema"

/** The services' names: nobody may take one (a user named NickServ would be sent others' passwords). */
export const servicesNicks: ReadonlySet<string> = new Set(["nickserv", "chanserv", "operserv", "memoserv", "hostserv", "botserv", "services"])

/** 1-24 ASCII letters, digits, `_` or `-`, not a service's name. Unique ignoring case. */
export const Nick = Schema.String.check(
  // A letter or _ first: IRC clients take no nickname that starts with a digit or -.
  Schema.isPattern(/^[A-Za-z_][A-Za-z0-9_-]{0,23}$/, { message: "a nickname is 1-24 letters, digits, _ or -, a letter or _ first" }),
  Schema.makeFilter((nick: string) => !servicesNicks.has(nick.toLowerCase()) || "a service's name is no nickname")
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

/**
 * The nickname of a seed-protocol client, which chooses none: `seed-` and its port (`seed-54321`),
 * a name every protocol can address (`/msg seed-54321`, IRC's `PRIVMSG`); the log keeps its address.
 */
export const seedNick = (peer: string): Nick => `seed-${peer.slice(peer.lastIndexOf(":") + 1)}` as Nick

/** Whether a nickname is one `seedNick` gives: addressed by anyone, taken by no other client. */
export const isSeedNick = (nick: string): boolean => /^seed-\d/i.test(nick)

/** A connection's identity in the hub, unique within a server process. */
export type SessionId = string

/** Nicknames are unique ignoring case: this is the key they are compared by. */
/** The host every user is shown with (`nick!nick@hubbub`): hubbub shows no addresses. */
export const shownHost = "hubbub"

export const nickKey = (nick: string): string => nick.toLowerCase()
