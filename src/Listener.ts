import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as NetAddress from "effect/net/NetAddress"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as SocketServer from "effect/socket/SocketServer"
import * as Net from "node:net"
import { ChatConfig } from "./ChatConfig.js"
import { type Connection, fromSocket, NetConnection } from "./Connection.js"

/**
 * Where connections come from: a transport that accepts clients and hands each
 * one, as a {@link Connection}, to a handler running in a fiber of its own.
 */
export class Listener extends Context.Service<Listener, {
  readonly address: NetAddress.SocketAddress
  /**
   * Serves every connection with `handler`, each in its own fiber, until
   * interrupted; then interrupts the connections' fibers that are left.
   */
  readonly run: <R>(handler: (connection: Connection) => Effect.Effect<void, never, R>) => Effect.Effect<never, never, R>
}>()("hubbub/Listener") {
  /**
   * A Node TCP listener on `ChatConfig`'s host and port. Each connection costs
   * a socket and its fiber: no per-connection wrapper fibers, scopes or
   * contexts, which is what lets one process hold many thousands.
   */
  static readonly layerTcp: Layer.Layer<Listener, SocketServer.SocketServerError, ChatConfig> = Layer.effect(
    Listener,
    Effect.gen(function*() {
      const config = yield* ChatConfig
      const keepalive = Option.map(config.keepalive, Duration.toMillis)
      const server = Net.createServer({
        // Half-open: a client that has sent its last line may still read the answers.
        allowHalfOpen: true,
        noDelay: true,
        keepAlive: Option.isSome(keepalive),
        keepAliveInitialDelay: Option.getOrElse(keepalive, () => 0)
      })
      const waiting = new Set<Net.Socket>()
      const park = (socket: Net.Socket) => {
        socket.pause()
        socket.on("error", () => {})
        waiting.add(socket)
        socket.once("close", () => waiting.delete(socket))
      }
      let onConnection: (socket: Net.Socket) => void = park
      server.on("connection", (socket) => onConnection(socket))
      yield* Effect.addFinalizer(() =>
        Effect.callback<void>((resume) => {
          for (const socket of waiting) socket.destroy()
          server.close(() => resume(Effect.void))
        })
      )
      yield* Effect.callback<void, SocketServer.SocketServerError>((resume) => {
        const failed = (cause: Error) =>
          resume(Effect.fail(new SocketServer.SocketServerError({ reason: new SocketServer.SocketServerOpenError({ cause }) })))
        server.once("error", failed)
        server.listen({ host: config.host, port: config.port }, () => {
          server.off("error", failed)
          // Failures to accept one connection (out of file descriptors) leave the listener running.
          server.on("error", () => {})
          resume(Effect.void)
        })
      })
      const bound = server.address() as Net.AddressInfo
      const address = yield* Effect.fromResult(NetAddress.inetAddressFromIpString(bound.address, bound.port)).pipe(
        Effect.mapError((cause) =>
          new SocketServer.SocketServerError({ reason: new SocketServer.SocketServerOpenError({ cause }) })
        )
      )

      const run = <R>(handler: (connection: Connection) => Effect.Effect<void, never, R>) =>
        Effect.withFiber<never, never, R>((parent) => {
          const context = Context.omit(Scope.Scope)(parent.context) as Context.Context<R>
          const fibers = new Set<Fiber.Fiber<void>>()
          const serve = (socket: Net.Socket) => {
            const fiber = Effect.runForkWith(context)(handler(new NetConnection(socket)))
            fibers.add(fiber)
            fiber.addObserver(() => fibers.delete(fiber))
          }
          onConnection = serve
          for (const socket of waiting) {
            waiting.delete(socket)
            socket.removeAllListeners()
            socket.resume()
            serve(socket)
          }
          return Effect.callback<never>(() =>
            Effect.suspend(() => {
              onConnection = (socket) => socket.destroy()
              return Fiber.interruptAll(fibers)
            })
          )
        })
      return Listener.of({ address, run })
    })
  )

  /**
   * Any Effect `SocketServer` (a WebSocket server, for one) as a listener:
   * its sockets become connections through their readers and writers.
   */
  static readonly layerSocketServer: Layer.Layer<Listener, never, SocketServer.SocketServer> = Layer.effect(
    Listener,
    Effect.gen(function*() {
      const server = yield* SocketServer.SocketServer
      const run = <R>(handler: (connection: Connection) => Effect.Effect<void, never, R>) =>
        server.run((socket) =>
          Effect.scopedWith((scope) =>
            Effect.gen(function*() {
              const net = yield* Effect.serviceOption(NodeSocket.NetSocket)
              const request = yield* Effect.serviceOption(NodeSocketServer.IncomingMessage)
              const remote = Option.isSome(net) ? net.value : Option.isSome(request) ? request.value.socket : undefined
              const peer = remote === undefined ? "unknown" : `${remote.remoteAddress}:${remote.remotePort}`
              const connection = yield* fromSocket(socket, peer, remote?.remoteAddress, scope)
              return yield* handler(connection)
            })
          ).pipe(Effect.catchCause(() => Effect.void))
        ) as Effect.Effect<never, never, R>
      return Listener.of({ address: server.address, run })
    })
  )
}
