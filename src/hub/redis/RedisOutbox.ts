import type * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import type { Event } from "../../protocol/Event.js"
import { addressOf } from "../Delivery.js"
import { type RedisLink, stalled } from "./RedisLink.js"
import * as Scripts from "./RedisScripts.js"
import { historyEntry, type RedisWire } from "./RedisWire.js"

export interface OutboxOptions {
  readonly prefix: string
  /** The messages a room's history keeps. */
  readonly history: number
  /** Delivers an event on this server alone. */
  readonly alone: (event: Event) => void
  /** Told of each publish Redis refused (its events then go to `alone`). */
  readonly failed: (error: unknown) => void
  /** Told when Redis published a room's batch but refused to keep it in the room's history. */
  readonly unkept: (why: string) => void
  /** This run's mark, in the ids of its batches (a batch of a previous run is not taken for one of this run). */
  readonly run: string
}

/** What waits to go to Redis, in order: an event, or a script that changes who is where. */
type Outgoing =
  | { readonly event: Event }
  | { readonly script: string; readonly args: ReadonlyArray<string>; readonly done: Deferred.Deferred<unknown, unknown> }

/** Why a script was not run: the link is down. */
const offline = new Error("the link to Redis is down")

/** A script Redis has not answered within this is taken as failed (the server goes on alone for it). */
const answerWithin = "5 seconds"

/** The most batches remembered as shown here before Redis delivered them (the oldest are forgotten first). */
const shownAtMost = 10_000

/**
 * What a server sends to Redis, in the order it was published: events and
 * the scripts that change who is where go through one queue, so that a
 * `Left` never overtakes the messages its session sent before it. A fiber
 * takes what a turn queued and sends it on one connection without waiting
 * for answers; consecutive events for one channel go as one message. What
 * cannot go (the link is down, or Redis refuses it) is handed to `alone`:
 * delivered on this server, not dropped.
 */
export class RedisOutbox {
  /** This server's batches it delivered itself when Redis stopped answering, which Redis may still deliver later. */
  private readonly shown = new Set<string>()
  private batches = 0

  private constructor(
    private readonly queue: Queue.Queue<Outgoing>,
    private readonly link: RedisLink,
    private readonly wire: RedisWire,
    private readonly clock: Clock.Clock,
    private readonly options: OutboxOptions
  ) {}

  static make(link: RedisLink, wire: RedisWire, clock: Clock.Clock, options: OutboxOptions): Effect.Effect<RedisOutbox, never, Scope.Scope> {
    return Effect.gen(function*() {
      const queue = yield* Queue.unbounded<Outgoing>()
      const outbox = new RedisOutbox(queue, link, wire, clock, options)
      yield* Queue.takeAll(queue).pipe(
        // What the rest of the turn adds goes with it.
        Effect.flatMap((first) => Effect.andThen(Effect.yieldNow, Effect.map(Queue.clear(queue), (more) => first.concat(more)))),
        Effect.map((items) => outbox.write(items)),
        // A bug in one pass loses that pass (its scripts time out), not every later one.
        Effect.catchDefect((defect) => Effect.logError(`sending to Redis failed: ${String(defect)}`)),
        Effect.forever({ disableYield: true }),
        Effect.forkScoped
      )
      return outbox
    })
  }

  /** Publishes an event: through Redis while the link is up, here while it is not. */
  publish(event: Event): void {
    if (this.link.up) Queue.offerUnsafe(this.queue, { event })
    else this.options.alone(event)
  }

  /** A new batch id. */
  nextId(): string {
    return `${this.wire.node}:${this.options.run}:${++this.batches}`
  }

  /** Remembers batches (published by a script that Redis stopped answering) as delivered here already. */
  shownHere(ids: ReadonlyArray<string>): void {
    for (const id of ids) this.remember(id)
  }

  /**
   * Whether a batch that came back from Redis was already delivered here (it was sent when Redis
   * stopped answering, and delivered here then): it is not delivered twice.
   */
  seen(id: string | undefined): boolean {
    return id !== undefined && this.shown.delete(id)
  }

  /** Sends a script after everything queued before it; its answer completes the deferred. */
  send(script: string, args: ReadonlyArray<string>): Deferred.Deferred<unknown, unknown> {
    const done = Deferred.makeUnsafe<unknown, unknown>()
    Queue.offerUnsafe(this.queue, { script, args, done })
    return done
  }

  /** Runs a script after everything queued before it; fails while the link is down, or when Redis does not answer in time. */
  run<A>(script: string, args: ReadonlyArray<string>): Effect.Effect<A, unknown> {
    return Effect.suspend(() =>
      this.link.up ? RedisOutbox.answer(this.send(script, args)) as Effect.Effect<A, unknown> : Effect.fail(offline)
    )
  }

  /** A sent script's answer, or a failure when Redis does not give it in time. */
  static answer(done: Deferred.Deferred<unknown, unknown>): Effect.Effect<unknown, unknown> {
    return Deferred.await(done).pipe(Effect.timeout(answerWithin))
  }

  private remember(id: string): void {
    if (this.shown.size >= shownAtMost) this.shown.delete(this.shown.values().next().value!)
    this.shown.add(id)
  }

  private write(items: ReadonlyArray<Outgoing>): void {
    const { link, wire } = this
    const { alone, failed, history, prefix, unkept } = this.options
    if (!link.up) {
      for (const item of items) {
        if ("event" in item) alone(item.event)
        else Deferred.doneUnsafe(item.done, Exit.fail(offline))
      }
      return
    }
    let run: Array<Event> = []
    let channel: string | undefined = undefined
    let room: string | undefined = undefined
    const flush = () => {
      if (run.length === 0) return
      const events = run
      run = []
      const at = this.clock.currentTimeMillisUnsafe()
      const id = this.nextId()
      // What goes to another server's sessions never comes back here.
      const returns = room !== undefined || channel === prefix + "to:" + wire.node
      const payload = wire.encode(events, at, id)
      const kept = room === undefined || history === 0 ? [] : events.flatMap((e) => historyEntry(e, at) ?? []).slice(-history)
      const sent = room === undefined
        ? link.send(["PUBLISH", channel!, payload])
        : link.send(["EVAL", Scripts.say, "0", prefix, room, String(history), payload, ...kept])
      sent.then((kept) => {
        if (typeof kept === "string") unkept(kept)
      }, (error) => {
        if (error === stalled && returns) this.remember(id)
        failed(error)
        events.forEach(alone)
      })
    }
    for (const item of items) {
      if ("event" in item) {
        const address = addressOf(item.event)
        const next = address.room !== undefined
          ? prefix + "room:" + address.room
          : prefix + "to:" + (address.to === undefined ? wire.node : wire.nodeOf(address.to))
        if (next !== channel) {
          flush()
          channel = next
          room = address.room
        }
        run.push(item.event)
      } else {
        flush()
        channel = undefined
        link.send(["EVAL", item.script, "0", prefix, ...item.args]).then(
          (value) => Deferred.doneUnsafe(item.done, Exit.succeed(value)),
          (error) => Deferred.doneUnsafe(item.done, Exit.fail(error))
        )
      }
    }
    flush()
  }
}
