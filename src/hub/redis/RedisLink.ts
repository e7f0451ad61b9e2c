import * as NodeRedis from "@effect/platform-node/NodeRedis"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import { ErrorReply } from "redis"
import { type NodeIdInUse, RedisUnavailable } from "../HubError.js"
import { describe, layerClient, probe } from "./RedisConnect.js"

type Client = NodeRedis.NodeRedis["Service"]["client"]

/** What a link reports to its owner; each runs as an effect of its own. */
export interface LinkEvents {
  /** A message on a subscribed channel. Called synchronously, in Redis's order. */
  readonly message: (payload: string, channel: string) => void
  /** Both connections are up: for the first time (a failure then fails `connect`), or again after `down`. */
  readonly up: Effect.Effect<void, NodeIdInUse>
  /** A connection was lost; it is being retried. */
  readonly down: (why: string) => Effect.Effect<void>
}

/** Why a command failed without its answer: Redis stopped answering (the link is taken as lost). */
export const stalled = new Error("Redis stopped answering")

/** How often the link checks that Redis answers, and how long an answer may take before the link counts as lost. */
const checkEvery = 1000
const answerWithin = 2000

/** Whether a command failed because Redis answered it with an error, not for want of an answer. */
export const isErrorReply = (error: unknown): boolean => error instanceof ErrorReply

/**
 * Whether Redis refuses this server's writes for as long as its state lasts (a read-only
 * replica, a failed save, out of memory, no permission, still loading its data), rather than
 * refusing one command (a script's own error).
 */
export const isRefusal = (error: unknown): boolean =>
  isErrorReply(error) && /^(READONLY|MISCONF|OOM|NOPERM|NOAUTH|WRONGPASS|LOADING|MASTERDOWN)\b/.test((error as Error).message)



/**
 * The hub's connections to Redis: `NodeRedis`'s client (commands, in order,
 * failing at once while the link is down instead of queueing) and one
 * subscriber connection for every channel this server follows. After the
 * first connection, node-redis reconnects both on its own with backoff (and
 * resubscribes); the link reports when both are up and when one is lost.
 */
export class RedisLink {
  private client: Client | undefined = undefined
  private subscriber: Client | undefined = undefined
  /** The channels it follows, each with its subscription (settled once Redis confirmed it, or failed). */
  private readonly channels = new Map<string, Promise<void>>()
  private readonly pinned = new Map<string, number>()
  /** Channels let go of while the subscriber was down: node-redis would subscribe to them again. */
  private readonly dropped = new Set<string>()
  /** Whether both connections are up and Redis answers: commands go to Redis. */
  up = false
  /** Whether Redis left a health check unanswered (the connections may still be open), until it answers again. */
  private silent = false
  /** How to fail each command that waits for its answer: with `stalled`, when Redis stops answering. */
  private readonly waiting = new Set<(error: Error) => void>()

  constructor(readonly url: string, private readonly events: LinkEvents) {}

  /**
   * A command, sent now (after every command sent before it). Fails at once while the link is
   * down, and with `stalled` as soon as Redis is found not answering (it may still run it later).
   */
  send<A>(args: ReadonlyArray<string>): Promise<A> {
    return this.client === undefined
      ? Promise.reject(new Error("not connected"))
      : this.awaited(this.client.sendCommand(args) as Promise<A>)
  }

  private awaited<A>(command: Promise<A>): Promise<A> {
    return new Promise<A>((resolve, reject) => {
      const waiting = this.waiting
      waiting.add(reject)
      command.then((value) => {
        waiting.delete(reject)
        resolve(value)
      }, (error) => {
        waiting.delete(reject)
        reject(error)
      })
    })
  }

  /**
   * Follows a channel; completes once Redis confirms the subscription. Whoever
   * follows a channel that is being subscribed waits for the same confirmation:
   * a join published before it would not come back.
   */
  follow(channel: string): Promise<void> {
    const known = this.channels.get(channel)
    if (known !== undefined) return known
    this.dropped.delete(channel)
    const subscribed = this.subscriber === undefined || !this.subscriber.isReady
      ? Promise.reject(new Error("not connected"))
      : this.subscriber.subscribe(channel, this.events.message)
    // A failed subscription is tried again by the next follower, or at the next `resubscribe`.
    subscribed.catch(() => {
      if (this.channels.get(channel) !== subscribed) return
      const failed = Promise.reject(new Error("not subscribed"))
      failed.catch(() => undefined)
      this.channels.set(channel, failed)
    })
    this.channels.set(channel, subscribed)
    return subscribed
  }

  /** Subscribes (again) to every channel it follows, and lets go of those dropped meanwhile: after a reconnection. */
  resubscribe(): Promise<void> {
    const subscriber = this.subscriber
    if (subscriber === undefined) return Promise.resolve()
    const dropped = Array.from(this.dropped)
    this.dropped.clear()
    const all = Array.from(this.channels.keys())
    const subscribed = all.length === 0 ? Promise.resolve() : subscriber.subscribe(all, this.events.message)
    for (const channel of all) this.channels.set(channel, subscribed)
    subscribed.catch(() => undefined)
    return Promise.all([subscribed, dropped.length === 0 ? undefined : subscriber.unsubscribe(dropped)]).then(() => undefined)
  }

  unfollow(channel: string): void {
    if (!this.channels.delete(channel)) return
    if (this.subscriber?.isReady) this.subscriber.unsubscribe(channel).catch(() => undefined)
    else this.dropped.add(channel)
  }

  /** The channels it follows that no join is being made on (a room's members are known here only once its join is answered). */
  following(): ReadonlyArray<string> {
    return Array.from(this.channels.keys()).filter((channel) => !this.pinned.has(channel))
  }

  /** Runs `effect` (a join: it follows the room before its members are known here) with `channel` kept out of {@link following}. */
  pinning<A, E, R>(channel: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return Effect.acquireUseRelease(Effect.sync(() => this.pin(channel)), () => effect, (release) => Effect.sync(release))
  }

  /** Keeps `channel` out of {@link following} until the returned release is called. */
  pin(channel: string): () => void {
    this.pinned.set(channel, (this.pinned.get(channel) ?? 0) + 1)
    return () => {
      const left = this.pinned.get(channel)! - 1
      if (left === 0) this.pinned.delete(channel)
      else this.pinned.set(channel, left)
    }
  }

  /** Reports a change of `up`, with why it went down (set once connected). */
  private check: (why?: unknown) => void = () => undefined

  /**
   * The health check: a `PING` every second on the command connection. One left unanswered for
   * two seconds (Redis stopped, or too busy to answer) takes the link down as a lost connection
   * does, and fails what waits for an answer; the link is back once Redis answers again. An open
   * connection to a Redis that does not answer would otherwise hold all chat until it does.
   */
  private watch(client: Client): Effect.Effect<never> {
    const link = this
    // Only a PONG counts: a Redis busy in a long script answers -BUSY, and is as good as stopped.
    const pong = Effect.tryPromise(() => client.sendCommand(["PING"])).pipe(
      Effect.map((answer) => String(answer) === "PONG"),
      Effect.orElseSucceed(() => false)
    )
    return Effect.gen(function*() {
      yield* Effect.sleep(checkEvery)
      if (!client.isReady) return
      const answered = yield* pong.pipe(Effect.timeoutOption(answerWithin))
      if (answered._tag === "Some" && answered.value) {
        if (link.silent) {
          link.silent = false
          link.check()
        }
        return
      }
      if (!link.silent) {
        link.silent = true
        const waiting = Array.from(link.waiting)
        link.waiting.clear()
        for (const fail of waiting) fail(stalled)
        link.check(new Error(answered._tag === "Some" ? "it answers PING with an error" : `no answer within ${answerWithin / 1000} s`))
      }
      // The next check waits for this one's answer: pings do not pile up behind a stalled Redis.
      if (answered._tag === "None") yield* pong
    }).pipe(Effect.forever({ disableYield: true }))
  }

  /**
   * Connects, for as long as the scope lasts. Fails with `RedisUnavailable` when
   * Redis does not answer, unless `optional`: then the link comes up whenever
   * Redis does, retried with backoff, and the server runs alone meanwhile.
   */
  connect(optional: boolean): Effect.Effect<void, RedisUnavailable | NodeIdInUse, Scope.Scope> {
    const link = this
    const unavailable = (error: { readonly cause?: unknown }) => new RedisUnavailable({ url: link.url, reason: describe(error.cause) })
    // One attempt owns what it opens: a failed one closes it, a successful one keeps it for the link's scope.
    const attempt = Effect.gen(function*() {
      const scope = yield* Scope.make()
      const exit = yield* Effect.exit(Scope.provide(open, scope))
      if (Exit.isFailure(exit)) yield* Scope.close(scope, exit)
      else yield* Effect.addFinalizer((end) => Scope.close(scope, end))
      return yield* exit
    })
    const open = Effect.gen(function*() {
      yield* probe(link.url)
      const fibers = yield* FiberSet.make()
      const run = yield* FiberSet.runtime(fibers)<never>()
      const context = yield* Layer.build(layerClient(link.url)).pipe(Effect.mapError(unavailable))
      const client = Context.get(context, NodeRedis.NodeRedis).client
      const subscriber = yield* Effect.acquireRelease(
        // node-redis throws an `error` that nothing listens to.
        Effect.sync(() => client.duplicate().on("error", () => undefined)),
        (subscriber) => Effect.sync(() => subscriber.destroy())
      )
      let closing = false
      // Closing the connections is not losing them. A client still waiting for Redis after a
      // second is let go at once (its commands fail), so that a Redis that stopped answering
      // cannot hold the shutdown.
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          closing = true
          link.up = false
        }).pipe(
          Effect.andThen(Effect.promise(() => client.close()).pipe(Effect.timeoutOption("1 second"))),
          Effect.andThen(Effect.sync(() => {
            if (client.isOpen) client.destroy()
          })),
          Effect.ignore
        )
      )
      yield* Effect.tryPromise(() => subscriber.connect()).pipe(Effect.mapError(unavailable))
      // Its scripts' flags (writes allowed when Redis is out of memory) are Redis 7's. A user without INFO is let through.
      const info = yield* Effect.tryPromise(() => client.sendCommand(["INFO", "server"]) as Promise<string>).pipe(Effect.orElseSucceed(() => ""))
      const version = /redis_version:(\d+)[.\d]*/.exec(String(info))
      if (version !== null && Number(version[1]) < 7) {
        return yield* new RedisUnavailable({ url: link.url, reason: `it is Redis ${version[0].slice(14)}, and hubbub needs Redis 7 or newer` })
      }
      link.client = client
      link.subscriber = subscriber
      yield* Effect.tryPromise(() => link.resubscribe()).pipe(Effect.mapError(unavailable))
      link.up = client.isReady && subscriber.isReady
      // From now on, each loss and each return is reported once.
      const check = (why?: unknown) => {
        if (closing) return
        const up = client.isReady && subscriber.isReady && !link.silent
        if (up === link.up) return
        link.up = up
        run(up ? Effect.ignore(link.events.up) : link.events.down(why === undefined ? "connection closed" : describe(why)))
      }
      for (const c of [client, subscriber]) {
        c.on("ready", () => check()).on("error", (error: unknown) => check(error)).on("end", () => check())
      }
      link.check = check
      yield* link.watch(client).pipe(Effect.forkScoped)
      yield* link.events.up
    })
    if (!optional) return attempt
    let told = false
    return attempt.pipe(
      Effect.tapError((error) =>
        told ? Effect.void : Effect.logWarning(`${error.message}; running alone until it answers`).pipe(
          Effect.andThen(Effect.sync(() => {
            told = true
          }))
        )
      ),
      Effect.retry(Schedule.min([Schedule.exponential("200 millis"), Schedule.spaced("5 seconds")])),
      Effect.forkScoped,
      Effect.asVoid
    )
  }
}
