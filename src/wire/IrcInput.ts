import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { Command } from "../protocol/Command.js"
import type { Envelope } from "../protocol/Event.js"
import { Nick } from "../protocol/Names.js"
import type { Reply } from "../protocol/Reply.js"
import type { Decoder, Input } from "./Codec.js"
import { SaslExchange } from "./IrcSasl.js"
import { IrcCaps } from "./IrcCaps.js"
import { clean, type IrcMessage, nameIn, parseIrc } from "./IrcParse.js"
import { IrcMessages } from "./IrcMessageInput.js"
import { chatHistory } from "./IrcHistoryInput.js"
import { monitorCommand } from "./IrcMonitor.js"
import { clientTags, tagLimits } from "./IrcTags.js"
import { labeled, labelOf } from "./IrcLabels.js"
import { command, invalid, roomCommand, roomCommands, usage } from "./IrcRoomInput.js"
import { userCommand, userCommands, userOf } from "./IrcUserInput.js"
import { operCommand } from "./IrcOperInput.js"
import { byteLength, ircLineBytes } from "./IrcLines.js"
import { aboutCommands, disabledCommands } from "./IrcAbout.js"
import type { RunFacts } from "./IrcRunFacts.js"

const isNick = Schema.is(Nick)
const decodeCommand = Schema.decodeUnknownResult(Command)

const answer = (reply: Reply): Input => ({ _tag: "Reply", reply })


/** The longest `WHO` mask. */
const maxMask = 64


/** Commands a client may send before it has registered. */
const beforeRegistration = new Set(["CAP", "NICK", "USER", "PASS", "PING", "PONG", "QUIT", "AUTHENTICATE"])
/** Commands hubbub knows (the others get 421). */
const known = new Set([
  ...beforeRegistration,
  ...roomCommands,
  ...Object.keys(aboutCommands),
  ...userCommands,
  "PRIVMSG",
  "NOTICE",
  "TAGMSG",
  "CHATHISTORY",
  "MONITOR",
  ...disabledCommands,
  "WHO",
  "LIST",
  "HELP"
])

const none: ReadonlyArray<Envelope> = []

/** WHOX's `%fields[,token]`: the fields hubbub knows, and a token of 1 to 3 digits. */
const whox = (param: string | undefined): { fields?: string; token?: string } => {
  const asked = /^%([a-z]+)(?:,(\d{1,3}))?$/.exec(param ?? "")
  if (asked === null) return {}
  const fields = [...new Set(asked[1]!)].filter((field) => "tcuihsnfdlaor".includes(field)).join("")
  return asked[2] === undefined ? { fields } : { fields, token: asked[2] }
}

/** The capability that shows a member's change of each kind. */
const notifiedBy = { away: "away-notify", account: "account-notify", realName: "setname" } as const

/**
 * Whether a line is over IRC's limits: 510 bytes without its tags, and at most 4094 bytes of tags
 * (without the `@` and the space), client-only or not: what a client may send (IRCv3 message-tags).
 */
const tooLong = (line: string): boolean => {
  if (line.charCodeAt(0) !== 64) return byteLength(line) > ircLineBytes - 2
  const space = line.indexOf(" ")
  const tags = space === -1 ? line : line.slice(0, space + 1)
  return byteLength(tags) - (space === -1 ? 1 : 2) > tagLimits.client || byteLength(line) - byteLength(tags) > ircLineBytes - 2
}


/**
 * One IRC connection's reader. Registration takes `NICK` and `USER` in
 * either order; a `CAP LS` holds it until `CAP END`. What it needs of the
 * hub becomes a command; what it can answer alone (`PING`, `CAP`) becomes
 * a reply, still sent through the hub in order.
 */
export class IrcDecoder implements Decoder {
  private nick: string | undefined = undefined
  /** What `USER` gave: a user name and a real name. */
  private user: ReturnType<typeof userOf> | undefined = undefined
  private negotiating = false
  /** What the client asked for with `CAP REQ` (AUTHENTICATE works only after `sasl`). */
  private readonly caps = new IrcCaps()
  private readonly exchange = new SaslExchange()
  /** The last quit and rename shown, so that a user in several shared rooms is seen to leave or rename once. */
  private lastQuit: string | undefined = undefined
  private lastRename: string | undefined = undefined

  private readonly messages = new IrcMessages(isNick)

  readonly decode = (line: string, registered: boolean): Input | ReadonlyArray<Input> | undefined => {
    // No UTF-16 unit takes more than 3 bytes: most lines are not counted.
    if (line.length * 3 > ircLineBytes - 2 && tooLong(line)) return invalid({ _tag: "LineTooLong", max: ircLineBytes - 2 })
    const message = parseIrc(line)
    if (message === undefined) return undefined
    const label = message.tags === undefined || !this.caps.labels ? undefined : labelOf(message.tags)
    return label === undefined ? this.read(message, registered) : labeled(label, this.read(message, registered))
  }

  /** What a line says, whatever its label. */
  private read(message: IrcMessage, registered: boolean): Input | ReadonlyArray<Input> | undefined {
    const { command: name, params } = message
    const target = params[0] === undefined ? undefined : nameIn(params[0])
    if (!registered && !beforeRegistration.has(name)) {
      return known.has(name) ? invalid({ _tag: "NickFirst" }) : invalid({ _tag: "UnknownCommand", name })
    }
    if (disabledCommands.has(name)) return invalid({ _tag: "Disabled", command: name })
    switch (name) {
      case "CAP":
        return this.cap(params, registered)
      case "PASS":
      case "PONG":
        return undefined
      case "AUTHENTICATE":
        if (params[0] === undefined || params[0] === "") return usage("AUTHENTICATE")
        return this.caps.has("sasl") ? this.authenticate(params[0]) : answer({ _tag: "AccountNote", what: "saslFailed" })
      case "NICK":
        return this.setNick(target, registered)
      case "USER":
        if (registered) return invalid({ _tag: "AlreadyRegistered" })
        // An empty username or real name is none (modern.ircdocs.horse: 461).
        if (params.length < 4 || params[0] === "" || params[3] === "") return usage("USER")
        this.user = userOf(params[0], params[3])
        return this.registration()
      case "PING":
        return params.length === 0 ? usage("PING") : answer({ _tag: "Pong", token: params[0] })
      case "QUIT":
        return params[0] === undefined || params[0] === ""
          ? { _tag: "Quit" }
          : { _tag: "Quit", reason: clean(params[0]) }
      case "PRIVMSG":
      case "NOTICE":
        return this.messages.message(target ?? "", params[1] ?? "", name === "NOTICE", this.tagsOf(message.tags))
      case "TAGMSG":
        return this.messages.tagMessage(target ?? "", this.tagsOf(message.tags))
      case "CHATHISTORY":
        return chatHistory(params)
      case "MONITOR":
        return monitorCommand(params)
      case "JOIN":
      case "PART":
      case "NAMES":
      case "TOPIC":
      case "MODE":
      case "KICK":
      case "REMOVE":
      case "INVITE":
      case "KNOCK":
        return roomCommand(name, params)
      case "AWAY":
      case "WHOIS":
      case "WHOWAS":
      case "USERHOST":
      case "ISON":
      case "SETNAME":
      case "SILENCE":
      case "ACCEPT":
        return userCommand(name, params)
      case "WHO":
        return command({ _tag: "Who", mask: target === undefined || target === "" ? "*" : target.slice(0, maxMask), ...whox(params[1]) })
      case "LIST":
        return target === undefined || target === "" ? { _tag: "Rooms" } : command({ _tag: "Rooms", filter: target.slice(0, maxMask * 4) })
      case "MOTD":
      case "VERSION":
      case "TIME":
      case "LUSERS":
      case "ADMIN":
      case "INFO":
      case "LINKS":
      case "TRACE":
      case "MAP":
        return { _tag: "About", what: aboutCommands[name] }
      case "KILL":
      case "KLINE":
      case "UNKLINE":
      case "STATS":
      case "OPER":
      case "WALLOPS":
        return operCommand(name, params)
      case "HELP":
      case "HELPOP":
        return params[0] === undefined || params[0] === "" ? { _tag: "Help" } : { _tag: "Help", topic: params[0] }
      default:
        return invalid({ _tag: "UnknownCommand", name })
    }
  }

  constructor(private readonly facts: RunFacts) {}

  /** The session's nickname, whenever it is given or changes: its messages are relayed under it. */
  readonly named = (nick: string): void => {
    this.messages.self = nick
  }

  /** Its codec variant: what its capabilities add to its lines (`IrcTags`). */
  get variant(): number {
    return this.caps.bits
  }

  /** The client-only tags of a message, to relay, for a client that negotiated them. */
  private tagsOf(section: string | undefined): string | undefined {
    return section === undefined || !this.caps.has("message-tags") ? undefined : clientTags(section)
  }

  readonly filter = (events: ReadonlyArray<Envelope>, self: string): ReadonlyArray<Envelope> => {
    const shown = events.length === 1
      ? this.keeps(events[0], self) ? events : none
      : this.facts.concern(events, self) ? events.filter((envelope) => this.keeps(envelope, self)) : events
    return this.caps.adapts ? this.caps.adapt(shown, this.messages.self) : shown
  }

  /** Whether `self` is shown this event; a quit or rename is remembered, to be shown once. */
  private keeps(envelope: Envelope, self: string): boolean {
    const event = envelope.event
    switch (event._tag) {
      case "Chat":
      case "Action":
      case "Tagged":
        // echo-message: its own come back too.
        return event.session !== self || this.caps.has("echo-message")
      case "Left": {
        if (!event.quit) return true
        if (this.lastQuit === event.session) return false
        this.lastQuit = event.session
        return true
      }
      case "Renamed": {
        if (this.lastRename === event.change) return false
        this.lastRename = event.change
        return true
      }
      case "MemberChanged": {
        // Only to those that asked (a watcher in none of its rooms: extended-monitor too); once however many rooms are shared.
        if (!this.caps.has(notifiedBy[event.what]) || this.lastRename === event.change) return false
        if (event.to !== undefined && event.nick !== this.messages.self && !this.caps.has("extended-monitor")) return false
        this.lastRename = event.change
        return true
      }
      case "InviteNoted":
        return this.caps.has("invite-notify") && event.by !== this.messages.self
      default:
        return true
    }
  }

  /** A step of SASL; a login whose account name is no nickname fails like a wrong password. */
  private authenticate(param: string): Input | undefined {
    const step = this.exchange.step(param)
    if (step?._tag !== "Account") return step
    const decoded = decodeCommand(step)
    return Result.isSuccess(decoded) ? decoded.success : answer({ _tag: "AccountNote", what: "saslFailed" })
  }

  private cap(params: ReadonlyArray<string>, registered: boolean): Input | undefined {
    const sub = (params[0] ?? "").toUpperCase()
    switch (sub) {
      case "LS":
        if (!registered) this.negotiating = true
        return answer({ _tag: "Capabilities", sub: "LS", caps: this.caps.ls(Number(params[1])) })
      case "LIST":
        return answer({ _tag: "Capabilities", sub: "LIST", caps: this.caps.list() })
      case "REQ": {
        if (!registered) this.negotiating = true
        const asked = (params[1] ?? "").trim().split(/ +/).filter((cap) => cap !== "")
        return answer({ _tag: "Capabilities", sub: this.caps.req(asked) ? "ACK" : "NAK", caps: (params[1] ?? "").trim() })
      }
      case "END":
        if (registered || !this.negotiating) return undefined
        this.negotiating = false
        return this.registration()
      default:
        return invalid({ _tag: "Capabilities", sub: "INVALID", caps: params[0] ?? "" })
    }
  }

  private setNick(given: string | undefined, registered: boolean): Input | undefined {
    if (given === undefined || given === "") return usage("NICK")
    if (!isNick(given)) return invalid({ _tag: "InvalidNick", nick: given })
    if (registered) return command({ _tag: "Nick", nick: given })
    this.nick = given
    return this.registration()
  }

  /** Registers once it has a nickname and a user, and no capability negotiation holds it. */
  private registration(): Input | undefined {
    if (this.nick === undefined || this.user === undefined || this.negotiating) return undefined
    return command({ _tag: "Nick", nick: this.nick, ...this.user })
  }
}
