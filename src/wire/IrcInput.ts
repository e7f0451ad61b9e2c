import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { Command } from "../protocol/Command.js"
import type { Envelope } from "../protocol/Event.js"
import { Nick, type Room } from "../protocol/Names.js"
import type { Reply } from "../protocol/Reply.js"
import type { Decoder, Input } from "./Codec.js"
import { SaslExchange } from "./IrcSasl.js"
import { IrcCaps } from "./IrcCaps.js"
import { chanServ, nickServ } from "./ServicesInput.js"
import { clean, nameIn, parseIrc, roomOf } from "./IrcParse.js"
import { command, invalid, maxTargets, roomCommand, roomCommands, usage } from "./IrcRoomInput.js"
import { userCommand, userCommands, userOf } from "./IrcUserInput.js"
import { operCommand } from "./IrcOperInput.js"
import { byteLength, ircLineBytes, prefix } from "./IrcLines.js"
import { cut } from "../protocol/Text.js"
import type { RunFacts } from "./IrcRunFacts.js"

const isNick = Schema.is(Nick)
const decodeCommand = Schema.decodeUnknownResult(Command)

const answer = (reply: Reply): Input => ({ _tag: "Reply", reply })

const ctcpAction = /^\x01ACTION (.*?)\x01?$/s

/** The longest `WHO` mask. */
const maxMask = 64

/** What the server tells of itself, by the command that asks (a server named after it is this one). */
const aboutCommands = { MOTD: "motd", VERSION: "version", TIME: "time", LUSERS: "lusers", ADMIN: "admin", INFO: "info" } as const

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
  "WHO",
  "LIST",
  "HELP"
])

const none: ReadonlyArray<Envelope> = []


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

  readonly decode = (line: string, registered: boolean): Input | ReadonlyArray<Input> | undefined => {
    const message = parseIrc(line)
    if (message === undefined) return undefined
    const { command: name, params } = message
    const target = params[0] === undefined ? undefined : nameIn(params[0])
    if (!registered && !beforeRegistration.has(name)) {
      return known.has(name) ? invalid({ _tag: "NickFirst" }) : invalid({ _tag: "UnknownCommand", name })
    }
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
        if (params.length < 4) return usage("USER")
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
        return this.message(target ?? "", params[1] ?? "", name === "NOTICE")
      case "JOIN":
      case "PART":
      case "NAMES":
      case "TOPIC":
      case "MODE":
      case "KICK":
      case "INVITE":
        return roomCommand(name, params)
      case "AWAY":
      case "WHOIS":
      case "WHOWAS":
      case "USERHOST":
      case "ISON":
        return userCommand(name, params)
      case "WHO":
        return command({ _tag: "Who", mask: target === undefined || target === "" ? "*" : target.slice(0, maxMask) })
      case "LIST":
        return target === undefined || target === "" ? { _tag: "Rooms" } : command({ _tag: "Rooms", filter: target.slice(0, maxMask * 4) })
      case "MOTD":
      case "VERSION":
      case "TIME":
      case "LUSERS":
      case "ADMIN":
      case "INFO":
        return { _tag: "About", what: aboutCommands[name] }
      case "KILL":
      case "KLINE":
      case "UNKLINE":
      case "STATS":
      case "OPER":
      case "WALLOPS":
        return operCommand(name, params)
      case "HELP":
        return { _tag: "Help" }
      default:
        return invalid({ _tag: "UnknownCommand", name })
    }
  }

  constructor(private readonly facts: RunFacts) {}

  readonly filter = (events: ReadonlyArray<Envelope>, self: string): ReadonlyArray<Envelope> => {
    const shown = events.length === 1
      ? this.keeps(events[0], self) ? events : none
      : this.facts.concern(events, self) ? events.filter((envelope) => this.keeps(envelope, self)) : events
    return this.caps.adapts ? this.caps.adapt(shown, this.self) : shown
  }

  /** Whether `self` is shown this event; a quit or rename is remembered, to be shown once. */
  private keeps(envelope: Envelope, self: string): boolean {
    const event = envelope.event
    switch (event._tag) {
      case "Chat":
      case "Action":
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
      case "AwayChanged": {
        // away-notify alone; once however many rooms are shared.
        if (!this.caps.has("away-notify") || this.lastRename === event.change) return false
        this.lastRename = event.change
        return true
      }
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

  // Chat is most of what a client sends: no Schema decoding here (the parts are checked one by one),
  // no regular expression a plain line does not need, and one channel name remembered.
  private message(to: string, raw: string, notice: boolean): Input | ReadonlyArray<Input> | undefined {
    if (to === "") return notice ? undefined : invalid({ _tag: "Usage", command: "PRIVMSG" })
    const targets = to.includes(",") ? to.split(",") : undefined
    if (targets !== undefined && targets.length > maxTargets.PRIVMSG) {
      return notice ? undefined : invalid({ _tag: "TooManyTargets", target: to })
    }
    let action = false
    let body = raw
    if (raw.charCodeAt(0) === 1) {
      const ctcp = ctcpAction.exec(raw)
      // Other CTCP requests (VERSION, PING, ...) have no place in a room: dropped.
      if (ctcp === null) return undefined
      action = true
      body = ctcp[1]
    }
    const text = clean(body)
    if (text.trim() === "") return notice ? undefined : invalid({ _tag: "NoText" })
    if (targets === undefined) return this.messageTo(to, text, notice, action)
    const out: Array<Input> = []
    for (const target of targets) {
      const input = this.messageTo(target, text, notice, action)
      if (input !== undefined) out.push(input)
    }
    return out
  }

  /** The session's nickname, once it has one: its messages are relayed under it. */
  private self: string | undefined = undefined

  readonly named = (nick: string): void => {
    this.self = nick
  }

  /**
   * What of `text` fits one relayed line of 512 bytes, with the sender's prefix (longer than what
   * the client sent): cut, never split, as IRC servers do. A text-protocol line is split instead (`lines`).
   */
  private cutToFit(target: string, text: string, notice: boolean, action: boolean): string {
    if (this.self === undefined) return text
    const head = `${prefix(this.self)} ${notice ? "NOTICE" : "PRIVMSG"} ${target} :`
    const wrapped = action ? 9 : 0
    // Most lines are far from the limit: no counting.
    if ((head.length + text.length + wrapped) * 3 <= ircLineBytes - 2) return text
    return cut(text, ircLineBytes - 2 - byteLength(head) - wrapped)
  }

  private messageTo(target: string, given: string, notice: boolean, action: boolean): Input | undefined {
    if (target.startsWith("#")) {
      const room = this.roomOf(target)
      if (room === undefined) return notice ? undefined : invalid({ _tag: "NoSuchRoom", room: target })
      const text = this.cutToFit(room, given, notice, action)
      // A NOTICE is never answered: an action in one goes as a notice, never as a `/me` that could be refused.
      if (action && !notice) return { _tag: "Me", room, text }
      return notice ? { _tag: "Say", room, text, notice } : { _tag: "Say", room, text }
    }
    if (target.toLowerCase() === "nickserv") return notice ? undefined : nickServ(given)
    if (target.toLowerCase() === "chanserv") return notice ? undefined : chanServ(given)
    if (!isNick(target)) return notice ? undefined : invalid({ _tag: "NoSuchNick", nick: target })
    const nick = target as Nick
    const text = this.cutToFit(nick, given, notice, action)
    if (action) return { _tag: "Msg", nick, text, action }
    return notice ? { _tag: "Msg", nick, text, notice } : { _tag: "Msg", nick, text }
  }

  private lastChannel: string | undefined = undefined
  private lastRoom: Room | undefined = undefined

  private roomOf(channel: string): Room | undefined {
    if (channel !== this.lastChannel) {
      this.lastChannel = channel
      this.lastRoom = roomOf(channel)
    }
    return this.lastRoom
  }
}
