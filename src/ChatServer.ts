import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type * as NetAddress from "effect/net/NetAddress"
import type * as Socket from "effect/socket/Socket"
import * as SocketServer from "effect/socket/SocketServer"
import type * as Net from "node:net"
import { ChatConfig } from "./ChatConfig.js"
import { Codec } from "./Codec.js"
import { Hub } from "./Hub.js"
import type { Sink } from "./Outbox.js"
import * as Session from "./Session.js"
import { Sessions } from "./Sessions.js"

/**
 * The running server: sessions over a `SocketServer`, a graceful shutdown
 * when its layer is released, and a way to ask for that shutdown.
 */
export class ChatServer extends Context.Service<ChatServer, {
  readonly address: NetAddress.SocketAddress
  /** Asks the program built on this server to stop (the console's `quit`). */
  readonly requestStop: Effect.Effect<void>
  /** Completes when a stop was requested. */
  readonly stopRequested: Effect.Effect<void>
}>()("hubbub/ChatServer") {
  /** Runs sessions on whatever `SocketServer` is provided (TCP today; WebSocket later). */
  static readonly layer = Layer.effect(
    ChatServer,
    Effect.gen(function*() {
      const server = yield* SocketServer.SocketServer
      const config = yield* ChatConfig
      const sessions = yield* Sessions
      const hub = yield* Hub
      const stop = yield* Deferred.make<void>()
      let stopping = false

      let connections = 0
      const perIp = new Map<string, number>()

      /** Tells a connection we will not serve it, in one notice, and lets it go. */
      const refuse = (socket: Socket.Socket, text: string) =>
        Effect.gen(function*() {
          // Writes wait until the reader is acquired.
          yield* socket.reader
          const writer = yield* socket.writer
          yield* writer.write(`-!- ${text}\n`).pipe(Effect.timeoutOption("200 millis"), Effect.ignore)
        })

      /** Why a new connection must be refused, if it must. */
      const overLimit = (ip: string | undefined): string | undefined => {
        if (stopping) return Session.shutdownNotice
        if (connections >= config.maxConnections) {
          return `Server full (${config.maxConnections} connections); try again later.`
        }
        if (ip !== undefined && config.maxPerIp > 0 && (config.limitLoopback || !isLoopback(ip))) {
          if ((perIp.get(ip) ?? 0) >= config.maxPerIp) {
            return `Too many connections from your address (limit ${config.maxPerIp}).`
          }
        }
        return undefined
      }

      const onConnection = (socket: Socket.Socket) =>
        Effect.gen(function*() {
          const conn = yield* Effect.serviceOption(NodeSocket.NetSocket)
          const ip = Option.isSome(conn) ? conn.value.remoteAddress : undefined
          const peer = Option.isSome(conn) ? `${conn.value.remoteAddress}:${conn.value.remotePort}` : "unknown"
          if (Option.isSome(conn)) {
            // Registered first so it runs last: a peer that stopped reading must not keep its socket alive.
            yield* Effect.addFinalizer((exit) => release(conn.value, exit))
            conn.value.setNoDelay(true)
            if (Option.isSome(config.keepalive)) conn.value.setKeepAlive(true, Duration.toMillis(config.keepalive.value))
          }
          const refusal = overLimit(ip)
          if (refusal !== undefined) {
            sessions.counters.refused++
            if (!stopping) yield* sessions.warnOffender(`refused: ${refusal}`).pipe(Effect.annotateLogs({ peer }))
            return yield* refuse(socket, refusal)
          }
          connections++
          if (ip !== undefined) perIp.set(ip, (perIp.get(ip) ?? 0) + 1)
          yield* Effect.addFinalizer(() =>
            Effect.sync(() => {
              connections--
              if (ip === undefined) return
              const left = perIp.get(ip)! - 1
              if (left === 0) perIp.delete(ip)
              else perIp.set(ip, left)
            })
          )
          return yield* Session.handle(socket, peer, Option.isSome(conn) ? netSink(conn.value) : undefined)
        }).pipe(Effect.scoped, Effect.catchCause(() => Effect.void))

      yield* server.run(onConnection).pipe(Effect.forkScoped)

      // Runs before `run` is interrupted: ask every session to say goodbye and
      // flush, wait for them up to the timeout, then the rest are cut off.
      yield* Effect.addFinalizer(() =>
        Effect.gen(function*() {
          stopping = true
          const live = sessions.live.size
          if (live === 0) return
          yield* Effect.logInfo("shutting down").pipe(Effect.annotateLogs({ sessions: live }))
          yield* hub.publish({ _tag: "Closing", text: Session.shutdownNotice })
          for (const session of sessions.live.values()) {
            Deferred.doneUnsafe(session.closing, Exit.succeed({ _tag: "Shutdown" }))
          }
          const finished = yield* sessions.empty.pipe(Effect.timeoutOption(config.shutdownTimeout))
          if (Option.isNone(finished)) {
            yield* Effect.logWarning("shutdown timeout reached; closing the remaining connections").pipe(
              Effect.annotateLogs({ sessions: sessions.live.size })
            )
          }
        })
      )

      if (Option.isSome(config.statusInterval)) {
        yield* Effect.gen(function*() {
          const rooms = yield* hub.rooms
          const c = sessions.counters
          let fibers = 0
          for (const s of sessions.live.values()) fibers += s.fibers.size
          yield* Effect.logInfo("status").pipe(Effect.annotateLogs({
            connections: sessions.live.size,
            fibers,
            rooms: rooms.length,
            messagesIn: c.messagesIn,
            messagesOut: c.messagesOut,
            bytesIn: c.bytesIn,
            bytesOut: c.bytesOut,
            heapMiB: Math.round(process.memoryUsage().heapUsed / 1048576)
          }))
        }).pipe(Effect.repeat(Schedule.spaced(config.statusInterval.value)), Effect.delay(config.statusInterval.value), Effect.forkScoped)
      }

      yield* Effect.logInfo(`listening on ${formatAddress(server.address)}`)
      return ChatServer.of({
        address: server.address,
        requestStop: Deferred.succeed(stop, undefined).pipe(Effect.asVoid),
        stopRequested: Deferred.await(stop)
      })
    })
  )

  /** The TCP listener on `ChatConfig`'s host and port, with everything a server needs but the config. */
  static readonly layerTcp = ChatServer.layer.pipe(
    Layer.provide(
      Layer.unwrap(Effect.gen(function*() {
        const { host, port } = yield* ChatConfig
        // Half-open: a client that has sent its last line may still read the answers.
        return NodeSocketServer.layer({ host, port, allowHalfOpen: true })
      }))
    )
  )

  /** A whole single-process server: TCP listener, in-memory hub, text codec. Needs only a `ChatConfig`. */
  static readonly layerStandalone = ChatServer.layerTcp.pipe(
    Layer.provideMerge(Layer.mergeAll(Hub.layerMemory, Codec.layerText, Sessions.layer))
  )
}

/** Writes straight into the Node socket: `write` never waits, `drain` ends a pause. */
const netSink = (conn: Net.Socket): Sink => ({
  write: (bytes) => conn.write(bytes),
  onDrain: (f) => {
    const done = () => {
      conn.off("drain", done)
      conn.off("close", done)
      f()
    }
    conn.on("drain", done)
    conn.on("close", done)
    return () => {
      conn.off("drain", done)
      conn.off("close", done)
    }
  },
  closed: () => conn.destroyed || conn.writableEnded
})

const isLoopback = (ip: string) => ip.startsWith("127.") || ip === "::1" || ip.startsWith("::ffff:127.")

export const formatAddress = (address: NetAddress.SocketAddress): string =>
  address._tag === "UnixPathAddress"
    ? address.path
    : address._tag === "InetAddressV6"
    ? `[${String(address).replace(/:\d+$/, "")}]:${address.port}`
    : `${String(address)}`

/** After a graceful end the kernel still flushes what it holds; after an interrupt the socket is cut at once. */
const release = (conn: Net.Socket, exit: Exit.Exit<unknown, unknown>) =>
  Effect.callback<void>((resume) => {
    if (conn.destroyed || Exit.isFailure(exit) || conn.writableLength === 0) {
      conn.destroy()
      return resume(Effect.void)
    }
    const timer = setTimeout(() => {
      conn.destroy()
      resume(Effect.void)
    }, 500)
    conn.once("close", () => {
      clearTimeout(timer)
      resume(Effect.void)
    })
  })
