import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import type * as Scope from "effect/Scope"
import type { Envelope } from "../protocol/Event.js"
import type { SessionId } from "../protocol/Names.js"
import type { Recipient } from "./Hub.js"

/** A subscribed session, filed under the rooms it gets events of. */
interface Entry {
  readonly session: SessionId
  readonly recipient: Recipient
  /** The last publication before it subscribed: nothing up to it is delivered to it. */
  readonly since: number
  /** Its rooms: the first in a field (the text protocol has one), any more in a set. */
  room: string | undefined
  more: Set<string> | undefined
}

/**
 * The hub's fan-out engine: hands published events to the subscribed
 * sessions, in publication order, a pass at a time. A session receives
 * without a fiber of its own; a delivery is a method call (`Recipient`).
 *
 * It follows rooms by the events themselves: a session gets a room's events
 * from its own `Joined` on and up to its own `Left`, so a move never loses or
 * duplicates a message. Consecutive events of one room go to all its members
 * as one shared array (a run), which a codec renders once for all of them.
 */
export class Dispatcher {
  private readonly entries = new Map<SessionId, Entry>()
  private readonly members = new Map<string, Set<Entry>>()
  private failures: Array<readonly [SessionId, unknown]> = []

  /** Whether `session` is subscribed. */
  has(session: SessionId): boolean {
    return this.entries.has(session)
  }

  /** Where `session`'s events go, while it is subscribed. */
  recipient(session: SessionId): Recipient | undefined {
    return this.entries.get(session)?.recipient
  }

  /** Subscribes a session, already in `rooms`, to what is published after `since`. */
  attach(session: SessionId, recipient: Recipient, rooms: Iterable<string>, since: number): Entry {
    const old = this.entries.get(session)
    if (old !== undefined) this.detach(old)
    const entry: Entry = { session, recipient, since, room: undefined, more: undefined }
    this.entries.set(session, entry)
    for (const room of rooms) this.file(entry, room)
    return entry
  }

  detach(entry: Entry): void {
    if (this.entries.get(entry.session) === entry) this.entries.delete(entry.session)
    if (entry.room !== undefined) this.unfile(entry, entry.room)
    if (entry.more !== undefined) for (const room of entry.more) this.unfile(entry, room)
  }

  private file(entry: Entry, room: string): void {
    if (entry.room === room || entry.more?.has(room)) return
    if (entry.room === undefined) entry.room = room
    else (entry.more ??= new Set()).add(room)
    const members = this.members.get(room)
    if (members === undefined) this.members.set(room, new Set([entry]))
    else members.add(entry)
  }

  private unfile(entry: Entry, room: string): void {
    if (entry.room === room) entry.room = undefined
    else if (!entry.more?.delete(room)) return
    const members = this.members.get(room)
    if (members === undefined) return
    members.delete(entry)
    if (members.size === 0) this.members.delete(room)
  }

  /** Follows a membership event of the subscribed session it names, if it was published after it subscribed. */
  private follow(envelope: Envelope): void {
    const event = envelope.event
    if (event._tag !== "Joined" && event._tag !== "Left") return
    const entry = this.entries.get(event.session)
    if (entry === undefined || envelope.seq <= entry.since) return
    if (event._tag === "Joined") this.file(entry, event.room)
    else this.unfile(entry, event.room)
  }

  /** Delivers a batch in publication order; returns the recipients that threw (they are dropped). */
  dispatch(batch: ReadonlyArray<Envelope>): ReadonlyArray<readonly [SessionId, unknown]> {
    const n = batch.length
    let i = 0
    while (i < n) {
      const first = batch[i]
      // A run: consecutive events with the same address. A join starts one (the joiner gets
      // it and what follows), a departure ends one (the leaver gets it and nothing after).
      let j = i + 1
      if (first.event._tag !== "Left") {
        while (j < n && sameAddress(batch[j], first) && batch[j].event._tag !== "Joined") {
          if (batch[j++].event._tag === "Left") break
        }
      }
      const run = i === 0 && j === n ? batch : batch.slice(i, j)
      if (first.event._tag === "Joined") this.follow(first)
      if (first.room !== undefined) {
        const members = this.members.get(first.room)
        if (members !== undefined) for (const entry of members) this.hand(entry, run)
      } else if (first.to !== undefined) {
        const entry = this.entries.get(first.to)
        if (entry !== undefined) this.hand(entry, run)
      } else {
        for (const entry of this.entries.values()) this.hand(entry, run)
      }
      const last = run[run.length - 1]
      if (last.event._tag === "Left") this.follow(last)
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

const sameAddress = (a: Envelope, b: Envelope) => a.room === b.room && a.to === b.to

/**
 * Runs `dispatcher` on what `pubsub` carries, for as long as the scope lasts:
 * a pass per event-loop turn, however many events the turn published.
 */
export const runDispatcher = Effect.fnUntraced(function*(
  dispatcher: Dispatcher,
  pubsub: PubSub.PubSub<Envelope>
): Effect.fn.Return<void, never, Scope.Scope> {
  const subscription = yield* PubSub.subscribe(pubsub)
  const rest = Effect.suspend(() =>
    Option.getOrElse(PubSub.remainingUnsafe(subscription), () => 0) > 0
      ? PubSub.takeAll(subscription)
      : Effect.succeed<Array<Envelope>>([])
  )
  const logFailures = (failures: ReadonlyArray<readonly [SessionId, unknown]>) =>
    Effect.forEach(failures, ([session, error]) =>
      Effect.logWarning("delivery failed; the session gets nothing more").pipe(
        Effect.annotateLogs({ session, error: String(error) })
      ), { discard: true })
  yield* PubSub.takeAll(subscription).pipe(
    // The first publication wakes the dispatcher; the rest of the turn's join it after a yield.
    Effect.flatMap((first) =>
      Effect.flatMap(Effect.yieldNow, () =>
        Effect.flatMap(rest, (more) => {
          const failures = dispatcher.dispatch(more.length === 0 ? first : first.concat(more))
          return failures.length === 0 ? Effect.void : logFailures(failures)
        }))
    ),
    // A bug in one pass loses that pass's events, not every later one.
    Effect.catchDefect((defect) =>
      Effect.logError("dispatch failed; its events are lost").pipe(
        Effect.annotateLogs({ error: String(defect) })
      )
    ),
    Effect.forever({ disableYield: true }),
    Effect.forkScoped
  )
})
