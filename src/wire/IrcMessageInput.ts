import type { Nick, Room } from "../protocol/Names.js"
import { cut } from "../protocol/Text.js"
import type { Input } from "./Codec.js"
import { byteLength, ircLineBytes, prefix } from "./IrcLines.js"
import { clean, roomOf } from "./IrcParse.js"
import { invalid, maxTargets } from "./IrcRoomInput.js"
import { chanServ, nickServ } from "./ServicesInput.js"

const ctcpAction = /^\x01ACTION (.*?)\x01?$/s

/**
 * One IRC connection's messages: `PRIVMSG`, `NOTICE` and `TAGMSG` as hub commands, with the
 * client-only tags they came with (for a client that negotiated `message-tags`).
 */
export class IrcMessages {
  /** The session's nickname, once it has one: its messages are relayed under it. */
  self: string | undefined = undefined
  private lastChannel: string | undefined = undefined
  private lastRoom: Room | undefined = undefined

  constructor(private readonly isNick: (nick: string) => nick is Nick) {}

  // Chat is most of what a client sends: no Schema decoding here (the parts are checked one by one),
  // no regular expression a plain line does not need, and one channel name remembered.
  message(to: string, raw: string, notice: boolean, tags: string | undefined): Input | ReadonlyArray<Input> | undefined {
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
    if (targets === undefined) return this.messageTo(to, text, notice, action, tags)
    const out: Array<Input> = []
    for (const target of targets) {
      const input = this.messageTo(target, text, notice, action, tags)
      if (input !== undefined) out.push(input)
    }
    return out
  }

  /** `TAGMSG target`: nothing to relay without client-only tags. */
  tagMessage(target: string, tags: string | undefined): Input | undefined {
    if (tags === undefined || target === "") return undefined
    if (target.startsWith("#")) {
      const room = this.roomOf(target)
      return room === undefined ? invalid({ _tag: "NoSuchRoom", room: target }) : { _tag: "TagMsg", room, tags }
    }
    return this.isNick(target) ? { _tag: "TagMsg", nick: target, tags } : invalid({ _tag: "NoSuchNick", nick: target })
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

  private messageTo(target: string, given: string, notice: boolean, action: boolean, tags: string | undefined): Input | undefined {
    const tagged = tags === undefined ? {} : { tags }
    // STATUSMSG: `@#room` to its operators, `+#room` to its voiced members and operators.
    if ((target.startsWith("@#") || target.startsWith("+#")) && !action) {
      const room = this.roomOf(target.slice(1))
      if (room === undefined) return notice ? undefined : invalid({ _tag: "NoSuchRoom", room: target.slice(1) })
      const status = target[0] as "@" | "+"
      const text = this.cutToFit(target, given, notice, action)
      return notice ? { _tag: "Say", room, text, notice, status, ...tagged } : { _tag: "Say", room, text, status, ...tagged }
    }
    if (target.startsWith("#")) {
      const room = this.roomOf(target)
      if (room === undefined) return notice ? undefined : invalid({ _tag: "NoSuchRoom", room: target })
      const text = this.cutToFit(room, given, notice, action)
      // A NOTICE is never answered: an action in one goes as a notice, never as a `/me` that could be refused.
      if (action && !notice) return { _tag: "Me", room, text, ...tagged }
      return notice ? { _tag: "Say", room, text, notice, ...tagged } : { _tag: "Say", room, text, ...tagged }
    }
    if (target.toLowerCase() === "nickserv") return notice ? undefined : nickServ(given)
    if (target.toLowerCase() === "chanserv") return notice ? undefined : chanServ(given)
    if (!this.isNick(target)) return notice ? undefined : invalid({ _tag: "NoSuchNick", nick: target })
    const text = this.cutToFit(target, given, notice, action)
    if (action) return { _tag: "Msg", nick: target, text, action, ...tagged }
    return notice ? { _tag: "Msg", nick: target, text, notice, ...tagged } : { _tag: "Msg", nick: target, text, ...tagged }
  }

  private roomOf(channel: string): Room | undefined {
    if (channel !== this.lastChannel) {
      this.lastChannel = channel
      this.lastRoom = roomOf(channel)
    }
    return this.lastRoom
  }
}
