import * as NodeRedis from "@effect/platform-node/NodeRedis"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as References from "effect/References"
import * as Net from "node:net"
import { RedisUnavailable } from "../HubError.js"

// How `RedisLink` connects: a check that the URL is Redis at all, then node-redis' client.

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
 * Checks, before node-redis connects (it would wait forever for a server that
 * is not Redis), that `url` answers `PING` as Redis does, within 5 s. A TLS
 * URL (`rediss://`) is left to the client.
 */
export const probe = (url: string): Effect.Effect<void, RedisUnavailable> => {
  let target: URL
  try {
    target = new URL(url)
  } catch {
    return Effect.fail(new RedisUnavailable({ url, reason: "not a URL" }))
  }
  if (target.protocol !== "redis:") return Effect.void
  return Effect.callback<void, RedisUnavailable>((resume) => {
    const socket = Net.connect({ host: target.hostname.replace(/^\[|\]$/g, ""), port: Number(target.port || 6379) })
    const fail = (reason: string) => {
      socket.destroy()
      resume(Effect.fail(new RedisUnavailable({ url, reason })))
    }
    socket.once("error", (error) => fail(describe(error)))
    socket.once("connect", () => socket.write("PING\r\n"))
    socket.once("data", (bytes) => {
      const first = bytes.toString("latin1").split("\r\n")[0]
      if (/^\+PONG$|^-(NOAUTH|ERR|WRONGPASS|NOPERM|LOADING|MISCONF|BUSY|READONLY)\b/.test(first)) {
        socket.destroy()
        resume(Effect.void)
      } else {
        fail(`not a Redis server (it answered PING with ${JSON.stringify(first.slice(0, 40))})`)
      }
    })
    return Effect.sync(() => socket.destroy())
  }).pipe(
    Effect.timeoutOrElse({
      duration: "5 seconds",
      orElse: () => Effect.fail(new RedisUnavailable({ url, reason: "no answer (timed out)" }))
    })
  )
}

/**
 * `NodeRedis`'s client for `url`. The first connection fails on its first
 * error (the caller decides whether to retry); once up, it reconnects on its
 * own with exponential backoff up to 5 s. A command while it is down fails at
 * once. The client's own warnings (with their stacks) are left out: the link
 * says what happened, in one line.
 */
export const layerClient = (url: string) => {
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
