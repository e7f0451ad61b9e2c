import { farewellText } from "../protocol/CloseReason.js"
import type { Event } from "../protocol/Event.js"
import type { Reply } from "../protocol/Reply.js"
import type { Format } from "./Codec.js"
import { willTimingMark } from "./Telnet.js"
import { textDecoder, usageOf } from "./TextInput.js"

/**
 * hubbub's line protocol, as a client sees it: chat as `<nick> text`, actions
 * as `* nick text`, private messages as `*nick* text`, and everything the
 * server itself says as one line starting with `-!- `, LF-terminated. This
 * module is the only place that writes those notices.
 */
const notice = (text: string) => `-!- ${text}\n`

/** The commands, one line each, as `/help` shows them. */
export const helpLines: ReadonlyArray<string> = [
  "Commands:",
  "  /nick NAME        change your nickname (1-24 letters, digits, _ or -)",
  "  /join ROOM        move to another room (# optional; created on demand)",
  "  /rooms            list rooms and how many are in each",
  "  /who              list the members of your room",
  "  /topic [TEXT]     show your room's topic, or set it (/topic - clears it)",
  "  /me ACTION        send an action, shown as * nick ACTION",
  "  /msg NICK TEXT    send a private message",
  "  /quit [REASON]    leave (a bare quit works too)",
  "  /help             this list",
  "Any other line is sent to your room; start it with // to send a line beginning with /."
]

const renderReply = (reply: Reply): string | Uint8Array => {
  switch (reply._tag) {
    case "Greeting":
      return notice("Welcome to hubbub, a group chat server.") +
        notice("Choose a nickname (1-24 letters, digits, _ or -):")
    case "Welcome":
      return notice(
        `Welcome, ${reply.nick}!${reply.room === undefined ? "" : ` You are in ${reply.room}.`} Type /help for commands.`
      )
    case "Members": {
      const more = reply.count > reply.nicks.length ? `, and ${reply.count - reply.nicks.length} more` : ""
      return notice(`Members of ${reply.room} (${reply.count}): ${reply.nicks.join(", ")}${more}`)
    }
    case "NickTaken":
      return notice(`Nickname ${reply.nick} is already in use.${reply.registering ? " Choose another nickname:" : ""}`)
    case "InvalidNick":
      return notice(`Invalid nickname "${reply.nick}": use 1-24 letters, digits, _ or -.`)
    case "AlreadyNick":
      return notice(`You are already ${reply.nick}.`)
    case "NowKnownAs":
      return notice(`You are now known as ${reply.nick}`)
    case "NickFirst":
      return notice("Choose a nickname first (for example: alice).")
    case "InvalidRoom":
      return notice(`Invalid room "${reply.room}": use 1-32 letters, digits, _ or -.`)
    case "AlreadyIn":
      return notice(`You are already in ${reply.room}.`)
    case "NoSuchNick":
      return notice(`No such nickname: ${reply.nick}.`)
    case "NoSuchRoom":
      return notice(`No such room: ${reply.room}.`)
    case "NotInRoom":
    case "CannotSend":
      return notice(`You are not in ${reply.room}.`)
    case "NoText":
      return notice("Nothing to send.")
    case "Pong":
      return notice(`PONG ${reply.token}`)
    case "WhoList":
      return notice(`Who ${reply.mask} (${reply.entries.length}): ${reply.entries.map((e) => e.nick).join(", ")}`)
    case "Modes":
      return notice(`Modes of ${reply.target}: ${reply.modes}`)
    case "NoSuchMode":
      return notice(`No mode ${reply.mode} for ${reply.target}.`)
    case "AlreadyRegistered":
      return notice("You are already registered.")
    case "TooManyTargets":
      return notice(`Too many targets, from ${reply.target} on.`)
    case "TooManyRooms":
      return notice(`You are in ${reply.limit} rooms already; ${reply.room} was not joined.`)
    case "Ping":
    case "BanListEnd":
    case "Capabilities":
      return ""
    case "Sent":
      return notice(`Message to ${reply.to}: ${reply.text}`)
    case "RoomList":
      return notice(`Rooms (${reply.rooms.length}): ${reply.rooms.map((r) => `${r.room} (${r.members})`).join(", ")}`)
    case "TopicIs":
      return notice(
        reply.topic === undefined ? `No topic is set for ${reply.room}.` : `Topic of ${reply.room}: ${reply.topic}`
      )
    case "Help":
      return helpLines.map(notice).join("")
    case "Usage":
      return notice(`Usage: ${usageOf(reply.command)}`)
    case "UnknownCommand":
      return notice(`Unknown command /${reply.name}. Type /help for the list.`)
    case "LineTooLong":
      return notice(`Line too long (more than ${reply.max} bytes); it was discarded.`)
    case "TimingMarkDone":
      return willTimingMark
    case "Refused":
      switch (reply.why) {
        case "full":
          return notice(`Server full (${reply.limit} connections); try again later.`)
        case "address":
          return notice(`Too many connections from your address (limit ${reply.limit}).`)
        case "stopping":
          return notice("Server shutting down. Goodbye.")
      }
  }
}

/** An event as the text protocol shows it. */
export const renderText = (event: Event): string | Uint8Array => {
  switch (event._tag) {
    case "Chat":
      return `<${event.from}> ${event.text}\n`
    case "Action":
      return `* ${event.from} ${event.text}\n`
    case "Private":
      return event.action ? `*${event.from}* * ${event.from} ${event.text}\n` : `*${event.from}* ${event.text}\n`
    case "Joined":
      return notice(`${event.nick} has joined ${event.room}`)
    case "Left":
      return notice(`${event.nick} has left ${event.room}${event.reason === "" ? "" : ` (${event.reason})`}`)
    case "Renamed":
      return notice(`${event.from} is now known as ${event.nick}`)
    case "TopicChanged":
      return notice(
        event.topic === undefined
          ? `${event.by} cleared the topic of ${event.room}`
          : `${event.by} set the topic of ${event.room} to: ${event.topic}`
      )
    case "Notice":
      return notice(event.text)
    case "Announcement":
      return notice(`[operator] ${event.text}`)
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
