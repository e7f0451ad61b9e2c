import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import * as NetAddress from "effect/net/NetAddress"
import type * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as SocketServer from "effect/socket/SocketServer"
import * as Net from "node:net"
import * as Tls from "node:tls"
import { NetSocket } from "./NetSocket.js"

export interface NetServerOptions {
  readonly host: string
  readonly port: number
  /** TCP keepalive probes after this much silence; none is off. */
  readonly keepalive: Option.Option<Duration.Duration>
  /** TLS with this certificate and key (PEM): connections are served once their handshake is done. */
  readonly tls?: { readonly cert: string; readonly key: string } | undefined
  /** With TLS: handshakes under way at once; more connections are closed at once. */
  readonly maxHandshakes?: number | undefined
  /** With TLS: told of the server, whose certificate a reload may renew (`setSecureContext`). */
  readonly secured?: ((server: Tls.Server) => void) | undefined
}

/** A TLS handshake not done within this long closes its connection (Node's default is two minutes). */
const handshakeMillis = 10_000

const openError = (cause: unknown) =>
  new SocketServer.SocketServerError({ reason: new SocketServer.SocketServerOpenError({ cause }) })

/**
 * Effect's `SocketServer` over `node:net`, for many thousands of idle
 * connections: each costs Node's socket, a {@link NetSocket} and the fiber
 * that serves it, and nothing more (the platform's `NodeSocketServer` adds
 * about 7 KiB per connection; see docs/architecture.md).
 *
 * Connections are half-open (a client that has sent its last line may still
 * read the answers) and paused until their handler reads them. Those that
 * arrive before `run` wait, paused; `run` serves each in a fiber of its own
 * and, when interrupted, interrupts them all and waits for them.
 */
export const make = Effect.fnUntraced(function*(options: NetServerOptions) {
  const keepalive = options.keepalive
  const tcp: Net.ServerOpts = {
    allowHalfOpen: true,
    noDelay: true,
    keepAlive: keepalive._tag === "Some",
    keepAliveInitialDelay: keepalive._tag === "Some" ? Duration.toMillis(keepalive.value) : 0
  }
  // TLS reads the socket for its handshake: a TLS connection is paused once it is secure instead.
  const server: Net.Server = options.tls === undefined
    ? Net.createServer({ ...tcp, pauseOnConnect: true })
    : Tls.createServer({ ...tcp, cert: options.tls.cert, key: options.tls.key, handshakeTimeout: handshakeMillis })
  if (options.tls !== undefined) options.secured?.(server as Tls.Server)
  const accepted = options.tls === undefined ? "connection" : "secureConnection"
  const waiting = new Set<Net.Socket>()
  const park = (conn: Net.Socket) => {
    conn.on("error", ignore)
    waiting.add(conn)
    conn.once("close", () => waiting.delete(conn))
  }
  let onConnection: (conn: Net.Socket) => void = park
  server.on(accepted, (conn: Net.Socket) => {
    if (options.tls !== undefined) {
      handshaking.delete((conn as Tls.TLSSocket & { _parent?: Net.Socket })._parent ?? conn)
      conn.pause()
    }
    onConnection(conn)
  })
  // A failed handshake (a plaintext client, a bad certificate on its side, none within the timeout) costs
  // its socket, closed here (Node leaves a half-closed one open). Handshakes under way are bounded and
  // closed with the listener.
  let onTlsError: (error: Error) => void = ignore
  const handshaking = new Set<Net.Socket>()
  if (options.tls !== undefined) {
    const limit = options.maxHandshakes ?? 1024
    server.on("connection", (raw: Net.Socket) => {
      if (handshaking.size >= limit) return raw.destroy()
      handshaking.add(raw)
      raw.once("close", () => handshaking.delete(raw))
    })
    server.on("tlsClientError", (error: Error, socket: Tls.TLSSocket) => {
      socket.destroy()
      onTlsError(error)
    })
  }
  yield* Effect.addFinalizer(() =>
    Effect.callback<void>((resume) => {
      for (const conn of waiting) conn.destroy()
      for (const raw of handshaking) raw.destroy()
      server.close(() => resume(Effect.void))
    })
  )
  yield* Effect.callback<void, SocketServer.SocketServerError>((resume) => {
    const failed = (cause: Error) => resume(Effect.fail(openError(cause)))
    server.once("error", failed)
    server.listen({ host: options.host, port: options.port }, () => {
      server.off("error", failed)
      // Failing to accept one connection (out of file descriptors) leaves the listener running.
      server.on("error", ignore)
      resume(Effect.void)
    })
  })
  const bound = server.address() as Net.AddressInfo
  const address = yield* Effect.fromResult(NetAddress.inetAddressFromIpString(bound.address, bound.port)).pipe(
    Effect.mapError(openError)
  )

  const run = <R, E, _>(handler: (socket: NetSocket) => Effect.Effect<_, E, R>) =>
    Effect.scoped(Effect.gen(function*() {
      const fibers = yield* FiberSet.make()
      const context = Context.omit(Scope.Scope)(yield* Effect.context<R>()) as Context.Context<R>
      const runFork = Effect.runForkWith(context)
      const serve = (conn: Net.Socket) => {
        const fiber = runFork(Effect.catchCause(handler(new NetSocket(conn)), unhandled))
        // Whatever the handler did, its connection does not outlive it.
        fiber.addObserver(() => conn.destroy())
        FiberSet.addUnsafe(fibers, fiber)
      }
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          onConnection = (conn) => conn.destroy()
        })
      )
      onConnection = serve
      onTlsError = (error) =>
        void runFork(Effect.logDebug("TLS handshake failed").pipe(Effect.annotateLogs({ error: error.message })))
      for (const conn of waiting) {
        waiting.delete(conn)
        conn.removeAllListeners()
        serve(conn)
      }
      return yield* Effect.never
    })) as Effect.Effect<never, SocketServer.SocketServerError, R>

  return SocketServer.SocketServer.of({
    address,
    run: run as SocketServer.SocketServer["Service"]["run"]
  })
})

/** A `SocketServer` layer over `node:net`. */
export const layer = (options: NetServerOptions): Layer.Layer<SocketServer.SocketServer, SocketServer.SocketServerError> =>
  Layer.effect(SocketServer.SocketServer, make(options))

const ignore = () => {}
const unhandled = (cause: unknown) => Effect.logWarning("connection handler failed", cause)
