import { maxHistory } from "../protocol/HistoryRange.js"
import * as Result from "effect/Result"
import { normalizeRoom } from "../protocol/Names.js"
import type { Reply } from "../protocol/Reply.js"
import { silenceChanges } from "../protocol/Silence.js"
import { sanitize } from "../protocol/Text.js"
import type { Decoder, Input } from "./Codec.js"
import { account, type AccountAction, nickServ, roomRegistration } from "./ServicesInput.js"
import { invalid, splitWord, validate } from "./TextParts.js"
import { durationSeconds } from "./Usage.js"


/** What `/history` alone shows. */
const defaultHistory = 20

/**
 * The text protocol's input: one line, one command. A line that does not
 * start with `/` is chat (`//` sends a line that starts with `/`), a bare
 * `quit` is the seed protocol's way to leave, and before registration a line
 * is the nickname the client wants.
 */
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
    case "accept": {
      if (rest === "") return Result.succeed({ _tag: "Accept" })
      if (rest === "on" || rest === "off") return Result.succeed({ _tag: "Accept", callerId: rest === "on" })
      const changes = splitWord(rest)[0].split(",").filter((part) => part !== "").map((part) => ({ on: !part.startsWith("-"), nick: part.replace(/^-/, "") }))
      return Result.succeed({ _tag: "Accept", changes })
    }
    case "silence": {
      if (rest === "") return Result.succeed({ _tag: "Silence" })
      const changes = silenceChanges(splitWord(rest)[0])
      return changes === undefined ? Result.fail({ _tag: "Usage", command: "silence" }) : Result.succeed({ _tag: "Silence", changes })
    }
    case "knock": {
      const [room, text] = splitWord(rest)
      if (room === "") return Result.fail({ _tag: "Usage", command: "knock" })
      return Result.succeed(text === "" ? { _tag: "Knock", room: normalizeRoom(room) } : { _tag: "Knock", room: normalizeRoom(room), text })
    }
    case "rooms":
      return Result.succeed(rest === "" ? { _tag: "Rooms" } : { _tag: "Rooms", filter: rest })
    case "whois": {
      const [nick] = splitWord(rest)
      return nick === "" ? Result.fail({ _tag: "Usage", command: "whois" }) : Result.succeed({ _tag: "Whois", nick })
    }
    case "whowas": {
      const [nick] = splitWord(rest)
      return nick === "" ? Result.fail({ _tag: "Usage", command: "whowas" }) : Result.succeed({ _tag: "Whowas", nick })
    }
    case "away":
      return Result.succeed(rest === "" ? { _tag: "Away" } : { _tag: "Away", text: rest })
    case "history": {
      const count = rest === "" ? defaultHistory : Number(rest)
      return Number.isSafeInteger(count) && count >= 1 && count <= maxHistory
        ? Result.succeed({ _tag: "ChatHistory", kind: "latest", limit: count })
        : Result.fail({ _tag: "Usage", command: "history" })
    }
    case "motd":
    case "version":
      return Result.succeed({ _tag: "About", what: name.toLowerCase() })
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

const command = (line: string): Input => {
  const parsed = raw(line)
  return Result.isFailure(parsed) ? invalid(parsed.failure) : validate(parsed.success)
}

/** The first lines: a nickname, bare (`alice`) or as `/nick alice`, `quit`, or `/help`. */
const registration = (line: string): Input => {
  if (line === "quit") return { _tag: "Quit" }
  if (!line.startsWith("/")) return validate({ _tag: "Nick", nick: line })
  const input = command(line.slice(1))
  // `/identify NICK PASSWORD` logs in and takes the account's nickname.
  const login = input._tag === "Account" && input.action === "identify" && input.name !== undefined
  return input._tag === "Nick" || input._tag === "Quit" || input._tag === "Invalid" || input._tag === "Help" || login
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
