import * as Result from "effect/Result"
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

export const Lobby = "#lobby" as Room

/** Free text typed by a user: reasons, messages. Already sanitized. */
const Text = Schema.String

export const Say = Schema.TaggedStruct("Say", { text: Text })
export const SetNick = Schema.TaggedStruct("Nick", { nick: Nick })
export const Join = Schema.TaggedStruct("Join", { room: Room })
export const Rooms = Schema.TaggedStruct("Rooms", {})
export const Who = Schema.TaggedStruct("Who", {})
export const Me = Schema.TaggedStruct("Me", { text: Text })
export const Msg = Schema.TaggedStruct("Msg", { nick: Nick, text: Text })
export const Help = Schema.TaggedStruct("Help", {})
export const Quit = Schema.TaggedStruct("Quit", { reason: Schema.optional(Text) })

/** Everything a client can ask of the server, one per line. */
export const Command = Schema.Union([Say, SetNick, Join, Rooms, Who, Me, Msg, Help, Quit])
export type Command = typeof Command.Type

/** A line that is not a valid command; `message` is shown to the client as a notice. */
export class CommandError extends Schema.TaggedError<CommandError>()("CommandError", {
  message: Schema.String
}) {}

const usage: Record<string, string> = {
  nick: "/nick NAME",
  join: "/join ROOM",
  me: "/me ACTION",
  msg: "/msg NICK TEXT"
}

/** The commands, one line each, as `/help` shows them. */
export const helpLines: ReadonlyArray<string> = [
  "Commands:",
  "  /nick NAME        change your nickname (1-24 letters, digits, _ or -)",
  "  /join ROOM        move to another room (# optional; created on demand)",
  "  /rooms            list rooms and how many are in each",
  "  /who              list the members of your room",
  "  /me ACTION        send an action, shown as * nick ACTION",
  "  /msg NICK TEXT    send a private message",
  "  /quit [REASON]    leave (a bare quit works too)",
  "  /help             this list",
  "Any other line is sent to your room; start it with // to send a line beginning with /."
]

const decodeCommand = Schema.decodeUnknownResult(Command)

const splitWord = (text: string): readonly [string, string] => {
  const space = text.search(/\s/)
  return space === -1 ? [text, ""] : [text.slice(0, space), text.slice(space + 1).trim()]
}

/** `#Dev`, `dev` and `#dev` all name the room `#dev`. */
export const normalizeRoom = (name: string): string => "#" + (name.startsWith("#") ? name.slice(1) : name).toLowerCase()

const raw = (line: string): Result.Result<unknown, string> => {
  if (line === "quit") return Result.succeed({ _tag: "Quit" })
  if (!line.startsWith("/")) return Result.succeed({ _tag: "Say", text: line })
  if (line.startsWith("//")) return Result.succeed({ _tag: "Say", text: line.slice(1) })
  const [name, rest] = splitWord(line.slice(1))
  switch (name.toLowerCase()) {
    case "nick":
      return Result.succeed({ _tag: "Nick", nick: rest })
    case "join":
      return Result.succeed({ _tag: "Join", room: normalizeRoom(rest) })
    case "rooms":
      return Result.succeed({ _tag: "Rooms" })
    case "who":
      return Result.succeed({ _tag: "Who" })
    case "me":
      return rest === "" ? Result.fail("me") : Result.succeed({ _tag: "Me", text: rest })
    case "msg": {
      const [nick, text] = splitWord(rest)
      return text === "" ? Result.fail("msg") : Result.succeed({ _tag: "Msg", nick, text })
    }
    case "help":
      return Result.succeed({ _tag: "Help" })
    case "quit":
      return Result.succeed(rest === "" ? { _tag: "Quit" } : { _tag: "Quit", reason: rest })
    default:
      return Result.fail(name)
  }
}

/**
 * Decodes one (sanitized, non-empty) line into a {@link Command}. A bare word
 * `quit` is the seed protocol's way to leave and is accepted as `/quit`.
 */
export const parseCommand = (line: string): Result.Result<Command, CommandError> => {
  const parsed = raw(line)
  if (Result.isFailure(parsed)) {
    const name = parsed.failure
    return Result.fail(
      new CommandError({
        message: name in usage
          ? `Usage: ${usage[name]}`
          : `Unknown command /${name}. Type /help for the list.`
      })
    )
  }
  const decoded = decodeCommand(parsed.success)
  if (Result.isSuccess(decoded)) return Result.succeed(decoded.success)
  const input = parsed.success as { _tag: string; nick?: string; room?: string }
  switch (input._tag) {
    case "Nick":
      return Result.fail(
        new CommandError({
          message: input.nick === ""
            ? `Usage: ${usage.nick}`
            : `Invalid nickname "${input.nick}": use 1-24 letters, digits, _ or -.`
        })
      )
    case "Join":
      return Result.fail(new CommandError({ message: `Invalid room "${input.room}": use 1-32 letters, digits, _ or -.` }))
    case "Msg":
      return Result.fail(new CommandError({ message: `No such nickname "${input.nick}".` }))
    default:
      return Result.fail(new CommandError({ message: "Invalid command." }))
  }
}

/**
 * The first line a client sends is its nickname: bare (`alice`) or as
 * `/nick alice`. Returns the nick, the quit request, or an error notice.
 */
export const parseRegistration = (line: string): Result.Result<Nick | typeof Quit.Type, CommandError> => {
  const parsed = parseCommand(line.startsWith("/") || line === "quit" ? line : `/nick ${line}`)
  if (Result.isFailure(parsed)) return Result.fail(parsed.failure)
  switch (parsed.success._tag) {
    case "Nick":
      return Result.succeed(parsed.success.nick)
    case "Quit":
      return Result.succeed(parsed.success)
    default:
      return Result.fail(new CommandError({ message: "Choose a nickname first (for example: alice)." }))
  }
}

// eslint-disable-next-line no-control-regex
const controls = /\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[PX^_][^\x1b]*(?:\x1b\\)?|[ -/]*[0-~]?)|[\x00-\x08\x0a-\x1f\x7f-\x9f\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g

/**
 * Removes what could act on a terminal or disguise text: escape sequences
 * (CSI, OSC, DCS, ...) as a whole, C0 controls except TAB, DEL, C1 controls,
 * line and paragraph separators, bidirectional marks, overrides and isolates,
 * and invisible characters (zero-width space, word joiner, BOM). Zero-width
 * (non-)joiners stay: emoji sequences and several scripts need them.
 */
export const sanitize = (text: string): string => {
  controls.lastIndex = 0
  return controls.test(text) ? text.replace(controls, "") : text
}
