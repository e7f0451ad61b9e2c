import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { Command } from "../protocol/Command.js"
import { normalizeRoom, Room as RoomName } from "../protocol/Names.js"
import type { Reply } from "../protocol/Reply.js"
import { sanitize } from "../protocol/Text.js"
import type { Decoder, Input } from "./Codec.js"
import { durationSeconds } from "./Usage.js"

/**
 * The text protocol's input: one line, one command. A line that does not
 * start with `/` is chat (`//` sends a line that starts with `/`), a bare
 * `quit` is the seed protocol's way to leave, and before registration a line
 * is the nickname the client wants.
 */
const decodeCommand = Schema.decodeUnknownResult(Command)

const invalid = (reply: Reply): Input => ({ _tag: "Invalid", reply })

const splitWord = (text: string): readonly [string, string] => {
  const space = text.search(/\s/)
  return space === -1 ? [text, ""] : [text.slice(0, space), text.slice(space + 1).trim()]
}

/** A `/command` line (without its `/`), as unvalidated input. */
const raw = (line: string): Result.Result<unknown, Reply> => {
  const [name, rest] = splitWord(line)
  switch (name.toLowerCase()) {
    case "nick":
      return rest === "" ? Result.fail({ _tag: "Usage", command: "nick" }) : Result.succeed({ _tag: "Nick", nick: rest })
    case "join": {
      const [room, key] = splitWord(rest)
      if (room === "") return Result.fail({ _tag: "Usage", command: "join" })
      const join = { _tag: "Join", room: normalizeRoom(room) }
      return Result.succeed(key === "" ? join : { ...join, key })
    }
    case "mode":
      return Result.succeed(mode(rest))
    case "op":
    case "deop":
    case "voice":
    case "devoice": {
      const command = name.toLowerCase() as keyof typeof statusChanges
      const [nick] = splitWord(rest)
      if (nick === "") return Result.fail({ _tag: "Usage", command })
      return Result.succeed({ _tag: "Mode", target: "", change: statusChanges[command], args: [nick] })
    }
    case "kick": {
      const [nick, reason] = splitWord(rest)
      if (nick === "") return Result.fail({ _tag: "Usage", command: "kick" })
      return Result.succeed(reason === "" ? { _tag: "Kick", nick } : { _tag: "Kick", nick, reason })
    }
    case "ban":
    case "quiet":
    case "unban":
    case "unquiet": {
      const command = name.toLowerCase()
      const [mask, more] = splitWord(rest)
      if (mask === "") return Result.fail({ _tag: "Usage", command })
      const kind = command.endsWith("ban") ? "b" : "q"
      if (command.startsWith("un")) return Result.succeed({ _tag: "Ban", mask, kind, on: false })
      const [first, after] = splitWord(more)
      const seconds = durationSeconds(first)
      // Meant as a duration, and not one: refused rather than taken as a reason (and the ban as forever).
      if (seconds === undefined && /^[-+]?\d/.test(first)) return Result.fail({ _tag: "Usage", command })
      const reason = seconds === undefined ? more : after
      return Result.succeed({ _tag: "Ban", mask, kind, on: true, ...(seconds === undefined ? {} : { seconds }), ...(reason === "" ? {} : { reason }) })
    }
    case "bans":
      return Result.succeed({ _tag: "Bans" })
    case "kill": {
      const [nick, reason] = splitWord(rest)
      if (nick === "") return Result.fail({ _tag: "Usage", command: "kill" })
      return Result.succeed(reason === "" ? { _tag: "Kill", nick } : { _tag: "Kill", nick, reason })
    }
    case "kline": {
      const [mask, more] = splitWord(rest)
      if (mask === "") return Result.fail({ _tag: "Usage", command: "kline" })
      const [first, after] = splitWord(more)
      const seconds = durationSeconds(first)
      if (seconds === undefined && /^[-+]?\d/.test(first)) return Result.fail({ _tag: "Usage", command: "kline" })
      const reason = seconds === undefined ? more : after
      return Result.succeed({ _tag: "KLine", mask, on: true, ...(seconds === undefined ? {} : { seconds }), ...(reason === "" ? {} : { reason }) })
    }
    case "unkline":
      return rest === "" ? Result.fail({ _tag: "Usage", command: "unkline" }) : Result.succeed({ _tag: "KLine", mask: splitWord(rest)[0], on: false })
    case "klines":
      return Result.succeed({ _tag: "KLines" })
    case "wallops":
      return rest === "" ? Result.fail({ _tag: "Usage", command: "wallops" }) : Result.succeed({ _tag: "Wallops", text: rest })
    case "invite": {
      const [nick, room] = splitWord(rest)
      if (nick === "") return Result.fail({ _tag: "Usage", command: "invite" })
      return Result.succeed(room === "" ? { _tag: "Invite", nick } : { _tag: "Invite", nick, room: normalizeRoom(room) })
    }
    case "rooms":
      return Result.succeed({ _tag: "Rooms" })
    case "room":
      return roomRegistration(rest)
    case "who":
      return Result.succeed({ _tag: "Names" })
    case "topic":
      return Result.succeed(rest === "" ? { _tag: "Topic" } : { _tag: "Topic", text: rest === "-" ? "" : rest })
    case "me":
      return rest === "" ? Result.fail({ _tag: "Usage", command: "me" }) : Result.succeed({ _tag: "Me", text: rest })
    case "msg": {
      const [nick, text] = splitWord(rest)
      if (nick.toLowerCase() === "nickserv") {
        const input = nickServ(text)
        return input._tag === "Invalid" ? Result.fail(input.reply) : Result.succeed(input)
      }
      return text === "" ? Result.fail({ _tag: "Usage", command: "msg" }) : Result.succeed({ _tag: "Msg", nick, text })
    }
    case "help":
      return Result.succeed({ _tag: "Help" })
    case "register":
    case "identify":
    case "logout":
    case "password":
    case "unregister":
      return account(name.toLowerCase() as AccountAction, rest)
    case "quit":
      return Result.succeed(rest === "" ? { _tag: "Quit" } : { _tag: "Quit", reason: rest })
    default:
      return Result.fail({ _tag: "UnknownCommand", name })
  }
}

const statusChanges = { op: "+o", deop: "-o", voice: "+v", devoice: "-v" } as const

/**
 * `/mode [#ROOM] [CHANGE [ARGS...]]`: a first word with `#` names the room; without one the
 * target is `""`, the session's one room.
 */
const mode = (rest: string): unknown => {
  const words = rest === "" ? [] : rest.split(/\s+/)
  const target = words[0]?.startsWith("#") ? normalizeRoom(words.shift()!) : ""
  const [change, ...args] = words
  if (change === undefined) return { _tag: "Mode", target }
  return args.length === 0 ? { _tag: "Mode", target, change } : { _tag: "Mode", target, change, args }
}

export type AccountAction = "register" | "identify" | "logout" | "password" | "unregister"

/** An account command's words: a password is everything after the command (after the nickname, for `/identify NICK`), spaces and all. */
export const account = (action: AccountAction, rest: string): Result.Result<unknown, Reply> => {
  const usage = Result.fail({ _tag: "Usage", command: action } as const)
  switch (action) {
    case "logout":
      return Result.succeed({ _tag: "Account", action })
    case "register":
    case "unregister":
      return rest === "" ? usage : Result.succeed({ _tag: "Account", action, password: rest })
    case "identify": {
      // One word is a password; more are a nickname, then the password (spaces and all).
      const [name, password] = splitWord(rest)
      if (rest === "") return usage
      return Result.succeed(password === "" ? { _tag: "Account", action, password: name } : { _tag: "Account", action, name, password })
    }
    case "password": {
      const [old, next] = splitWord(rest)
      return old === "" || next === "" ? usage : Result.succeed({ _tag: "Account", action, password: old, newPassword: next })
    }
  }
}

const nickServVerbs: Record<string, AccountAction> = {
  identify: "identify",
  register: "register",
  logout: "logout",
  passwd: "password",
  password: "password",
  drop: "unregister",
  unregister: "unregister"
}

/**
 * The services convention (`PRIVMSG NickServ :IDENTIFY password`), as hubbub's account commands:
 * `IDENTIFY [NICK] PASSWORD`, `REGISTER PASSWORD [EMAIL]` (the email is not kept), `LOGOUT`,
 * `PASSWD OLD NEW`, `DROP PASSWORD`; anything else gets NickServ's list of them.
 */
export const nickServ = (text: string): Input => {
  const line = text.trim()
  const space = line.search(/\s/)
  const verb = nickServVerbs[(space === -1 ? line : line.slice(0, space)).toLowerCase()]
  if (verb === undefined) return invalid({ _tag: "AccountNote", what: "services" })
  const rest = space === -1 ? "" : line.slice(space + 1).trim()
  // Services take `REGISTER password email`: an email at the end is not part of the password.
  const parsed = account(verb, verb === "register" ? rest.replace(/\s+\S+@\S+$/, "") : rest)
  if (Result.isFailure(parsed)) return invalid(parsed.failure)
  const decoded = decodeCommand(parsed.success)
  return Result.isSuccess(decoded) ? decoded.success : invalid({ _tag: "AccountNote", what: "noAccount" })
}

const registrationVerbs = new Set(["register", "drop", "info", "op", "deop"])

/** `/room VERB [ACCOUNT] [#ROOM]`: a registered room's command, for the session's room unless one is named. */
const roomRegistration = (rest: string): Result.Result<unknown, Reply> => {
  const words = rest.split(/\s+/).filter((word) => word !== "")
  const action = words[0]?.toLowerCase() ?? ""
  const room = words.slice(1).find((word) => word.startsWith("#"))
  const others = words.slice(1).filter((word) => word !== room)
  if (!registrationVerbs.has(action) || others.length !== (action === "op" || action === "deop" ? 1 : 0)) {
    return Result.fail({ _tag: "Usage", command: "room" })
  }
  return Result.succeed({
    _tag: "Registration",
    action,
    ...(room === undefined ? {} : { room: normalizeRoom(room) }),
    ...(others[0] === undefined ? {} : { account: others[0] })
  })
}

/**
 * The services convention for rooms (`PRIVMSG ChanServ :REGISTER #room`), as ergo spells it:
 * `REGISTER #ROOM`, `DROP #ROOM`, `INFO #ROOM`, `AMODE #ROOM +o ACCOUNT` (`-o` to unlist); anything
 * else gets ChanServ's list of them.
 */
export const chanServ = (text: string): Input => {
  const [verb = "", room = "", change = "", account = ""] = text.trim().split(/\s+/)
  const action = verb.toLowerCase()
  if (!room.startsWith("#")) return invalid({ _tag: "Usage", command: "chanserv" })
  if (action === "register" || action === "drop" || action === "info") {
    return validate({ _tag: "Registration", action, room: normalizeRoom(room) })
  }
  if (action === "amode" && (change === "+o" || change === "-o") && account !== "") {
    return validate({ _tag: "Registration", action: change === "+o" ? "op" : "deop", room: normalizeRoom(room), account })
  }
  return invalid({ _tag: "Usage", command: "chanserv" })
}

/** Validates raw input through the `Command` schema; the error says which part is wrong. */
const validate = (input: unknown): Input => {
  const decoded = decodeCommand(input)
  if (Result.isSuccess(decoded)) return decoded.success
  const given = input as { _tag: string; nick?: string; room?: string; name?: string }
  switch (given._tag) {
    case "Nick":
      return invalid({ _tag: "InvalidNick", nick: given.nick! })
    case "Join":
    case "Invite":
      return invalid({ _tag: "InvalidRoom", room: given.room! })
    case "Msg":
      return invalid({ _tag: "NoSuchNick", nick: given.nick! })
    case "Account":
      return invalid({ _tag: "AccountNote", what: "noAccount" })
    case "Registration":
      return given.room !== undefined && !Schema.is(RoomName)(given.room)
        ? invalid({ _tag: "InvalidRoom", room: given.room })
        : invalid({ _tag: "RoomNote", what: "noAccount", room: given.room ?? "", account: (input as { account?: string }).account ?? "" })
    default:
      return invalid({ _tag: "UnknownCommand", name: given._tag.toLowerCase() })
  }
}

const command = (line: string): Input => {
  const parsed = raw(line)
  return Result.isFailure(parsed) ? invalid(parsed.failure) : validate(parsed.success)
}

/** The first lines: a nickname, bare (`alice`) or as `/nick alice`, or `quit`. */
const registration = (line: string): Input => {
  if (line === "quit") return { _tag: "Quit" }
  if (!line.startsWith("/")) return validate({ _tag: "Nick", nick: line })
  const input = command(line.slice(1))
  // `/identify NICK PASSWORD` logs in and takes the account's nickname.
  const login = input._tag === "Account" && input.action === "identify" && input.name !== undefined
  return input._tag === "Nick" || input._tag === "Quit" || input._tag === "Invalid" || login
    ? input
    : invalid({ _tag: "NickFirst" })
}

/** Reads one line (not yet sanitized) of the text protocol. */
export const decodeText = (line: string, registered: boolean): Input | undefined => {
  const clean = sanitize(line)
  if (!registered) {
    const trimmed = clean.trim()
    return trimmed === "" ? undefined : registration(trimmed)
  }
  // Chat is the common case: taken without a full parse.
  if (clean.length > 0 && clean.charCodeAt(0) !== 47 && clean !== "quit") {
    return clean.trim() === "" ? undefined : { _tag: "Say", text: clean }
  }
  if (clean === "quit") return { _tag: "Quit" }
  if (clean.trim() === "") return undefined
  if (clean.startsWith("//")) return { _tag: "Say", text: clean.slice(1) }
  return command(clean.slice(1))
}

/** The text protocol keeps no state per connection: every connection shares one decoder. */
export const textDecoder: Decoder = { decode: decodeText }
