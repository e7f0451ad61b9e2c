import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { ChatConfig } from "./ChatConfig.js"
import { Doorbell, type Listener as DoorbellListener } from "./Doorbell.js"
import { Envelope, type Event } from "./Event.js"
import { Lobby, type Nick, type Room } from "./Protocol.js"

export class NickInUse extends Schema.TaggedError<NickInUse>()("NickInUse", { nick: Schema.String }) {
  override get message() {
    return `Nickname ${this.nick} is already in use.`
  }
}

/**
 * A subscription to every event: `take` returns at once what was published
 * since the last take, in publication order (possibly nothing), and `next`
 * waits until something more was. The wait is a {@link Doorbell} rung once
 * per event-loop turn, so a subscriber takes a turn's events together.
 */
export interface Subscription {
  readonly take: Effect.Effect<ReadonlyArray<Envelope>>
  readonly next: Effect.Effect<void>
}

/**
 * Where the hub delivers one session's events: called in the hub's delivery
 * pass, at most a few times per event-loop turn, with the session's next
 * events in publication order. The members of a room are handed the very same
 * array of that room's events, so a codec renders it once for all of them
 * (`Codec.encodeRun`). It runs inside the pass: it must not block, and should
 * not throw (a recipient that throws is dropped and the failure logged).
 */
export interface Recipient {
  readonly deliver: (events: ReadonlyArray<Envelope>) => void
}

class Firehose implements Subscription, DoorbellListener {
  listening = false
  readonly take: Effect.Effect<ReadonlyArray<Envelope>>
  readonly next: Effect.Effect<void>
  private seen = 0
  private resume: ((effect: Effect.Effect<void>) => void) | undefined = undefined

  constructor(readonly bell: Doorbell, subscription: PubSub.Subscription<Envelope>) {
    bell.add(this)
    const poll = PubSub.takeUpTo(subscription, Infinity)
    this.take = Effect.suspend(() => {
      this.seen = bell.count
      return poll
    })
    const cancel = Effect.sync(() => {
      this.listening = false
      this.resume = undefined
    })
    this.next = Effect.callback<void>((resume) => {
      if (bell.count !== this.seen) return resume(Effect.void)
      this.resume = resume
      this.listening = true
      return cancel
    })
  }

  wake(): void {
    const resume = this.resume
    this.resume = undefined
    resume?.(Effect.void)
  }
}

/** An attached session, filed under the room it gets events from. */
interface Entry {
  readonly session: string
  readonly recipient: Recipient
  room: string | undefined
  /** The last publication before it attached: nothing up to it is delivered to it. */
  readonly since: number
}

/**
 * Hands the published events to the attached sessions, in publication order,
 * a turn's events in one pass. It follows rooms by the events themselves: a
 * session gets a room's events from its own `Joined` on, so a move never
 * loses or duplicates a message, and the old room's events up to the move
 * (its own departure included) still reach it. Consecutive events of one room
 * go to its members as one shared run.
 */
class Dispatcher {
  readonly entries = new Map<string, Entry>()
  private readonly members = new Map<string, Set<Entry>>()
  private failures: Array<readonly [string, unknown]> = []

  attach(session: string, recipient: Recipient, room: string | undefined, since: number): Entry {
    const old = this.entries.get(session)
    if (old !== undefined) this.detach(old)
    const entry: Entry = { session, recipient, room: undefined, since }
    this.entries.set(session, entry)
    if (room !== undefined) this.file(entry, room)
    return entry
  }

  detach(entry: Entry): void {
    if (this.entries.get(entry.session) === entry) this.entries.delete(entry.session)
    this.file(entry, undefined)
  }

  private file(entry: Entry, room: string | undefined): void {
    if (entry.room !== undefined) {
      const members = this.members.get(entry.room)
      if (members !== undefined) {
        members.delete(entry)
        if (members.size === 0) this.members.delete(entry.room)
      }
    }
    entry.room = room
    if (room === undefined) return
    const members = this.members.get(room)
    if (members === undefined) this.members.set(room, new Set([entry]))
    else members.add(entry)
  }

  /** Delivers a batch; returns the recipients that threw (dropped). */
  readonly dispatch = (batch: ReadonlyArray<Envelope>): ReadonlyArray<readonly [string, unknown]> => {
    const n = batch.length
    let i = 0
    while (i < n) {
      const first = batch[i]
      let j = i + 1
      // A run: consecutive events for the same room (or session), up to the next join.
      if (first.room !== undefined) {
        while (j < n && batch[j].room === first.room && batch[j].event._tag !== "Joined") j++
      } else if (first.to !== undefined) {
        while (j < n && batch[j].to === first.to && batch[j].event._tag !== "Joined") j++
      }
      const run = i === 0 && j === n ? batch : batch.slice(i, j)
      const event = first.event
      if (event._tag === "Joined") {
        const entry = this.entries.get(event.session)
        if (entry !== undefined && first.seq > entry.since) this.file(entry, event.room)
      }
      if (first.room !== undefined) {
        const members = this.members.get(first.room)
        if (members !== undefined) for (const entry of members) this.hand(entry, run)
      } else if (first.to !== undefined) {
        const entry = this.entries.get(first.to)
        if (entry !== undefined) this.hand(entry, run)
      } else {
        for (const entry of this.entries.values()) this.hand(entry, run)
      }
      i = j
    }
    if (this.failures.length === 0) return this.failures
    const failures = this.failures
    this.failures = []
    return failures
  }

  private hand(entry: Entry, run: ReadonlyArray<Envelope>): void {
    if (run[0].seq <= entry.since) {
      run = run.filter((envelope) => envelope.seq > entry.since)
      if (run.length === 0) return
    }
    try {
      entry.recipient.deliver(run)
    } catch (error) {
      this.detach(entry)
      this.failures.push([entry.session, error])
    }
  }
}

export interface Member {
  readonly session: string
  readonly nick: Nick
  readonly room: Room | undefined
}

/**
 * Who is in a room: how many, and up to 100 of their nicknames, alphabetical
 * when the room has no more than that, else the first 100 to join.
 */
export interface Roster {
  readonly count: number
  readonly nicks: ReadonlyArray<Nick>
}

const rosterNames = 100

export interface RoomInfo {
  readonly room: Room
  readonly members: number
}

/**
 * The hub: who is connected under which nickname, who is in which room, and
 * one shared PubSub that carries every {@link Event}, numbered in publication
 * order. Its dispatcher hands each event to the sessions it is for, once per
 * event-loop turn for all that turn's events: the members of its room, the
 * one session it is addressed to, or everyone. A message costs what its
 * room's size costs, and a session costs no fiber of its own to receive.
 *
 * Membership changes publish their own notices (joins, leaves, renames), so
 * every member of a room sees them in the same order as the room's messages.
 */
export class Hub extends Context.Service<Hub, {
  /** Claims a nickname for a session, or renames it (telling its room). */
  readonly claimNick: (session: string, nick: Nick) => Effect.Effect<void, NickInUse>
  /**
   * Moves a registered session into `room`, telling the old and the new room
   * (unless they are too large to announce in, when only the session itself
   * gets its `Joined`). Returns the new room's roster and whether the room
   * was told.
   */
  readonly join: (session: string, room: Room) => Effect.Effect<{
    readonly members: Roster
    readonly announced: boolean
  }>
  /** Forgets a session and frees its nickname; its room is told why (with a reason). */
  readonly leave: (session: string, reason: string | undefined) => Effect.Effect<void>
  readonly findNick: (nick: string) => Effect.Effect<Option.Option<Member>>
  readonly members: (room: Room) => Effect.Effect<Roster>
  readonly rooms: Effect.Effect<ReadonlyArray<RoomInfo>>
  readonly publish: (event: Event) => Effect.Effect<void>
  /** Publishes several events at once, in order. */
  readonly publishAll: (events: ReadonlyArray<Event>) => Effect.Effect<void>
  /**
   * Delivers a session's events to `recipient` for as long as the scope lasts,
   * from now on: those of the room it is in (following its moves) and those
   * addressed to it or to everyone.
   */
  readonly attach: (session: string, recipient: Recipient) => Effect.Effect<void, never, Scope.Scope>
  /** A subscription to every event, for as long as the scope lasts (a bot, a bridge, a logger). */
  readonly subscribe: Effect.Effect<Subscription, never, Scope.Scope>
}>()("hubbub/Hub") {
  /** A hub for one process: membership in maps, one `PubSub.unbounded` (each session bounds its own outbox). */
  static readonly layerMemory = Layer.effect(
    Hub,
    Effect.gen(function*() {
      const { announceMaxMembers } = yield* ChatConfig
      const bell = new Doorbell()
      const bus = yield* Effect.acquireRelease(PubSub.unbounded<Envelope>(), PubSub.shutdown)
      const dispatcher = new Dispatcher()
      const feed = new Firehose(bell, yield* PubSub.subscribe(bus))
      yield* feed.take.pipe(
        Effect.flatMap((batch) => {
          const failures = dispatcher.dispatch(batch)
          return failures.length === 0 ? feed.next : Effect.andThen(
            Effect.forEach(failures, ([session, error]) =>
              Effect.logWarning("delivery failed; the session gets nothing more").pipe(
                Effect.annotateLogs({ session, error: String(error) })
              ), { discard: true }),
            feed.next
          )
        }),
        // It waits in `next` every round: a yield on top would hold each delivery back a turn.
        Effect.forever({ disableYield: true }),
        Effect.forkScoped
      )
      const sessions = new Map<string, { nick: Nick; room: Room | undefined }>()
      const byNick = new Map<string, string>()
      const rooms = new Map<Room, Set<string>>([[Lobby, new Set()]])

      /** Hands an event to the bus, addressed as its fields say. */
      const send = (event: Event): Envelope | undefined => {
        switch (event._tag) {
          case "Private":
            return toSession(event.to, event)
          case "Notice":
            return event.to !== undefined
              ? toSession(event.to, event)
              : event.room !== undefined
              ? toRoom(event.room as Room, event)
              : stamp(event, undefined, undefined)
          case "Closing":
            return event.to !== undefined ? toSession(event.to, event) : stamp(event, undefined, undefined)
          default:
            return toRoom(event.room as Room, event)
        }
      }
      // The server's last word to everyone; a session that attaches after it still gets it.
      let farewell: string | undefined = undefined
      const stamp = (event: Event, room: string | undefined, to: string | undefined) => {
        if (event._tag === "Closing" && to === undefined) farewell = event.text
        const envelope = new Envelope(event, bell.ring(), room, to)
        PubSub.publishUnsafe(bus, envelope)
        return envelope
      }
      // Events for a room that does not exist, or a session that is not attached, go nowhere.
      const toRoom = (room: Room, event: Event) => rooms.has(room) ? stamp(event, room, undefined) : undefined
      const toSession = (session: string, event: Event) =>
        dispatcher.entries.has(session) ? stamp(event, undefined, session) : undefined

      const nicksIn = (room: Room): Roster => {
        const ids = rooms.get(room)
        if (ids === undefined) return { count: 0, nicks: [] }
        const nicks: Array<Nick> = []
        for (const id of ids) {
          if (nicks.length === rosterNames) break
          nicks.push(sessions.get(id)!.nick)
        }
        if (ids.size <= rosterNames) nicks.sort((a, b) => a.localeCompare(b))
        return { count: ids.size, nicks }
      }
      /** Whether comings and goings are announced in a room of this many members. */
      const announced = (members: number) => announceMaxMembers === 0 || members <= announceMaxMembers
      /** Takes a session out of a room, telling the room (the session included) when there is a reason. */
      const exit = (session: string, nick: Nick, room: Room, reason: string | undefined) => {
        const ids = rooms.get(room)
        if (ids === undefined) return
        if (reason !== undefined && announced(ids.size)) send({ _tag: "Left", room, nick, reason })
        ids.delete(session)
        if (ids.size === 0 && room !== Lobby) rooms.delete(room)
      }
      const toMember = (session: string): Option.Option<Member> => {
        const state = sessions.get(session)
        return state === undefined ? Option.none() : Option.some({ session, nick: state.nick, room: state.room })
      }

      return Hub.of({
        claimNick: (session, nick) =>
          Effect.suspend(() => {
            const key = nick.toLowerCase()
            const owner = byNick.get(key)
            if (owner !== undefined && owner !== session) return Effect.fail(new NickInUse({ nick }))
            const state = sessions.get(session)
            if (state === undefined) {
              sessions.set(session, { nick, room: undefined })
            } else {
              byNick.delete(state.nick.toLowerCase())
              const from = state.nick
              state.nick = nick
              if (state.room !== undefined && from !== nick) {
                send(
                  announced(rooms.get(state.room)?.size ?? 0)
                    ? { _tag: "Renamed", room: state.room, from, nick }
                    : { _tag: "Notice", to: session, text: `You are now known as ${nick}` }
                )
              }
            }
            byNick.set(key, session)
            return Effect.void
          }),
        join: (session, room) =>
          Effect.sync(() => {
            const state = sessions.get(session)
            if (state === undefined) return { members: { count: 0, nicks: [] }, announced: false }
            if (state.room === room) return { members: nicksIn(room), announced: false }
            if (state.room !== undefined) exit(session, state.nick, state.room, `moved to ${room}`)
            state.room = room
            let ids = rooms.get(room)
            if (ids === undefined) rooms.set(room, ids = new Set())
            ids.add(session)
            const announce = announced(ids.size)
            if (announce) stamp({ _tag: "Joined", room, nick: state.nick, session }, room, undefined)
            else if (dispatcher.entries.has(session)) {
              stamp({ _tag: "Joined", room, nick: state.nick, session, quiet: true }, undefined, session)
            }
            return { members: nicksIn(room), announced: announce }
          }),
        leave: (session, reason) =>
          Effect.sync(() => {
            const state = sessions.get(session)
            if (state === undefined) return
            sessions.delete(session)
            byNick.delete(state.nick.toLowerCase())
            if (state.room !== undefined) exit(session, state.nick, state.room, reason)
          }),
        findNick: (nick) =>
          Effect.sync(() => {
            const session = byNick.get(nick.toLowerCase())
            return session === undefined ? Option.none() : toMember(session)
          }),
        members: (room) => Effect.sync(() => nicksIn(room)),
        rooms: Effect.sync(() =>
          Array.from(rooms, ([room, ids]) => ({ room, members: ids.size })).sort((a, b) => a.room.localeCompare(b.room))
        ),
        publish: (event) =>
          Effect.sync(() => {
            send(event)
          }),
        publishAll: (events) =>
          Effect.sync(() => {
            for (const event of events) send(event)
          }),
        attach: (session, recipient) =>
          Effect.asVoid(Effect.acquireRelease(
            Effect.sync(() => {
              const entry = dispatcher.attach(session, recipient, sessions.get(session)?.room, bell.count)
              if (farewell !== undefined) stamp({ _tag: "Closing", to: session, text: farewell }, undefined, session)
              return entry
            }),
            (entry) => Effect.sync(() => dispatcher.detach(entry))
          )),
        subscribe: Effect.gen(function*() {
          const subscription = new Firehose(bell, yield* PubSub.subscribe(bus))
          yield* Effect.addFinalizer(() => Effect.sync(() => bell.remove(subscription)))
          return subscription as Subscription
        })
      })
    })
  )
}
