import type { Envelope, Event } from "../protocol/Event.js"
import { TagBits } from "./IrcTags.js"

/**
 * The IRCv3 capabilities a connection negotiated (`CAP LS 302`, `CAP REQ`, `CAP LIST`), and
 * what they change in what it is shown: `away-notify` (`AWAY` from those it shares a channel
 * with), `echo-message` (its own messages come back, a private
 * one as the `PRIVMSG` it sent), `multi-prefix` (`@+` in `NAMES` and `WHO`), `userhost-in-names`
 * (`nick!user@host` in `NAMES`), `sasl` (see
 * `IrcSasl`), `cap-notify` (on with 302; hubbub's capabilities never change while it runs);
 * `account-notify`, `setname` and `invite-notify` (what members of its channels do, which its
 * decoder's filter lets through); `extended-monitor` (with those, what the nicknames it monitors
 * do while it shares no channel with them); `server-time`, `message-tags`, `batch`, `account-tag` and
 * `extended-join`, which its codec variant shows (`IrcTags`); `draft/chathistory` (`CHATHISTORY`); and
 * `labeled-response` (`IrcLabels`), which takes `batch` besides.
 */
export const offered: ReadonlyArray<string> = [
  "account-notify",
  "account-tag",
  "away-notify",
  "batch",
  "cap-notify",
  "draft/chathistory",
  "echo-message",
  "extended-join",
  "extended-monitor",
  "invite-notify",
  "labeled-response",
  "message-tags",
  "multi-prefix",
  "sasl",
  "server-time",
  "setname",
  "userhost-in-names"
]

/** The capabilities its codec variant shows, each as its bit. */
const tagCaps = [
  ["server-time", TagBits.time],
  ["message-tags", TagBits.tags],
  ["batch", TagBits.batch],
  ["account-tag", TagBits.account],
  ["extended-join", TagBits.extendedJoin]
] as const

export class IrcCaps {
  private readonly on = new Set<string>()
  /** Whether anything this connection is shown differs for it: its answers are looked at. */
  adapts = false
  /** Its codec variant: the `TagBits` its capabilities ask for. */
  bits = 0
  /** Whether its labels are read: `labeled-response` and the `batch` its answers may come in. */
  labels = false

  has(cap: string): boolean {
    return this.on.has(cap)
  }

  /** `CAP LS [version]`: every capability (302 and later are told sasl's mechanisms, and get cap-notify). */
  ls(version: number): string {
    if (version >= 302) this.on.add("cap-notify")
    return offered.map((cap) => cap === "sasl" && version >= 302 ? "sasl=PLAIN" : cap).join(" ")
  }

  list(): string {
    return offered.filter((cap) => this.on.has(cap)).join(" ")
  }

  /** `CAP REQ :a -b`: all or nothing; whether it was taken. */
  req(asked: ReadonlyArray<string>): boolean {
    if (asked.length === 0 || asked.some((cap) => !offered.includes(cap.startsWith("-") ? cap.slice(1) : cap))) return false
    for (const cap of asked) {
      if (cap.startsWith("-")) this.on.delete(cap.slice(1))
      else this.on.add(cap)
    }
    this.adapts = this.on.has("echo-message") || this.on.has("multi-prefix") || this.on.has("userhost-in-names")
    this.labels = this.on.has("labeled-response") && this.on.has("batch")
    this.bits = 0
    for (const [cap, bit] of tagCaps) if (this.on.has(cap)) this.bits |= bit
    return true
  }

  /** The answers in a delivery as this connection's capabilities show them; the same array when none changes. */
  adapt(events: ReadonlyArray<Envelope>, self: string | undefined): ReadonlyArray<Envelope> {
    let out: Array<Envelope> | undefined = undefined
    for (let i = 0; i < events.length; i++) {
      const event = events[i].event
      if (event._tag !== "Answer") continue
      const shown = this.answer(event, self)
      if (shown === undefined) continue
      out ??= events.slice()
      out[i] = { ...events[i], event: shown }
    }
    return out ?? events
  }

  private answer(answer: Extract<Event, { readonly _tag: "Answer" }>, self: string | undefined): Event | undefined {
    const { reply, to } = answer
    switch (reply._tag) {
      case "Sent":
        // echo-message: a private message (a TAGMSG too) comes back as it went.
        if (!this.on.has("echo-message") || self === undefined) return undefined
        return reply.tagged
          ? { _tag: "Tagged", to, nick: reply.to, from: self, session: to, tags: reply.tags ?? "", ...(reply.id === undefined ? {} : { id: reply.id }) }
          : {
            _tag: "Private",
            to,
            nick: reply.to,
            from: self,
            text: reply.text,
            ...(reply.notice ? { notice: true } : {}),
            ...(reply.action ? { action: true } : {}),
            ...(reply.status === undefined ? {} : { room: reply.room ?? "", status: reply.status }),
            ...(reply.id === undefined ? {} : { id: reply.id }),
            ...(reply.tags === undefined ? {} : { tags: reply.tags })
          }
      case "Members": {
        const multi = this.on.has("multi-prefix")
        const full = this.on.has("userhost-in-names")
        return multi || full ? { ...answer, reply: { ...reply, ...(multi ? { multiPrefix: true } : {}), ...(full ? { userhosts: true } : {}) } } : undefined
      }
      case "WhoList":
        return this.on.has("multi-prefix") ? { ...answer, reply: { ...reply, multiPrefix: true } } : undefined
      default:
        return undefined
    }
  }
}
