import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { ChatConfig } from "./ChatConfig.js"
import { Doorbell } from "./Doorbell.js"
import { Envelope, type Event } from "./Event.js"
import { Lobby, type Nick, type Room } from "./Protocol.js"

export class NickInUse extends Schema.TaggedError<NickInUse>()("NickInUse", { nick: Schema.String }) {
  override get message() {
    return `Nickname ${this.nick} is already in use.`
  }
}

/**
 * One session's subscription to the bus: `take` returns at once what was
 * published since the last take (possibly nothing), and `next` waits until
 * something more was. Every subscriber takes its own events from the shared
 * PubSub; what is its own here is the wait: a doorbell rung once per
 * event-loop turn, where waiting in `PubSub.take` would cost a Deferred per
 * wait and a pass over every subscriber per publication.
 */
export interface Subscription {
  readonly take: Effect.Effect<ReadonlyArray<Envelope>>
  readonly next: Effect.Effect<void>
}

class BusSubscription implements Subscription {
  readonly take: Effect.Effect<ReadonlyArray<Envelope>>
  readonly next: Effect.Effect<void>
  private seen = 0
  private resume: ((effect: Effect.Effect<void>) => void) | undefined = undefined

  constructor(subscription: PubSub.Subscription<Envelope>, bell: Doorbell) {
    const poll = PubSub.takeUpTo(subscription, Number.POSITIVE_INFINITY)
    this.take = Effect.suspend(() => {
      this.seen = bell.count
      return poll
    })
    const wake = () => {
      const resume = this.resume
      this.resume = undefined
      resume?.(Effect.void)
    }
    const cancel = Effect.sync(() => {
      bell.unlisten(wake)
      this.resume = undefined
    })
    this.next = Effect.callback<void>((resume) => {
      if (bell.count !== this.seen) return resume(Effect.void)
      this.resume = resume
      bell.listen(wake)
      return cancel
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
 * the bus that carries every {@link Event} to every session's subscription.
 *
 * Membership changes publish their own notices (joins, leaves, renames), so
 * every member of a room sees them in the same order as the room's messages.
 * A subscriber keeps only the events addressed to it or to its room; it learns
 * its room from its own `Joined` event, so a move never loses or duplicates a
 * message.
 */
export class Hub extends Context.Service<Hub, {
  /** Claims a nickname for a session, or renames it (telling its room). */
  readonly claimNick: (session: string, nick: Nick) => Effect.Effect<void, NickInUse>
  /**
   * Moves a registered session into `room`, telling the old and the new room
   * (unless they are too large to announce in). Returns the new room's roster
   * and whether a `Joined` event was published.
   */
  readonly join: (session: string, room: Room) => Effect.Effect<{
    readonly members: Roster
    readonly announced: boolean
  }>
  /** Forgets a session and frees its nickname; its room is told why. */
  readonly leave: (session: string, reason: string) => Effect.Effect<void>
  readonly findNick: (nick: string) => Effect.Effect<Option.Option<Member>>
  readonly members: (room: Room) => Effect.Effect<Roster>
  readonly rooms: Effect.Effect<ReadonlyArray<RoomInfo>>
  readonly publish: (event: Event) => Effect.Effect<void>
  /** Publishes several events at once, in order. */
  readonly publishAll: (events: ReadonlyArray<Event>) => Effect.Effect<void>
  /** A subscription to every event, for as long as the scope lasts. */
  readonly subscribe: Effect.Effect<Subscription, never, Scope.Scope>
}>()("hubbub/Hub") {
  /** A hub for one process: membership in maps, the bus a `PubSub.unbounded` (each session bounds its own outbox). */
  static readonly layerMemory = Layer.effect(
    Hub,
    Effect.gen(function*() {
      const { announceMaxMembers } = yield* ChatConfig
      const bus = yield* Effect.acquireRelease(PubSub.unbounded<Envelope>(), PubSub.shutdown)
      const bell = new Doorbell()
      const sessions = new Map<string, { nick: Nick; room: Room | undefined }>()
      const byNick = new Map<string, string>()
      const rooms = new Map<Room, Set<string>>([[Lobby, new Set()]])

      const send = (event: Event) => {
        PubSub.publishUnsafe(bus, new Envelope(event))
        bell.ring()
      }
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
      const exit = (session: string, room: Room) => {
        const ids = rooms.get(room)
        if (ids === undefined) return
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
            if (state.room !== undefined) {
              exit(session, state.room)
              if (announced((rooms.get(state.room)?.size ?? 0) + 1)) {
                send({ _tag: "Left", room: state.room, nick: state.nick, reason: `moved to ${room}` })
              }
            }
            state.room = room
            let ids = rooms.get(room)
            if (ids === undefined) rooms.set(room, ids = new Set())
            ids.add(session)
            const announce = announced(ids.size)
            if (announce) send({ _tag: "Joined", room, nick: state.nick, session })
            return { members: nicksIn(room), announced: announce }
          }),
        leave: (session, reason) =>
          Effect.sync(() => {
            const state = sessions.get(session)
            if (state === undefined) return
            sessions.delete(session)
            byNick.delete(state.nick.toLowerCase())
            if (state.room !== undefined) {
              exit(session, state.room)
              if (announced((rooms.get(state.room)?.size ?? 0) + 1)) {
                send({ _tag: "Left", room: state.room, nick: state.nick, reason })
              }
            }
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
        publish: (event) => Effect.sync(() => send(event)),
        publishAll: (events) =>
          PubSub.publishAll(bus, events.map((event) => new Envelope(event))).pipe(
            Effect.andThen(Effect.sync(() => bell.ring()))
          ),
        subscribe: Effect.map(PubSub.subscribe(bus), (subscription) => new BusSubscription(subscription, bell))
      })
    })
  )
}
