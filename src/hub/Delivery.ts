import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { Envelope, type Event } from "../protocol/Event.js"
import type { Nick, Room, SessionId } from "../protocol/Names.js"
import { Dispatcher, runDispatcher } from "./Dispatcher.js"
import type { Recipient } from "./Hub.js"

/** Where an event goes: to the members of a room, to one session, or (neither) to every session. */
export interface Address {
  readonly room: string | undefined
  readonly to: string | undefined
}

const everyone: Address = { room: undefined, to: undefined }

/** An event's address, as its fields say. */
export const addressOf = (event: Event): Address => {
  switch (event._tag) {
    case "Chat":
    case "Action":
    case "Renamed":
    case "InviteNoted":
    case "TopicChanged":
    case "ModeChanged":
      return { room: event.room, to: undefined }
    case "Joined":
    case "Left":
      return event.quiet ? { room: undefined, to: event.session } : { room: event.room, to: undefined }
    case "MemberChanged":
    case "Tagged":
      return event.room !== undefined ? { room: event.room, to: undefined } : { room: undefined, to: event.to }
    case "Private":
    case "Answer":
    case "Invited":
      return { room: undefined, to: event.to }
    case "Notice":
      return event.to !== undefined ? { room: undefined, to: event.to } : { room: event.room, to: undefined }
    case "Announcement":
    case "Wallops":
    case "ServerBanChanged":
    case "RoomRegistered":
      return everyone
    case "Closing":
      return event.to !== undefined ? { room: undefined, to: event.to } : everyone
  }
}

/**
 * A hub's delivery to the sessions of this process: one Effect `PubSub`
 * that carries every event, numbered in publication order, and a
 * {@link Dispatcher} that hands each subscribed session its events. Every
 * hub layer delivers through one; they differ in what they put in it.
 */
export class Delivery {
  private seq = 0
  /** The server's last word to everyone; a session that subscribes after it still gets it. */
  private farewell: Event | undefined = undefined

  private constructor(
    private readonly bus: PubSub.PubSub<Envelope>,
    private readonly dispatcher: Dispatcher,
    private readonly clock: Clock.Clock
  ) {}

  static readonly make: Effect.Effect<Delivery, never, Scope.Scope> = Effect.gen(function*() {
    const bus = yield* Effect.acquireRelease(PubSub.unbounded<Envelope>(), PubSub.shutdown)
    const dispatcher = new Dispatcher()
    yield* runDispatcher(dispatcher, bus)
    return new Delivery(bus, dispatcher, yield* Clock.Clock)
  })

  /** Whether `session` is subscribed here. */
  has(session: SessionId): boolean {
    return this.dispatcher.has(session)
  }

  /** Tells a subscribed session that the account it was identified as was dropped on another server. */
  loggedOut(session: SessionId, account: string): Effect.Effect<void> {
    return this.dispatcher.recipient(session)?.loggedOut?.(account) ?? Effect.void
  }

  /** Tells a subscribed session that a server operator disconnects it. */
  killed(session: SessionId, by: string, reason: string): void {
    this.dispatcher.recipient(session)?.killed?.(by, reason)
  }

  /** Tells a subscribed session that an operator took it out of a room. */
  removed(session: SessionId, room: Room): void {
    this.dispatcher.recipient(session)?.removed?.(room)
  }

  /** Tells a subscribed session that the hub gave it another nickname. */
  renamed(session: SessionId, nick: Nick): void {
    this.dispatcher.recipient(session)?.renamed?.(nick)
  }

  /** Hands an event to the bus, addressed as given; `at` is when it was published (now, by default). */
  stamp(event: Event, room: string | undefined, to: string | undefined, at?: number): Envelope {
    if (event._tag === "Closing" && to === undefined) this.farewell = event
    const envelope = new Envelope(event, ++this.seq, room, to, at ?? this.clock.currentTimeMillisUnsafe())
    PubSub.publishUnsafe(this.bus, envelope)
    return envelope
  }

  /** Subscribes a session already in `rooms` to what is stamped from now on. */
  subscribe(session: SessionId, recipient: Recipient, rooms: ReadonlyArray<Room>): Effect.Effect<void, never, Scope.Scope> {
    return Effect.flatMap(Effect.scope, (scope) => {
      const entry = this.dispatcher.attach(session, recipient, rooms, this.seq)
      if (this.farewell !== undefined) this.stamp({ ...this.farewell, to: session } as Event, undefined, session)
      return Scope.addFinalizer(scope, Effect.sync(() => this.dispatcher.detach(entry)))
    })
  }

  /** Every event, as it is stamped. */
  get events(): Stream.Stream<Envelope> {
    return Stream.fromPubSub(this.bus)
  }
}
