import * as Layer from "effect/Layer"
import { farewellText } from "../protocol/CloseReason.js"
import type { Event, ModeChanged } from "../protocol/Event.js"
import { changeString, maxBans } from "../protocol/Modes.js"
import { modeParamRule } from "../protocol/ModeReply.js"
import { isSeedNick, servicesNicks, shownHost } from "../protocol/Names.js"
import { historyLine, type Members, type Reply } from "../protocol/Reply.js"
import { accountText } from "./AccountText.js"
import { Codec, type Format } from "./Codec.js"
import { makeCodec } from "./CodecCache.js"
import { willTimingMark } from "./Telnet.js"
import { textDecoder } from "./TextInput.js"
import { usageOf } from "./Usage.js"
import { knockText, roomText, utc } from "./RoomText.js"
import { aboutText } from "./AboutText.js"
import { userText } from "./UserText.js"
import { helpLines } from "./TextHelp.js"

/**
 * hubbub's line protocol, as a client sees it: chat as `<nick> text`, actions
 * as `* nick text`, private messages as `*nick* text`, and everything the
 * server itself says as one line starting with `-!- `, LF-terminated. This
 * module is the only place that writes those notices.
 */
const notice = (text: string) => `-!- ${text}\n`


/**
 * What a reply says, in words: one or more lines (joined by `\n`), or
 * nothing for a reply that is no text (IRC's ping and capability answers,
 * telnet's timing mark). The JSON codec shows the page the same words.
 */
export const replyText = (reply: Reply): string | undefined => {
  switch (reply._tag) {
    case "Greeting":
      return "Welcome to hubbub, a group chat server.\nChoose a nickname (1-24 letters, digits, _ or -, a letter or _ first):"
    case "Welcome":
      return `Welcome, ${reply.nick}!${reply.room === undefined ? "" : ` You are in ${reply.room}.`} Type /help for commands.`
    case "Members": {
      const more = reply.count > reply.nicks.length ? `, and ${reply.count - reply.nicks.length} more` : ""
      const identified = reply.identified === undefined ? "" : `; identified: ${reply.identified.join(", ")}`
      return `Members of ${reply.room} (${reply.count}): ${withStatus(reply).join(", ")}${more}${identified}`
    }
    case "NickTaken":
      return `Nickname ${reply.nick} is already in use.${reply.registering ? " Choose another nickname:" : ""}`
    case "InvalidNick":
      return servicesNicks.has(reply.nick.toLowerCase())
        ? `Nickname ${reply.nick} is reserved for services.`
        : isSeedNick(reply.nick)
        ? `Nickname ${reply.nick} is kept for the seed protocol's clients (seed-PORT).`
        : `Invalid nickname "${reply.nick}": use 1-24 letters, digits, _ or -, starting with a letter or _.`
    case "AlreadyNick":
      return `You are already ${reply.nick}.`
    case "NowKnownAs":
      return `You are now known as ${reply.nick}`
    case "NickFirst":
      return "Choose a nickname first (for example: alice)."
    case "InvalidRoom":
      return `Invalid room "${reply.room}": use 1-32 letters, digits, _ or -.`
    case "AlreadyIn":
      return `You are already in ${reply.room}.`
    case "NoSuchNick":
      return `No such nickname: ${reply.nick}.`
    case "NoSuchRoom":
      return `No such room: ${reply.room}.`
    case "NotInRoom":
      return `You are not in ${reply.room}.`
    case "CannotSend":
      if (reply.banned) return `You are banned or quieted in ${reply.room}: you cannot speak there.`
      return reply.moderated
        ? `${reply.room} is moderated: only operators and voiced members may speak.`
        : `You are not in ${reply.room}.`
    case "NoText":
      return "Nothing to send."
    case "Opered":
      return reply.yes ? "You are a server operator." : "Your account has no server operator powers."
    case "NoRoom":
      return "You are in no room: /join one (#lobby is everyone's)."
    case "Pong":
      return `PONG ${reply.token}`
    case "WhoList":
      return `Who ${reply.mask} (${reply.entries.length}): ${reply.entries.map((e) => e.nick).join(", ")}`
    case "Modes":
      return `${reply.target} modes: ${[reply.modes, ...(reply.params ?? [])].join(" ")}`
    case "CannotJoin":
      return `Cannot join ${reply.room}: ${cannotJoin[reply.why](reply.room)}`
    case "NotOperator":
      return `You are not an operator of ${reply.room}.`
    case "NotMember":
      return `${reply.nick} is not in ${reply.room}.`
    case "AlreadyMember":
      return `${reply.nick} is already in ${reply.room}.`
    case "Inviting":
      return `Invited ${reply.nick} to ${reply.room}.`
    case "NoSuchMode":
      return `No mode ${reply.mode} for ${reply.target}.`
    case "InvalidModeParam":
      return `Mode ${reply.mode} of ${reply.target} not changed: ${modeParamRule(reply.mode)}.`
    case "AlreadyRegistered":
      return "You are already registered."
    case "TooManyTargets":
      return `Too many targets, from ${reply.target} on.`
    case "TooManyRooms":
      return `You are in ${reply.limit} rooms already; ${reply.room} was not joined.`
    case "BanList": {
      const what = reply.kind === "b" ? "Bans" : "Quiets"
      if (reply.entries.length === 0) return `No ${what.toLowerCase()} in ${reply.room}.`
      const shown = reply.entries.map(({ by, expires, mask, reason }) =>
        `${mask} by ${by}${expires === undefined ? "" : ` until ${utc(expires)}`}${reason === undefined || reason === "" ? "" : ` (${reason})`}`
      )
      return `${what} of ${reply.room} (${reply.entries.length}): ${shown.join(", ")}`
    }
    case "NoPrivileges":
      return "Only server operators may do that."
    case "BanListFull":
      return `The ${reply.mode === "b" ? "ban" : "quiet"} list of ${reply.room} is full (${maxBans} at most): take one out first.`
    case "NotBanned":
      return `${reply.mask} is not ${reply.mode === "b" ? "banned" : "quieted"} in ${reply.room}.`
    case "KLineSet":
      return reply.on
        ? `Banned ${reply.mask} from this server${reply.expires === undefined ? "" : ` until ${utc(reply.expires)}`}.`
        : reply.changed
        ? `${reply.mask} is banned from this server no more.`
        : `No server ban for ${reply.mask}.`
    case "KLineList":
      return reply.entries.length === 0
        ? "No server bans."
        : [
          `Server bans (${reply.entries.length}):`,
          ...reply.entries.map(({ by, expires, mask, reason }) =>
            `  ${mask} by ${by}${expires === undefined ? "" : ` until ${utc(expires)}`}${reason === "" ? "" : ` (${reason})`}`)
        ].join("\n")
    case "RoomNote":
      return roomText(reply)
    case "Knock":
      return knockText(reply)
    case "About":
      return aboutText(reply)
    case "AwayNote":
    case "AwayIs":
    case "WhoisIs":
    case "WhoisEnd":
    case "UserHosts":
    case "WasList":
    case "Silence":
    case "CallerId":
      return userText(reply)
    case "BadMask":
      return `${reply.mask} says nobody in particular: ban a nickname (bob), a mask (bob!*@*, *!*@10.0.0.1) or an account (~a:NAME), never everyone.` +
        (reply.server === true ? " A server ban may name an address or a network too (10.0.0.7, 10.0.0.0/24; at least /8, or /16 for IPv6)." : "")
    case "Ping":
    case "Capabilities":
    case "Monitored":
    case "TimingMarkDone":
    case "Label":
      return undefined
    case "AccountNote":
      return accountText(reply)
    case "Sent":
      return reply.tagged || reply.status !== undefined ? undefined : `Message to ${reply.to}: ${reply.text}`
    case "RoomList":
      return reply.rooms.length === 0 ? "No rooms." : `Rooms (${reply.rooms.length}): ${reply.rooms.map((r) => `${r.room} (${r.members}${r.locked ? ", locked" : ""})`).join(", ")}`
    case "TopicIs":
      return reply.topic === undefined ? `No topic is set for ${reply.room}.` : `Topic of ${reply.room}: ${reply.topic}`
    case "Help":
      return helpLines.join("\n")
    case "Usage":
      return `Usage: ${usageOf(reply.command)}`
    case "UnknownCommand":
      return `Unknown command /${reply.name}. Type /help for the list.`
    case "LineTooLong":
      return `Line too long (more than ${reply.max} bytes); it was discarded.`
    case "BadMessage":
      return `Bad message: ${reply.detail}`
    case "History":
      if (reply.entries.length === 0) return reply.asked ? `No messages kept in ${reply.room}.` : undefined
      return reply.entries.map(historyLine).join("\n")
    case "Failed":
      return reply.text
    case "HistoryTargets":
      return reply.entries.map((entry) => `${entry.room}: last message at ${new Date(entry.at).toISOString()}`).join("\n")
    case "Refused":
      switch (reply.why) {
        case "full":
          return `Server full (${reply.limit} connections); try again later.`
        case "address":
          return `Too many connections from your address (limit ${reply.limit}).`
        case "stopping":
          return "Server shutting down. Goodbye."
      }
  }
}

/** A room's members, `@` before an operator and `+` before a voiced member, as IRC's NAMES shows them. */
export const withStatus = ({ multiPrefix, nicks, operators, userhosts, voiced = [] }: typeof Members.Type): ReadonlyArray<string> => {
  const shown = userhosts === true ? (nick: string) => `${nick}!${nick}@${shownHost}` : (nick: string) => nick
  return multiPrefix === true
    ? nicks.map((nick) => `${operators.includes(nick) ? "@" : ""}${voiced.includes(nick) ? "+" : ""}${shown(nick)}`)
    : nicks.map((nick) => operators.includes(nick) ? `@${shown(nick)}` : voiced.includes(nick) ? `+${shown(nick)}` : shown(nick))
}

const cannotJoin = {
  invite: () => "it is invite only.",
  key: (room: string) => `it needs a key (/join ${room} KEY).`,
  full: () => "it is full.",
  banned: () => "you are banned."
} as const


const renderReply = (reply: Reply): string | Uint8Array => {
  if (reply._tag === "TimingMarkDone") return willTimingMark
  const text = replyText(reply)
  return text === undefined ? "" : text.split("\n").map(notice).join("")
}

/** The room's modes as IRC writes them, in one notice; each member's status in words, in one of its own. */
const modeNotices = ({ by, changes, room }: typeof ModeChanged.Type): string => {
  const modes = changes.filter((change) => change.mode !== "o" && change.mode !== "v")
  let out = modes.length === 0 ? "" : notice(`${by} sets mode ${changeString(modes)} on ${room}`)
  for (const { arg, mode, on } of changes) {
    if (mode !== "o" && mode !== "v") continue
    const status = mode === "o" ? "operator status" : "voice"
    out += notice(on ? `${by} gives ${status} to ${arg} in ${room}` : `${by} takes ${status} from ${arg} in ${room}`)
  }
  return out
}

/** An event as the text protocol shows it. */
export const renderText = (event: Event): string | Uint8Array => {
  switch (event._tag) {
    case "Chat":
      return `<${event.from}> ${event.text}\n`
    case "Action":
      return `* ${event.from} ${event.text}\n`
    case "Private":
      if (event.status !== undefined) return `[${event.status}${event.room}] <${event.from}> ${event.text}\n`
      return event.action ? `*${event.from}* * ${event.from} ${event.text}\n` : `*${event.from}* ${event.text}\n`
    case "Joined":
      return notice(`${event.nick} has joined ${event.room}`)
    case "Left": {
      const reason = event.reason === "" ? "" : ` (${event.reason})`
      return notice(
        event.by === undefined
          ? `${event.nick} has left ${event.room}${reason}`
          : `${event.nick} was kicked from ${event.room} by ${event.by}${reason}`
      )
    }
    case "Renamed":
      return notice(`${event.from} is now known as ${event.nick}`)
    case "TopicChanged":
      return notice(
        event.topic === undefined
          ? `${event.by} cleared the topic of ${event.room}`
          : `${event.by} set the topic of ${event.room} to: ${event.topic}`
      )
    case "ModeChanged":
      return modeNotices(event)
    case "Invited":
      return notice(`${event.by} invites you to ${event.room} (type /join ${event.room})`)
    case "Notice":
      return notice(event.text)
    case "Announcement":
      return notice(`[operator] ${event.text}`)
    case "Wallops":
      return notice(`[wallops] ${event.from}: ${event.text}`)
    case "ServerBanChanged":
    case "RoomRegistered":
    case "MemberChanged":
    case "InviteNoted":
    case "Tagged":
      return ""
    case "Answer":
      return renderReply(event.reply)
    case "Closing": {
      const text = farewellText(event.reason, event.nick)
      return text === undefined ? "" : notice(text)
    }
  }
}

/** The text protocol: its clients include netcat and telnet. */
export const textFormat: Format = {
  name: "text",
  telnet: true,
  rooms: "one",
  decoder: () => textDecoder,
  render: renderText
}

/** hubbub's line protocol as the connection's {@link Codec}. */
export const layer = Layer.succeed(Codec, makeCodec(textFormat))
