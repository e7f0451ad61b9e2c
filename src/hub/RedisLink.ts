import * as NodeRedis from "@effect/platform-node/NodeRedis"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as References from "effect/References"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import { RedisUnavailable } from "./HubError.js"

type Client = NodeRedis.NodeRedis["Service"]["client"]

/** What a link reports to its owner; each runs as an effect of its own. */
export interface LinkEvents {
  /** A message on a subscribed channel. Called synchronously, in Redis's order. */
  readonly message: (payload: string, channel: string) => void
  /** Both connections are up: for the first time, or again after `down`. */
  readonly up: Effect.Effect<void>
  /** A connection was lost; it is being retried. */
  readonly down: (why: string) => Effect.Effect<void>
}

/** A one-line account of a Redis client error, for the log and the operator. */
export const describe = (cause: unknown): string => {
  const text = ((cause as { message?: string } | undefined)?.message ?? String(cause)).replace(/\s+/g, " ")
  return /ECONNREFUSED/.test(text)
    ? "connection refused"
    : /ENOTFOUND|EAI_AGAIN/.test(text)
    ? "unknown host"
    : /ETIMEDOUT|timeout/i.test(text)
    ? "no answer (timed out)"
    : text
}

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
  private readonly channels = new Set<string>()
  /** Whether both connections are up: commands go to Redis. */
  up = false

  constructor(readonly url: string, private readonly events: LinkEvents) {}

  /** A command, sent now (after every command sent before it). Fails at once while the link is down. */
  send<A>(args: ReadonlyArray<string>): Promise<A> {
    return this.client === undefined
      ? Promise.reject(new Error("not connected"))
      : this.client.sendCommand(args) as Promise<A>
  }

  /** Follows a channel (a no-op when it already does); completes once Redis confirms. */
  follow(channel: string): Promise<void> {
    if (this.channels.has(channel)) return Promise.resolve()
    this.channels.add(channel)
    return this.subscriber === undefined || !this.subscriber.isReady
      ? Promise.resolve()
      : this.subscriber.subscribe(channel, this.events.message)
  }

  /** Subscribes (again) to every channel it follows: after a reconnection, and for what it began to follow meanwhile. */
  resubscribe(): Promise<void> {
    return this.subscriber === undefined || this.channels.size === 0
      ? Promise.resolve()
      : this.subscriber.subscribe(Array.from(this.channels), this.events.message)
  }

  unfollow(channel: string): void {
    if (!this.channels.delete(channel)) return
    if (this.subscriber?.isReady) this.subscriber.unsubscribe(channel).catch(() => undefined)
  }

  following(): ReadonlyArray<string> {
    return Array.from(this.channels)
  }

  /**
   * Connects, for as long as the scope lasts. Fails with `RedisUnavailable` when
   * Redis does not answer, unless `optional`: then the link comes up whenever
   * Redis does, retried with backoff, and the server runs alone meanwhile.
   */
  connect(optional: boolean): Effect.Effect<void, RedisUnavailable, Scope.Scope> {
    const link = this
    const attempt = Effect.gen(function*() {
      const scope = yield* Scope.make()
      const exit = yield* Layer.buildWithScope(layerClient(link.url), scope).pipe(Effect.exit)
      if (Exit.isFailure(exit)) {
        yield* Scope.close(scope, exit)
        return yield* Effect.failCause(exit.cause)
      }
      yield* Effect.addFinalizer((end) => Scope.close(scope, end))
      return Context.get(exit.value, NodeRedis.NodeRedis).client
    }).pipe(
      Effect.mapError((error) => new RedisUnavailable({ url: link.url, reason: describe(error.cause) }))
    )
    const ready = (client: Client) =>
      Effect.gen(function*() {
        const context = yield* Effect.context<never>()
        const run = <E>(effect: Effect.Effect<void, E>) => void Effect.runForkWith(context)(effect)
        const subscriber = yield* Effect.acquireRelease(
          // node-redis throws an `error` that nothing listens to.
          Effect.sync(() => client.duplicate().on("error", () => undefined)),
          (subscriber) => Effect.sync(() => subscriber.destroy())
        )
        let closing = false
        // Closing the connections is not losing them.
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            closing = true
            link.up = false
          })
        )
        yield* Effect.tryPromise(() => subscriber.connect()).pipe(
          Effect.mapError((error) => new RedisUnavailable({ url: link.url, reason: describe(error.cause) }))
        )
        if (link.channels.size > 0) {
          yield* Effect.tryPromise(() => subscriber.subscribe(Array.from(link.channels), link.events.message)).pipe(
            Effect.mapError((error) => new RedisUnavailable({ url: link.url, reason: describe(error.cause) }))
          )
        }
        link.client = client
        link.subscriber = subscriber
        link.up = client.isReady && subscriber.isReady
        // From now on, each loss and each return is reported once.
        const check = (why?: unknown) => {
          if (closing) return
          const up = client.isReady && subscriber.isReady
          if (up === link.up) return
          link.up = up
          run(up ? link.events.up : link.events.down(why === undefined ? "connection closed" : describe(why)))
        }
        for (const c of [client, subscriber]) {
          c.on("ready", () => check()).on("error", (error: unknown) => check(error)).on("end", () => check())
        }
        yield* link.events.up
      })
    const linked = Effect.flatMap(attempt, ready)
    if (!optional) return linked
    let told = false
    return linked.pipe(
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

/**
 * `NodeRedis`'s client for `url`. The first connection fails on its first
 * error (the caller decides whether to retry); once up, it reconnects on its
 * own with exponential backoff up to 5 s. A command while it is down fails at
 * once. The client's own warnings (with their stacks) are left out: the link
 * says what happened, in one line.
 */
const layerClient = (url: string) => {
  let ready = false
  return NodeRedis.layer({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 5000,
      reconnectStrategy: (retries: number, cause: Error) =>
        ready ? Math.min(100 * 2 ** retries, 5000) + Math.floor(Math.random() * 100) : cause
    }
  }).pipe(
    Layer.tap((context) =>
      Effect.sync(() => {
        const client = Context.get(context, NodeRedis.NodeRedis).client
        if (client.isReady) ready = true
        client.on("ready", () => {
          ready = true
        })
      })
    ),
    Layer.provide(Layer.succeed(References.MinimumLogLevel, "Error"))
  )
}
