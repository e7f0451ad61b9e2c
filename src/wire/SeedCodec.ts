import { briefText } from "../protocol/CloseReason.js"
import type { Event } from "../protocol/Event.js"
import { sanitize } from "../protocol/Text.js"
import type { Decoder, Format, Input } from "./Codec.js"

/**
 * The wire of the Python server hubbub grew from, for its clients: no
 * greeting and no nickname (a client is its address, in `#lobby`); every
 * message comes back to everyone as `ACK <text>`, the sender's included;
 * `quit` is answered `Disconnect!!!` and closes. A message is a line, or
 * what one read brought without a line end, as the original read 1024-byte
 * chunks. Lobby members' messages arrive as `ACK <nick> text`; notices,
 * joins, leaves and rooms' topics and modes are not shown (the original had
 * none).
 */
const ack = (text: string) => `ACK ${text}\n`

const render = (event: Event): string => {
  switch (event._tag) {
    case "Chat":
      return ack(event.plain ? event.text : `<${event.from}> ${event.text}`)
    case "Action":
      return ack(`* ${event.from} ${event.text}`)
    case "Private":
      return ack(`*${event.from}* ${event.text}`)
    case "Announcement":
      return ack(`[operator] ${event.text}`)
    case "Answer":
      switch (event.reply._tag) {
        case "LineTooLong":
          return `Line too long (more than ${event.reply.max} bytes); it was discarded.\n`
        case "Refused":
          return event.reply.why === "full"
            ? `Server full (${event.reply.limit} connections); try again later.\n`
            : event.reply.why === "address"
            ? `Too many connections from your address (limit ${event.reply.limit}).\n`
            : "Server shutting down.\n"
        default:
          return ""
      }
    case "Closing":
      return event.reason._tag === "Quit" ? "Disconnect!!!" : `Disconnect!!! (${briefText(event.reason)})\n`
    case "Joined":
    case "Left":
    case "Renamed":
    case "TopicChanged":
    case "ModeChanged":
    case "Invited":
    case "Notice":
    case "Wallops":
    case "ServerBanChanged":
    case "RoomRegistered":
    case "MemberChanged":
    case "InviteNoted":
    case "Tagged":
      return ""
  }
}

const decoder: Decoder = {
  decode: (line: string): Input | undefined => {
    const clean = sanitize(line)
    if (clean.trim() === "") return undefined
    if (clean.trim() === "quit") return { _tag: "Quit" }
    return { _tag: "Say", text: clean }
  }
}

export const seedFormat: Format = {
  name: "seed",
  telnet: false,
  rooms: "one",
  anonymous: true,
  readEndsLine: true,
  decoder: () => decoder,
  render
}
