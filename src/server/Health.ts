import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Option from "effect/Option"
import * as Net from "node:net"
import { Hub } from "../hub/Hub.js"
import { Sessions } from "../session/Sessions.js"
import { Store } from "../store/Store.js"
import type { ServerMetrics } from "./Metrics.js"

/**
 * Why the server should take no one now (`/readyz` answers 503 with it), or none: it is stopping or
 * draining, its link to Redis is down or refused, or its store does not answer. The store is asked
 * each time (a cheap query, at most a second): a load balancer polls every few seconds.
 */
export const notReady = Effect.gen(function*() {
  const sessions = yield* Sessions
  const hub = yield* Hub
  const store = yield* Store
  // A query to a database that hangs cannot be interrupted: it runs on its own, one at a time, and
  // the check waits for it a second at most.
  let asking: Fiber.Fiber<string | undefined> | undefined = undefined
  const ask = Effect.suspend(() => {
    if (asking === undefined || asking.pollUnsafe() !== undefined) {
      asking = Effect.runFork(store.ping.pipe(
        Effect.as(undefined),
        Effect.catch((error) => Effect.succeed(error.message))
      ))
    }
    return Fiber.join(asking)
  })
  return Effect.gen(function*() {
    if (sessions.stopping()) return "stopping"
    const link = yield* hub.link
    if (link === "down" || link === "degraded") return `cluster link ${link}`
    return yield* ask.pipe(
      Effect.timeoutOrElse({ duration: "1 second", orElse: () => Effect.succeed("does not answer within 1 s") }),
      Effect.map((fault) => fault === undefined ? undefined : `store: ${fault}`)
    )
  })
})

/** The server's metrics in Prometheus' text format. */
export const prometheus = (metrics: ServerMetrics["Service"]) =>
  Effect.map(metrics.prometheus, (text) => HttpServerResponse.text(text, { contentType: "text/plain; version=0.0.4; charset=utf-8" }))

/** `/readyz`: 200 `ready`, or 503 and why not. */
export const readyz = (why: Effect.Effect<string | undefined>) =>
  Effect.map(why, (fault) => fault === undefined ? HttpServerResponse.text("ready\n") : HttpServerResponse.text(`${fault}\n`, { status: 503 }))

/**
 * Whether a request's `Host` is this server's: an address (an IPv4 or IPv6 literal, as the listening
 * address is), `localhost`, or the public URL's host name (any port); never another name, which
 * someone's DNS could point here. A request without one (HTTP/1.0) is let through.
 */
export const hostAllowed = (host: string | undefined, publicHost: Option.Option<string>): boolean => {
  if (host === undefined) return true
  const lower = host.toLowerCase()
  const name = lower.startsWith("[") ? lower.slice(1, lower.indexOf("]")) : lower.replace(/:\d+$/, "")
  // No DNS can make an address or localhost someone else's; the public name is the operator's own, on any port.
  return name === "localhost" || Net.isIP(name) !== 0 || (Option.isSome(publicHost) && name === publicHost.value)
}
