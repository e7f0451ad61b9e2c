import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Semaphore from "effect/Semaphore"
import type { Envelope } from "../protocol/Event.js"
import type { HistoryEntry } from "../protocol/Reply.js"
import { PendingWrites, writesOf } from "./PendingWrites.js"
import { type LineRange, merged } from "../protocol/HistoryRange.js"
import { type RoomRecord, Store, storeKey } from "./Store.js"
import { entryOf } from "./StoreMemory.js"

export interface ArchiveOptions {
  /** Messages older than this many days are forgotten (checked hourly); 0 keeps them forever. */
  readonly historyDays: number
  /** How often what was said is written to the store: what a `kill -9` may lose. */
  readonly flushEvery?: Duration.Input
}

/** Writes waiting for the store, at most: past this (the store has been failing for a while), the oldest go. */
const maxPending = 100_000

/**
 * Writes a transaction takes, about: a flush of more is several, the lock let go between them, so
 * that a room coming back to life waits for one (a few turns of the event loop), not for all.
 */
const writesPerTransaction = 8192

/**
 * Rooms' topics and histories, kept in the {@link Store} off the messages'
 * way: the hub hands each message over as it publishes it (a few writes into
 * its buffers), and they are written every `flushEvery` (500 ms), a
 * transaction for every few thousand, and once more when the scope closes (a graceful stop loses nothing). A room
 * coming back to life (its first member, after a restart or after it
 * emptied) is given what was kept, including what is still waiting.
 */
export class RoomArchive extends Context.Service<RoomArchive, {
  /** A room's chat or action, as the hub stamped it. */
  readonly message: (envelope: Envelope) => void
  /** A room's chat or action (`action`), at a time in milliseconds since the epoch, with its message id. */
  readonly said: (room: string, at: number, from: string, text: string, action: boolean, id?: string) => void
  /** A topic set (or cleared: `undefined`) at `at` by `by` (as shown). */
  readonly topic: (room: string, topic: string | undefined, at: number, by?: string) => void
  /** What a room kept: its topic and its last `limit` messages. A store that fails gives what is still waiting (logged). */
  readonly recall: (room: string, limit: number) => Effect.Effect<RoomRecord>
  /** A room's lines in `range`, oldest first, including what is still waiting. A store that fails gives what is waiting (logged). */
  readonly lines: (room: string, range: LineRange) => Effect.Effect<ReadonlyArray<HistoryEntry>>
  /** Writes what is waiting now. */
  readonly flush: Effect.Effect<void>
}>()("hubbub/RoomArchive") {
  static readonly layer = (options: ArchiveOptions): Layer.Layer<RoomArchive, never, Store> => Layer.effect(RoomArchive, make(options))
}

export const make = Effect.fnUntraced(function*(options: ArchiveOptions) {
  const store = yield* Store
  const lock = yield* Semaphore.make(1)
  const pending = new PendingWrites()
  let failing = false
  let dropped = 0

  const bound = () => {
    // A tenth at a time, so that a store failing for long does not drop at every write.
    if (pending.length < maxPending) return
    const count = pending.length - maxPending + maxPending / 10
    pending.dropOldest(count)
    dropped += count
  }

  /** What a flush is writing: read alongside the store by `lines`, which takes no lock. */
  let writing: PendingWrites | undefined = undefined

  /** Writes the oldest waiting, a transaction's worth; false when it could not (kept for the next try). */
  const writeSome = lock.withPermit(Effect.gen(function*() {
    const batch = pending.takeOldest(writesPerTransaction)
    writing = batch
    const written = yield* Effect.result(store.write(batch)).pipe(
      // Interrupted, the transaction is rolled back: kept for the next try too.
      Effect.onInterrupt(() => Effect.sync(() => pending.restore(batch))),
      Effect.ensuring(Effect.sync(() => writing = undefined))
    )
    if (written._tag === "Success") {
      if (failing) yield* Effect.logInfo(`the store ${store.describe} takes history again`)
      failing = false
      return batch.length
    }
    // Kept for the next try, before what came since.
    pending.restore(batch)
    bound()
    if (!failing) yield* Effect.logWarning(`${written.failure.message}: history kept in memory until it works again (${pending.length} waiting)`)
    failing = true
    return 0
  }))

  /** Writes what is waiting now; what comes meanwhile waits for the next flush. */
  const flush = Effect.gen(function*() {
    let left = pending.length
    while (left > 0 && pending.length > 0) {
      const written = yield* writeSome
      if (written === 0) return
      left -= written
    }
  })

  const overlay = (room: string, kept: RoomRecord, limit: number): RoomRecord => {
    const key = storeKey(room)
    let topic = kept.topic
    let topicSetter = kept.topicSetter
    const history: Array<HistoryEntry> = [...kept.history]
    for (const write of writesOf(pending, (other) => storeKey(other) === key)) {
      if (write._tag === "Topic") {
        topic = write.topic
        topicSetter = write.topic === undefined || write.by === undefined ? undefined : { by: write.by, at: write.at }
      }
      else history.push(entryOf(write))
    }
    return { topic, ...(topicSetter === undefined ? {} : { topicSetter }), history: limit > 0 ? history.slice(-limit) : [] }
  }

  const prune = Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const gone = yield* store.prune(now - options.historyDays * 86_400_000)
    if (gone > 0) yield* Effect.logInfo(`forgot ${gone} history line(s) older than ${options.historyDays} days`)
  }).pipe(Effect.catch((error) => Effect.logWarning(error.message)))
  if (options.historyDays > 0) {
    // The first before any room is recalled: nobody is shown what is past keeping.
    yield* prune
    yield* prune.pipe(Effect.delay("1 hour"), Effect.forever, Effect.forkScoped)
  }

  yield* flush.pipe(Effect.repeat(Schedule.spaced(options.flushEvery ?? Duration.millis(500))), Effect.forkScoped)
  // When the scope closes: the last writes (after the loop's, if it is writing: one lock), then a word if some were lost.
  yield* Effect.addFinalizer(() =>
    Effect.andThen(
      flush,
      Effect.suspend(() =>
        pending.length + dropped > 0
          ? Effect.logWarning(`${pending.length + dropped} history line(s) could not be written to the store ${store.describe}`)
          : Effect.void
      )
    )
  )

  const said = (room: string, at: number, from: string, text: string, action: boolean, id?: string) => {
    pending.line(room, at, from, text, action, id)
    bound()
  }

  const archive: RoomArchive["Service"] = {
    message: (envelope) => {
      const event = envelope.event as { readonly _tag: string; readonly from: string; readonly text: string; readonly id?: string }
      said(envelope.room!, envelope.at, event.from, event.text, event._tag === "Action", event.id)
    },
    said,
    topic: (room, topic, at, by) => {
      pending.topic(room, topic, at, by)
      bound()
    },
    recall: (room, limit) =>
      lock.withPermit(
        store.room(room, limit).pipe(
          Effect.catch((error) => Effect.as(Effect.logWarning(error.message), { topic: undefined, history: [] })),
          Effect.map((kept) => overlay(room, kept, limit))
        )
      ),
    // No lock: a history query never holds up the writes (nor a join's recall). What waits is taken
    // first; a flush that writes it meanwhile leaves it in both, and each message is kept once (by id).
    lines: (room, range) =>
      Effect.gen(function*() {
        const key = storeKey(room)
        const waiting = [writing, pending].flatMap((writes) =>
          writes === undefined ? [] : writesOf(writes, (other) => storeKey(other) === key).flatMap((write) => write._tag === "Line" ? [entryOf(write)] : [])
        )
        const kept = yield* store.lines(room, range).pipe(Effect.catch((error) => Effect.as(Effect.logWarning(error.message), [])))
        return merged(kept, waiting, range)
      }),
    flush
  }
  return archive
})
