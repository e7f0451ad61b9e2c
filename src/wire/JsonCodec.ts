import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { closeLabel, farewellText } from "../protocol/CloseReason.js"
import { Command } from "../protocol/Command.js"
import type { Event } from "../protocol/Event.js"
import { ClientMessage, type ServerMessage } from "../protocol/Json.js"
import { maxHistory } from "../protocol/HistoryRange.js"
import { normalizeRoom } from "../protocol/Names.js"
import type { Reply } from "../protocol/Reply.js"
import { sanitize } from "../protocol/Text.js"
import type { Decoder, Format, Input } from "./Codec.js"
import { replyText } from "./TextCodec.js"
import { textDecoder } from "./TextInput.js"

/**
 * The JSON protocol of `src/protocol/Json.ts`, for the chat page and any
 * WebSocket client: a client's `{"type":"line","text":...}` is read as the
 * text protocol reads a line (its `join`, `mode`, `kick` and `invite` as the
 * text protocol's commands), and every event goes out as one JSON object
 * on a line of its own. The words of notices and errors are the text
 * protocol's.
 */
const readMessage = Schema.decodeUnknownResult(ClientMessage)

const bad = (detail: string): Input => ({ _tag: "Invalid", reply: { _tag: "BadMessage", detail } })

/** A JSON line's frame may be this much longer than its text: every byte escaped as `\uXXXX`, and the envelope. */
const jsonFrameBytes = (maxLineBytes: number): number => 6 * maxLineBytes + 64

/** Reads JSON lines whose text may be at most `maxLineBytes` (as a text client's line may). */
const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
const wellFormed = (_key: string, value: unknown) => typeof value === "string" ? value.replace(lone, "\ufffd") : value

export const jsonDecoder = (maxLineBytes: number): Decoder => ({
  decode: (line, registered) => {
    if (line.trim() === "") return undefined
    let value: unknown
    try {
      // A `\uD800` escape can make a lone surrogate, which no UTF-8 line can: it becomes U+FFFD.
      value = line.includes("\\u") ? JSON.parse(line, wellFormed) : JSON.parse(line)
    } catch {
      return bad("not JSON")
    }
    const message = readMessage(value)
    if (Result.isFailure(message)) return bad(`expected {"type":"line","text":"..."}`)
    const read = message.success
    switch (read.type) {
      case "identify":
      case "register":
        return accountInput(read)
      case "join":
      case "mode":
      case "kick":
      case "invite":
        return registered ? roomInput(read, maxLineBytes) : { _tag: "Invalid", reply: { _tag: "NickFirst" } }
      case "history":
        return registered ? historyInput(read) : { _tag: "Invalid", reply: { _tag: "NickFirst" } }
    }
    const text = read.text
    if (Buffer.byteLength(text, "utf8") > maxLineBytes) {
      return { _tag: "Invalid", reply: { _tag: "LineTooLong", max: maxLineBytes } }
    }
    // A bare `quit` is the seed protocol's way to leave: from the page it is just a word.
    if (registered && text.trim() === "quit") return { _tag: "Say", text: sanitize(text) }
    return textDecoder.decode(text, registered)
  }
})

const readCommand = Schema.decodeUnknownResult(Command)

/** The page's history request: older than a message, newer than one (the newest of those), or the latest. */
const historyInput = (message: Extract<ClientMessage, { readonly type: "history" }>): Input => {
  const limit = Math.max(1, Math.min(maxHistory, Math.floor(message.limit ?? maxHistory)))
  if (!Number.isFinite(limit)) return bad("limit must be a number")
  if (message.before !== undefined) return { _tag: "ChatHistory", kind: "before", from: { _tag: "Id", id: message.before }, limit }
  if (message.after !== undefined) return { _tag: "ChatHistory", kind: "latest", from: { _tag: "Id", id: message.after }, limit }
  return { _tag: "ChatHistory", kind: "latest", limit }
}

/** The page's login and registration, as account commands; a nickname that is none is no account. */
const accountInput = (message: Extract<ClientMessage, { readonly type: "identify" | "register" }>): Input => {
  const command = message.type === "register"
    ? { _tag: "Account", action: "register", password: message.password }
    : { _tag: "Account", action: "identify", password: message.password, ...(message.nick === undefined ? {} : { name: message.nick }) }
  const decoded = readCommand(command)
  return Result.isSuccess(decoded) ? decoded.success : { _tag: "Invalid", reply: { _tag: "AccountNote", what: "noAccount" } }
}

type RoomMessage = Extract<ClientMessage, { readonly type: "join" | "mode" | "kick" | "invite" }>

/**
 * The page's room commands, as the text protocol reads them: a room's `#` is optional, and a
 * command with no room (a `mode` with no `target`: `""`) is for the session's one room.
 */
const roomCommand = (message: RoomMessage): unknown => {
  const room = message.type === "mode" || message.room === undefined ? {} : { room: normalizeRoom(message.room) }
  switch (message.type) {
    case "join":
      return { _tag: "Join", ...room, ...(message.key === undefined ? {} : { key: message.key }) }
    case "mode": {
      const { args, change, target = "" } = message
      return {
        _tag: "Mode",
        target: target.startsWith("#") ? normalizeRoom(target) : target,
        ...(change === undefined ? {} : { change }),
        ...(args === undefined ? {} : { args })
      }
    }
    case "kick": {
      const reason = message.reason === undefined ? "" : sanitize(message.reason)
      return { _tag: "Kick", nick: message.nick, ...room, ...(reason === "" ? {} : { reason }) }
    }
    case "invite":
      return { _tag: "Invite", nick: message.nick, ...room }
  }
}

/** A room command, its room checked; a kick's reason may be as long as a line. */
const roomInput = (message: RoomMessage, maxLineBytes: number): Input => {
  if (message.type === "kick" && message.reason !== undefined && Buffer.byteLength(message.reason, "utf8") > maxLineBytes) {
    return { _tag: "Invalid", reply: { _tag: "LineTooLong", max: maxLineBytes } }
  }
  const decoded = readCommand(roomCommand(message))
  if (Result.isSuccess(decoded)) return decoded.success
  return { _tag: "Invalid", reply: { _tag: "InvalidRoom", room: message.type === "mode" ? "" : message.room ?? "" } }
}

/** Replies that say something the client asked for went wrong. */
const errors = new Set<Reply["_tag"]>([
  "Failed",
  "NickTaken",
  "InvalidNick",
  "AlreadyNick",
  "NickFirst",
  "InvalidRoom",
  "AlreadyIn",
  "NoSuchNick",
  "NoSuchRoom",
  "NotInRoom",
  "CannotSend",
  "CannotJoin",
  "NotOperator",
  "NotMember",
  "AlreadyMember",
  "NoText",
  "NoRoom",
  "NoSuchMode",
  "InvalidModeParam",
  "BadMask",
  "BanListFull",
  "NotBanned",
  "NoPrivileges",
  "AlreadyRegistered",
  "TooManyTargets",
  "TooManyRooms",
  "Usage",
  "UnknownCommand",
  "LineTooLong",
  "BadMessage",
  "Refused"
])

const reply = (reply: Reply): ServerMessage | undefined => {
  switch (reply._tag) {
    case "Greeting":
      return { type: "hello", text: replyText(reply)! }
    case "Welcome":
      return reply.room === undefined
        ? { type: "welcome", nick: reply.nick }
        : { type: "welcome", nick: reply.nick, room: reply.room }
    case "Members":
      return {
        type: "members",
        room: reply.room,
        count: reply.count,
        nicks: reply.nicks,
        operators: reply.operators,
        ...(reply.voiced === undefined ? {} : { voiced: reply.voiced }),
        ...(reply.identified === undefined ? {} : { identified: reply.identified })
      }
    case "RoomList":
      return { type: "rooms", rooms: reply.rooms }
    case "Modes": {
      const { created, modes, params, target } = reply
      return { type: "modes", target, modes, ...(params === undefined ? {} : { params }), ...(created === undefined ? {} : { created }) }
    }
    case "TopicIs":
      return reply.topic === undefined
        ? { type: "topic", room: reply.room }
        : { type: "topic", room: reply.room, topic: reply.topic }
    case "NowKnownAs":
      return { type: "renamed", from: reply.from, nick: reply.nick }
    case "Sent":
      return reply.tagged || reply.status !== undefined ? undefined : { type: "private", to: reply.to, text: reply.text }
    case "Pong":
      return { type: "pong", token: reply.token }
    case "History":
      if (reply.asked) return { type: "history", room: reply.room, entries: reply.entries, asked: true }
      return reply.entries.length === 0 ? undefined : { type: "history", room: reply.room, entries: reply.entries }
    case "AccountNote": {
      const { what, name, nick, seconds } = reply
      return {
        type: "account",
        what,
        text: replyText(reply)!,
        ...(name === undefined ? {} : { name }),
        ...(nick === undefined ? {} : { nick }),
        ...(seconds === undefined ? {} : { seconds })
      }
    }
  }
  const text = replyText(reply)
  if (text === undefined) return undefined
  return errors.has(reply._tag) ? { type: "error", code: reply._tag, text } : { type: "notice", text }
}

const message = (event: Event): ServerMessage | undefined => {
  switch (event._tag) {
    case "Chat":
      return {
        type: "chat",
        room: event.room,
        from: event.from,
        text: event.text,
        ...(event.notice ? { notice: true } : {}),
        ...(event.id === undefined ? {} : { id: event.id })
      }
    case "Action":
      return { type: "chat", room: event.room, from: event.from, text: event.text, action: true, ...(event.id === undefined ? {} : { id: event.id }) }
    case "Private":
      return {
        type: "private",
        from: event.from,
        text: event.text,
        ...(event.action ? { action: true } : {}),
        ...(event.notice ? { notice: true } : {}),
        ...(event.status === undefined ? {} : { room: event.room, status: event.status })
      }
    case "Joined":
      return { type: "joined", room: event.room, nick: event.nick }
    case "Left":
      return {
        type: "left",
        room: event.room,
        nick: event.nick,
        reason: event.reason,
        ...(event.quit ? { quit: true } : {}),
        ...(event.by === undefined ? {} : { by: event.by })
      }
    case "Renamed":
      return { type: "renamed", room: event.room, from: event.from, nick: event.nick }
    case "TopicChanged":
      return event.topic === undefined
        ? { type: "topic", room: event.room, by: event.by }
        : { type: "topic", room: event.room, topic: event.topic, by: event.by }
    case "ModeChanged":
      return {
        type: "mode",
        room: event.room,
        by: event.by,
        changes: event.changes.map(({ arg, mode, on }) => arg === undefined ? { on, mode } : { on, mode, arg })
      }
    case "Invited":
      return { type: "invited", room: event.room, by: event.by }
    case "Notice":
      return event.room === undefined
        ? { type: "notice", text: event.text }
        : { type: "notice", text: event.text, room: event.room }
    case "Announcement":
      return { type: "notice", text: event.text, operator: true }
    case "Wallops":
      return { type: "notice", text: `[wallops] ${event.from}: ${event.text}`, operator: true }
    case "Answer":
      return reply(event.reply)
    case "Closing": {
      const text = farewellText(event.reason, event.nick)
      const reason = closeLabel(event.reason)
      return text === undefined ? { type: "closing", reason } : { type: "closing", reason, text }
    }
  }
}

/** An event as the JSON protocol shows it: one JSON object and a line end, or nothing. */
export const renderJson = (event: Event): string => {
  const shown = message(event)
  return shown === undefined ? "" : JSON.stringify(shown) + "\n"
}

/** The JSON protocol: one room per session, as the text protocol; a WebSocket message's last line needs no line end. */
export const jsonFormat: Format = {
  name: "json",
  telnet: false,
  rooms: "one",
  readEndsLine: true,
  frameBytes: jsonFrameBytes,
  decoder: (limits) => jsonDecoder(limits.lineBytes),
  render: renderJson
}
