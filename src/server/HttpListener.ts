import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Fiber from "effect/Fiber"
import * as FiberSet from "effect/FiberSet"
import * as FileSystem from "effect/FileSystem"
import * as Schema from "effect/Schema"
import type * as Socket from "effect/socket/Socket"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Http from "node:http"
import * as Https from "node:https"
import * as Net from "node:net"
import * as Path from "node:path"
import * as Duration from "effect/Duration"
import { ChatConfig } from "../ChatConfig.js"
import { Stats } from "../observe/Stats.js"
import { Sessions } from "../session/Sessions.js"
import { HttpAdmission } from "./HttpAdmission.js"
import { Certificates } from "./Certificates.js"
import { ServerMetrics } from "./Metrics.js"
import { hostAllowed, notReady, prometheus, readyz } from "./Health.js"
import { webSockets, WsConnection } from "../transport/WebSocket.js"
import type { LineLimits } from "../wire/Codec.js"

/** The chat page's files, served from memory: name, content type. */
const pageFiles = [
  ["index.html", "text/html; charset=utf-8"],
  ["app.js", "text/javascript; charset=utf-8"],
  ["style.css", "text/css; charset=utf-8"]
] as const

/** The chat page is missing or unreadable (not built). */
export class PageError extends Schema.TaggedError<PageError>()("PageError", {
  path: Schema.String,
  failure: Schema.Unknown
}) {}

const loadPage = (root: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    return yield* Effect.forEach(pageFiles, ([name, type]) =>
      fs.readFile(Path.join(root, name)).pipe(
        Effect.map((bytes) =>
          HttpServerResponse.uint8Array(bytes, {
            contentType: type,
            headers: { "cache-control": "no-cache", "x-content-type-options": "nosniff" }
          })
        ),
        Effect.mapError((failure) => new PageError({ path: Path.join(root, name), failure }))
      ))
  }).pipe(Effect.provide(NodeFileSystem.layer))

/** The page may load nothing from elsewhere, and nothing may frame it. */
const pageHeaders = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
  "referrer-policy": "no-referrer"
}

/**
 * hubbub over HTTP, on `port`: the chat page (`/`), the WebSocket it chats
 * on (`/ws`, one session per socket, `session` serving it, no message
 * longer than a line's frame may be), and the
 * operator's `/healthz`, `/readyz` and (`publicMetrics`) `/metrics`. Open for as long as the scope is.
 */
export const make = Effect.fnUntraced(function*(
  port: number,
  session: (socket: Socket.Socket) => Effect.Effect<void>,
  limits: LineLimits
) {
  const config = yield* ChatConfig
  const sessions = yield* Sessions
  const metrics = yield* ServerMetrics
  const [index, app, style] = yield* loadPage(config.webRoot)
  const sockets = webSockets()
  const tls = config.tls
  const certificates = yield* Certificates
  const runFork = Effect.runForkWith(yield* Effect.context<never>())
  // Its clocks and log lines run in the listener's scope: they end with it.
  const admission = new HttpAdmission(sessions, (yield* Stats).counters, yield* FiberSet.runtime(yield* FiberSet.make())<never>())
  // A request is never given forever, even when choosing a nickname is (--register-timeout 0): no slowloris.
  const timeouts = HttpAdmission.timeouts(Duration.isZero(config.registerTimeout) ? 30_000 : Duration.toMillis(config.registerTimeout))
  const create = () => {
    if (tls._tag === "None") return admission.guard(Http.createServer(timeouts), false)
    const server = admission.guard(Https.createServer({ ...tls.value, ...timeouts, handshakeTimeout: 10_000 }), true)
    certificates.serving(server)
    // As on the other TLS ports: a failed handshake is a debug line and costs its socket.
    server.on("tlsClientError", (error: Error, socket: Net.Socket) => {
      socket.destroy()
      runFork(Effect.logDebug("TLS handshake failed").pipe(Effect.annotateLogs({ error: error.message })))
    })
    return server
  }
  const allowed = config.allowedOrigins.map(normalizeOrigin)
  const server = yield* NodeHttpServer.make(create, {
    host: config.host,
    port,
    // A WebSocket message larger than a line's JSON may be is refused (close code 1009).
    websocket: { maxPayload: limits.frameBytes, WebSocket: sockets.WebSocket },
    // Sessions are closed before the listener; what is left is idle page loads.
    gracefulShutdownTimeout: "1 second"
  })
  // The sessions outlive the request that opened them (a client that closes its socket ends its session by reading).
  const live = yield* FiberSet.make()

  const chat = (request: HttpServerRequest.HttpServerRequest) =>
    Effect.gen(function*() {
      if (request.headers.upgrade?.toLowerCase() !== "websocket") {
        return HttpServerResponse.text("This is hubbub's WebSocket: connect with a WebSocket client.\n", { status: 426 })
      }
      const origin = request.headers.origin
      if (origin !== undefined && !originAllowed(origin, request.headers.host, allowed)) {
        yield* Effect.logDebug("WebSocket refused: origin not allowed").pipe(Effect.annotateLogs({ origin }))
        return HttpServerResponse.text(`Origin ${origin} may not open this WebSocket.\n`, { status: 403 })
      }
      const socket = yield* request.upgrade
      const node = NodeHttpServerRequest.toIncomingMessage(request).socket as Net.Socket
      admission.upgraded(node)
      const fiber = yield* FiberSet.run(live, session(new WsConnection(socket, node, sockets, config.pingInterval)))
      yield* Fiber.await(fiber)
      return HttpServerResponse.empty()
    }).pipe(
      // The client went away during the handshake: nothing to answer.
      Effect.catch((error) =>
        Effect.as(
          Effect.logDebug("WebSocket handshake failed").pipe(Effect.annotateLogs({ error: String(error) })),
          HttpServerResponse.empty({ status: 400 })
        )
      )
    )

  // DNS rebinding: a page of another name that its DNS points here gets neither the page nor its WebSocket.
  const publicHost = Option.map(config.publicUrl, (url) => new URL(url).hostname.toLowerCase())
  // The first refusal is a warning (an operator whose proxy sends a name learns why at once); the rest are debug lines.
  let warned = false
  const forThisHost = <E, R>(handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const host = request.headers.host
      if (hostAllowed(host, publicHost)) return handler
      const refusal = "HTTP request for another host refused (the page and /ws answer only for --public-url's host, an address or localhost)"
      const logged = warned ? Effect.logDebug(refusal) : Effect.logWarning(`${refusal}: set --public-url if this is the page's name`)
      warned = true
      return Effect.as(
        logged.pipe(Effect.annotateLogs({ host: host ?? "" })),
        HttpServerResponse.text(`This server does not serve ${host ?? "that host"}${Option.isSome(publicHost) ? `: it is ${publicHost.value}` : ""}.\n`, { status: 421 })
      )
    })

  const router = yield* HttpRouter.make
  const page = Effect.succeed(HttpServerResponse.setHeaders(index, pageHeaders))
  yield* router.add("GET", "/", forThisHost(page))
  yield* router.add("GET", "/index.html", forThisHost(page))
  yield* router.add("GET", "/app.js", forThisHost(Effect.succeed(app)))
  yield* router.add("GET", "/style.css", forThisHost(Effect.succeed(style)))
  yield* router.add("GET", "/ws", forThisHost(Effect.flatMap(HttpServerRequest.HttpServerRequest, chat)))
  // On the admin API always; here only when asked for (--public-metrics).
  if (config.publicMetrics) yield* router.add("GET", "/metrics", prometheus(metrics))
  yield* router.add("GET", "/healthz", HttpServerResponse.text("ok\n"))
  yield* router.add("GET", "/readyz", readyz(yield* notReady))
  yield* server.serve(router.asHttpEffect())
  return server
})

/** An origin as browsers send it (`https://chat.example.org`, no path, lowercase); `*` stays. */
const normalizeOrigin = (origin: string): string => {
  if (origin === "*") return origin
  try {
    return new URL(origin).origin
  } catch {
    return origin
  }
}

/** The page's own origin (the host it was loaded from), or one the operator allowed. */
const originAllowed = (origin: string, host: string | undefined, allowed: ReadonlyArray<string>): boolean => {
  if (allowed.includes("*") || allowed.includes(normalizeOrigin(origin))) return true
  try {
    return host !== undefined && new URL(origin).host === host
  } catch {
    return false
  }
}
