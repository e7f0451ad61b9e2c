import * as Effect from "effect/Effect"
import type { Recipient } from "../hub/Hub.js"
import { Waiter } from "../internal/Waiter.js"
import type { Counters } from "../observe/Stats.js"
import type { Envelope, Event, ServerNote } from "../protocol/Event.js"
import type { Nick, Room, SessionId } from "../protocol/Names.js"
import type { CodecShape, Decoder, LabelWindow } from "../wire/Codec.js"
import type { Outbox } from "./Outbox.js"

/** What a receiver asks of its session: methods, not a closure each (a connection's memory). */
export interface ReceiverOwner {
  /** The session's own count of the events delivered. */
  messagesOut: number
  /** Keeps the nickname the hub gave the session. */
  renamedTo(nick: Nick): void
  /** Forgets the account the session was identified as, dropped on another server, and says so. */
  accountDropped(account: string): Effect.Effect<void>
  /** Forgets a room an operator took the session out of. */
  removedFrom(room: Room): void
  /** Ends the session: a server operator's kill. */
  killedBy(by: string, reason: string): void
  /** What every server learns (a server ban, a room registered), from any server: a session a server ban is for ends. Not shown. */
  learn(note: ServerNote): void
  /** Whether the session is shown `WALLOPS`: a server operator's, or one that set `+w`. */
  showsWallops(): boolean
  /** Whether an event addressed to the session comes from someone it silenced: then it is not shown. */
  silences(event: Event): boolean
}

/**
 * A session's side of the hub's delivery: what the hub hands it is filtered
 * by its codec (IRC shows no sender its own messages), encoded (a room's run
 * once for all its members) and handed to its outbox. Its `Closing` is the
 * last thing it takes.
 */
export class Receiver implements Recipient {
  /** Whether the hub's deliveries are still taken: until its last event, or until it is cut off. */
  receiving = true
  private readonly last = new Waiter()
  /** The answers to a labeled command, while they arrive (IRCv3 labeled-response). */
  private window: LabelWindow | undefined = undefined

  constructor(
    private readonly self: SessionId,
    private readonly codec: CodecShape,
    private readonly decoder: Decoder,
    private readonly outbox: Outbox,
    private readonly counters: Pick<Counters, "messagesOut">,
    private readonly mine: ReceiverOwner
  ) {}

  renamed(nick: Nick): void {
    this.mine.renamedTo(nick)
  }

  loggedOut(account: string): Effect.Effect<void> {
    return this.mine.accountDropped(account)
  }

  removed(room: Room): void {
    this.mine.removedFrom(room)
  }

  killed(by: string, reason: string): void {
    this.mine.killedBy(by, reason)
  }

  private learned(note: ServerNote): void {
    this.mine.learn(note)
  }

  /** Whether an event addressed to the session is kept from it. */
  private hidden(event: Event): boolean {
    return (event._tag === "Wallops" && !this.mine.showsWallops()) || this.mine.silences(event)
  }

  deliver(events: ReadonlyArray<Envelope>): void {
    if (!this.receiving) return
    const { counters } = this
    const variant = this.decoder.variant
    const codec = variant === undefined || variant === 0 ? this.codec : this.codec.variant(variant)
    if (this.window !== undefined) return this.deliverLabeled(codec, events)
    // A labeled command's first answer comes to the session alone, on a wire with labels.
    if (events[0].to !== undefined && codec.labeled !== undefined) {
      const at = events.findIndex(isLabel)
      if (at !== -1) {
        if (at > 0) this.deliver(events.slice(0, at))
        if (this.receiving) this.deliverLabeled(codec, at === 0 ? events : events.slice(at))
        return
      }
    }
    const whole = events
    const filter = this.decoder.filter
    if (filter !== undefined) events = filter(events, this.self)
    if (events.length === 0) return
    if (events[0].room !== undefined) {
      const bytes = codec.encodeRun(events, whole)
      // All of it left out by the wire (a TAGMSG shown to a client that has no tags).
      if (bytes.length === 0) return
      this.outbox.push(bytes, events[0].at)
      counters.messagesOut += events.length
      this.mine.messagesOut += events.length
      return
    }
    for (let i = 0; i < events.length; i++) {
      const envelope = events[i]
      if (this.hidden(envelope.event)) continue
      if (envelope.event._tag === "ServerBanChanged" || envelope.event._tag === "RoomRegistered") {
        this.learned(envelope.event)
        continue
      }
      if (envelope.event._tag === "Closing") {
        this.outbox.force(codec.encode(envelope), envelope.at)
        counters.messagesOut += i + 1
        this.mine.messagesOut += i + 1
        return this.stop()
      }
      const bytes = codec.encode(envelope)
      if (bytes.length > 0) this.outbox.push(bytes, envelope.at)
    }
    counters.messagesOut += events.length
    this.mine.messagesOut += events.length
  }

  /**
   * A delivery from a labeled command's first answer on, event by event, each shown through its
   * window, until its last answer: the events after that are delivered as any are.
   */
  private deliverLabeled(codec: CodecShape, events: ReadonlyArray<Envelope>): void {
    const filter = this.decoder.filter
    let out = ""
    let shown = 0
    for (let i = 0; i < events.length; i++) {
      const envelope = events[i]
      const event = envelope.event
      if (event._tag === "Answer" && event.reply._tag === "Label") {
        if (this.window !== undefined) out += this.window.end()
        this.window = event.reply.end ? undefined : codec.labeled?.(event.reply.label, this.self, event.nick)
        if (this.window !== undefined) continue
        this.delivered(shown)
        if (out !== "") this.outbox.push(Buffer.from(out, "utf8"), envelope.at)
        if (i + 1 < events.length) this.deliver(events.slice(i + 1))
        return
      }
      shown++
      const window = this.window!
      if (this.hidden(event)) continue
      if (event._tag === "ServerBanChanged" || event._tag === "RoomRegistered") {
        this.learned(event)
        continue
      }
      const answers = window.answers(event)
      for (const one of filter === undefined ? [envelope] : filter([envelope], this.self)) {
        out += window.add(codec.render(one.event, one.at), answers)
      }
      if (event._tag === "Closing") {
        this.window = undefined
        this.outbox.force(Buffer.from(out + window.end(), "utf8"), envelope.at)
        this.delivered(shown)
        return this.stop()
      }
    }
    this.delivered(shown)
    if (out !== "") this.outbox.push(Buffer.from(out, "utf8"), events[0].at)
  }

  private delivered(events: number): void {
    this.counters.messagesOut += events
    this.mine.messagesOut += events
  }

  /** Takes nothing more. */
  stop(): void {
    this.receiving = false
    this.last.done()
  }

  /** Completes once its `Closing` has been delivered (or it stopped taking deliveries). */
  get closingDelivered(): Effect.Effect<void> {
    return Effect.suspend(() => this.receiving ? this.last.wait : Effect.void)
  }
}

const isLabel = (envelope: Envelope): boolean => envelope.event._tag === "Answer" && envelope.event.reply._tag === "Label"
