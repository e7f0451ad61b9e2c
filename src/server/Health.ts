import * as Effect from "effect/Effect"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
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
  return Effect.gen(function*() {
    if (sessions.stopping()) return "stopping"
    const link = yield* hub.link
    if (link === "down" || link === "degraded") return `cluster link ${link}`
    return yield* store.ping.pipe(
      Effect.timeoutOrElse({ duration: "1 second", orElse: () => Effect.succeed("does not answer within 1 s") }),
      Effect.as(undefined),
      Effect.catch((error) => Effect.succeed(error.message)),
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
