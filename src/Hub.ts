import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Schema from "effect/Schema"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
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
 * What a subscriber takes from the hub: `take` returns at once what was
 * published for it since the last take, in publication order (possibly
 * nothing), and `next` waits until something more was. The wait is a
 * {@link Doorbell} rung once per event-loop turn, where waiting in
 * `PubSub.take` would cost a Deferred per wait and a pass over every
 * subscriber per publication.
 */
export interface Subscription {
  readonly take: Effect.Effect<ReadonlyArray<Envelope>>
  readonly next: Effect.Effect<void>
  /**
   * Whether the last take returned consecutive events of one room and nothing
   * else, the same run every member of the room takes (see `Codec.encodeRun`).
   */
  readonly oneRoom: boolean
}

const nothing: ReadonlyArray<Envelope> = []

/** The wait both kinds of subscription share. */
abstract class Waiting implements DoorbellListener {
  abstract readonly room: string | undefined
  abstract readonly session: string | undefined
  listening = false
  readonly next: Effect.Effect<void>
  protected seen = 0
  private resume: ((effect: Effect.Effect<void>) => void) | undefined = undefined

  constructor(readonly bell: Doorbell) {
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

/** A move to another room: from `seq` on, the session's room events come from `subscription`. */
interface Move {
  seq: number
  readonly room: Room
  readonly subscription: PubSub.Subscription<Envelope>
  readonly scope: Scope.Closeable
}

/**
 * A session's subscription: the events of the room it is in, from that room's
 * PubSub, merged in publication order with the events addressed to the session
 * alone (its inbox). A move to another room takes effect exactly at the move:
 * what the old room said before it is delivered, what it said after is not,
 * and the new room's events start with the session's own `Joined`.
 */
class SessionSubscription extends Waiting implements Subscription {
  room: Room | undefined = undefined
  oneRoom = false
  readonly take: Effect.Effect<ReadonlyArray<Envelope>>
  inbox: Array<Envelope> = []
  readonly moves: Array<Move> = []
  private current: PubSub.Subscription<Envelope> | undefined = undefined
  private scope: Scope.Closeable | undefined = undefined

  constructor(bell: Doorbell, readonly session: string) {
    super(bell)
    bell.add(this)
    this.take = Effect.suspend(() => {
      this.seen = this.bell.count
      this.oneRoom = false
      return this.step(nothing)
    })
  }

  follow(move: Move) {
    this.bell.remove(this)
    this.room = move.room
    this.current = move.subscription
    this.scope = move.scope
    this.bell.add(this)
  }

  private step(taken: ReadonlyArray<Envelope>): Effect.Effect<ReadonlyArray<Envelope>> {
    const fromRoom = this.current === undefined ? Effect.succeed(nothing) : PubSub.takeUpTo(this.current, Infinity)
    return Effect.flatMap(fromRoom, (roomEvents) => {
      const move = this.moves[0]
      if (move === undefined && this.inbox.length === 0 && taken.length === 0) {
        this.oneRoom = true
        return Effect.succeed(roomEvents)
      }
      const until = move === undefined ? Infinity : move.seq
      const out = merge(taken, roomEvents, this.inbox, until)
      if (move === undefined) return Effect.succeed(out)
      // What the old room said after the move is not for this session.
      this.moves.shift()
      const left = this.scope
      this.follow(move)
      return Effect.andThen(left === undefined ? Effect.void : Scope.close(left, Exit.void), this.step(out))
    })
  }

  /** Lets go of the room subscriptions (the session ended). */
  close(): Effect.Effect<void> {
    this.bell.remove(this)
    const scopes = [this.scope, ...this.moves.map((move) => move.scope)]
    this.moves.length = 0
    this.current = undefined
    this.scope = undefined
    return Effect.forEach(scopes, (scope) => scope === undefined ? Effect.void : Scope.close(scope, Exit.void), {
      discard: true
    })
  }
}

/**
 * `taken`, then the events of `room` and of `inbox` (each in order) published
 * before `until`, by publication order; takes those out of the inbox.
 */
const merge = (
  taken: ReadonlyArray<Envelope>,
  room: ReadonlyArray<Envelope>,
  inbox: Array<Envelope>,
  until: number
): ReadonlyArray<Envelope> => {
  const out = taken.slice()
  let i = 0
  let j = 0
  while (true) {
    const r = i < room.length && room[i].seq < until ? room[i] : undefined
    const p = j < inbox.length && inbox[j].seq < until ? inbox[j] : undefined
    if (r === undefined && p === undefined) break
    if (p === undefined || (r !== undefined && r.seq < p.seq)) {
      out.push(r!)
      i++
    } else {
      out.push(p)
      j++
    }
  }
  if (j > 0) inbox.splice(0, j)
  return out
}

/** A subscription to every event of every room and session (a bot, a bridge, a logger). */
class FirehoseSubscription extends Waiting implements Subscription {
  readonly room = undefined
  readonly session = undefined
  readonly oneRoom = false
  readonly take: Effect.Effect<ReadonlyArray<Envelope>>

  constructor(bell: Doorbell, subscription: PubSub.Subscription<Envelope>) {
    super(bell)
    bell.add(this)
    const poll = PubSub.takeUpTo(subscription, Infinity)
    this.take = Effect.suspend(() => {
      this.seen = this.bell.count
      return poll
    })
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
 * the PubSubs that carry every {@link Event}: one per room, so a message costs
 * what its room's size costs and not what the whole server's does, and an
 * inbox per session for what is addressed to it alone. Every event gets a
 * sequence number; a session's subscriber takes its room's events and its own
 * in that order.
 *
 * Membership changes publish their own notices (joins, leaves, renames), so
 * every member of a room sees them in the same order as the room's messages,
 * and a move never loses or duplicates a message.
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
   * A subscription for as long as the scope lasts: to a registered session's
   * room (following its moves) and its own events, from now on; without a
   * session, to every event.
   */
  readonly subscribe: (session?: string) => Effect.Effect<Subscription, never, Scope.Scope>
}>()("hubbub/Hub") {
  /** A hub for one process: membership in maps, a `PubSub.unbounded` per room (each session bounds its own outbox). */
  static readonly layerMemory = Layer.effect(
    Hub,
    Effect.gen(function*() {
      const { announceMaxMembers } = yield* ChatConfig
      const bell = new Doorbell()
      // Every event, for subscribers that want them all; a PubSub without subscribers keeps nothing.
      const firehose = yield* Effect.acquireRelease(PubSub.unbounded<Envelope>(), PubSub.shutdown)
      const sessions = new Map<string, { nick: Nick; room: Room | undefined }>()
      const subscribers = new Map<string, SessionSubscription>()
      const byNick = new Map<string, string>()
      interface RoomState {
        readonly ids: Set<string>
        readonly bus: PubSub.PubSub<Envelope>
      }
      // Room PubSubs are never shut down: a session that left may still be taking the last of one.
      const newRoom = (): RoomState => ({ ids: new Set(), bus: Effect.runSync(PubSub.unbounded<Envelope>()) })
      const rooms = new Map<Room, RoomState>([[Lobby, newRoom()]])

      /** Hands an event to its recipients and rings for them. */
      const send = (event: Event): Envelope | undefined => {
        switch (event._tag) {
          case "Private":
            return toSession(event.to, event)
          case "Notice":
            return event.to !== undefined
              ? toSession(event.to, event)
              : event.room !== undefined
              ? toRoom(event.room as Room, event)
              : toEveryone(event)
          case "Closing":
            return event.to !== undefined ? toSession(event.to, event) : toEveryone(event)
          default:
            return toRoom(event.room as Room, event)
        }
      }
      const stamp = (event: Event, room: string | undefined, session: string | undefined) => {
        const envelope = new Envelope(event, bell.ring(room, session))
        PubSub.publishUnsafe(firehose, envelope)
        return envelope
      }
      const toRoom = (room: Room, event: Event) => {
        const state = rooms.get(room)
        if (state === undefined) return undefined
        const envelope = stamp(event, room, undefined)
        PubSub.publishUnsafe(state.bus, envelope)
        return envelope
      }
      const toSession = (session: string, event: Event) => {
        const subscriber = subscribers.get(session)
        if (subscriber === undefined) return undefined
        const envelope = stamp(event, undefined, session)
        subscriber.inbox.push(envelope)
        return envelope
      }
      const toEveryone = (event: Event) => {
        const envelope = stamp(event, undefined, undefined)
        for (const subscriber of subscribers.values()) subscriber.inbox.push(envelope)
        return envelope
      }

      const nicksIn = (room: Room): Roster => {
        const ids = rooms.get(room)?.ids
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
      /** Takes a session out of a room, telling the room (and the session, still following it) when there is a reason. */
      const exit = (session: string, nick: Nick, room: Room, reason: string | undefined) => {
        const state = rooms.get(room)
        if (state === undefined) return
        state.ids.delete(session)
        if (reason !== undefined && announced(state.ids.size + 1)) send({ _tag: "Left", room, nick, reason })
        if (state.ids.size === 0 && room !== Lobby) rooms.delete(room)
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
                  announced(rooms.get(state.room)?.ids.size ?? 0)
                    ? { _tag: "Renamed", room: state.room, from, nick }
                    : { _tag: "Notice", to: session, text: `You are now known as ${nick}` }
                )
              }
            }
            byNick.set(key, session)
            return Effect.void
          }),
        join: (session, room) =>
          Effect.gen(function*() {
            const state = sessions.get(session)
            if (state === undefined) return { members: { count: 0, nicks: [] }, announced: false }
            if (state.room === room) return { members: nicksIn(room), announced: false }
            if (state.room !== undefined) exit(session, state.nick, state.room, `moved to ${room}`)
            state.room = room
            let target = rooms.get(room)
            if (target === undefined) rooms.set(room, target = newRoom())
            target.ids.add(session)
            const announce = announced(target.ids.size)
            // A subscribed session moves at its `Joined`: subscribe to the room first, so that is the first event.
            const subscriber = subscribers.get(session)
            let move: Move | undefined
            if (subscriber !== undefined) {
              const scope = Scope.makeUnsafe()
              const subscription = yield* Scope.provide(PubSub.subscribe(target.bus), scope)
              move = { seq: 0, room, subscription, scope }
              subscriber.moves.push(move)
            }
            const joined: Event = announce
              ? { _tag: "Joined", room, nick: state.nick, session }
              : { _tag: "Joined", room, nick: state.nick, session, quiet: true }
            if (announce) {
              const envelope = stamp(joined, room, session)
              PubSub.publishUnsafe(target.bus, envelope)
              if (move !== undefined) move.seq = envelope.seq
            } else {
              const envelope = toSession(session, joined)
              if (move !== undefined) move.seq = envelope!.seq
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
          Array.from(rooms, ([room, state]) => ({ room, members: state.ids.size })).sort((a, b) =>
            a.room.localeCompare(b.room)
          )
        ),
        publish: (event) =>
          Effect.sync(() => {
            send(event)
          }),
        publishAll: (events) =>
          Effect.sync(() => {
            for (const event of events) send(event)
          }),
        subscribe: (session) =>
          session === undefined
            ? Effect.gen(function*() {
              const subscriber = new FirehoseSubscription(bell, yield* PubSub.subscribe(firehose))
              yield* Effect.addFinalizer(() => Effect.sync(() => bell.remove(subscriber)))
              return subscriber as Subscription
            })
            : Effect.gen(function*() {
              const subscriber = new SessionSubscription(bell, session)
              const room = sessions.get(session)?.room
              const state = room === undefined ? undefined : rooms.get(room)
              if (state !== undefined) {
                const scope = Scope.makeUnsafe()
                const subscription = yield* Scope.provide(PubSub.subscribe(state.bus), scope)
                subscriber.follow({ seq: 0, room: room!, subscription, scope })
              }
              subscribers.set(session, subscriber)
              yield* Effect.addFinalizer(() =>
                Effect.suspend(() => {
                  if (subscribers.get(session) === subscriber) subscribers.delete(session)
                  return subscriber.close()
                })
              )
              return subscriber as Subscription
            })
      })
    })
  )
}
