import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as NetAddress from "effect/net/NetAddress"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as SocketServer from "effect/socket/SocketServer"
import { ChatConfig } from "../ChatConfig.js"
import { Hub } from "../hub/Hub.js"
import { CloseReasons } from "../protocol/CloseReason.js"
import { Flusher } from "../session/Flusher.js"
import * as Serve from "../session/Serve.js"
import { Sessions } from "../session/Sessions.js"
import * as Transport from "../transport/Transport.js"
import { Codec } from "../wire/Codec.js"
import { Stats } from "./Stats.js"
import { Warnings } from "./Warnings.js"

/**
 * The running server: every connection a `SocketServer` accepts becomes a
 * session (or, over the limits, gets one notice and is let go), and when the
 * layer is released, a graceful shutdown: every session is told and given
 * `shutdownTimeout` to flush, then the rest are cut off.
 */
export class ChatServer extends Context.Service<ChatServer, {
  readonly address: NetAddress.SocketAddress
  /** Asks the program built on this server to stop (the console's `quit`). */
  readonly requestStop: Effect.Effect<void>
  /** Completes when a stop was requested. */
  readonly stopRequested: Effect.Effect<void>
}>()("hubbub/ChatServer") {
  /** Sessions over whatever `SocketServer` is provided: TCP, TLS, WebSocket. */
  static readonly layer = Layer.effect(
    ChatServer,
    Effect.gen(function*() {
      const server = yield* SocketServer.SocketServer
      const config = yield* ChatConfig
      const sessions = yield* Sessions
      const hub = yield* Hub
      const stats = yield* Stats
      const session = yield* Serve.handler
      const stop = yield* Deferred.make<void>()

      yield* Effect.addFinalizer(() => Effect.logInfo("stopped"))
      yield* server.run(session).pipe(
        Effect.catchCause((cause) => Effect.logError("the listener failed", cause)),
        Effect.forkScoped
      )

      // Runs before `run` is interrupted: close every session (each says goodbye), and wait for them up to the timeout.
      yield* Effect.addFinalizer(() =>
        Effect.gen(function*() {
          sessions.stop()
          const live = sessions.live.size
          yield* Effect.logInfo("shutting down").pipe(Effect.annotateLogs({ sessions: live }))
          for (const handle of sessions.live.values()) handle.close(CloseReasons.Shutdown)
          if (live === 0) return
          const finished = yield* sessions.awaitEmpty.pipe(Effect.timeoutOption(config.shutdownTimeout))
          if (Option.isNone(finished)) {
            yield* Effect.logWarning("shutdown timeout reached; closing the remaining connections").pipe(
              Effect.annotateLogs({ sessions: sessions.live.size })
            )
            for (const handle of sessions.live.values()) handle.abort()
          }
        })
      )

      if (Option.isSome(config.statusInterval)) {
        yield* Effect.gen(function*() {
          const rooms = yield* hub.rooms
          const c = stats.counters
          yield* Effect.logInfo("status").pipe(Effect.annotateLogs({
            connections: sessions.live.size,
            fibers: sessions.live.size,
            rooms: rooms.length,
            messagesIn: c.messagesIn,
            messagesOut: c.messagesOut,
            bytesIn: c.bytesIn,
            bytesOut: c.bytesOut,
            heapMiB: Math.round(process.memoryUsage().heapUsed / 1048576)
          }))
        }).pipe(
          Effect.repeat(Schedule.spaced(config.statusInterval.value)),
          Effect.delay(config.statusInterval.value),
          Effect.forkScoped
        )
      }

      yield* Effect.logInfo(`listening on ${formatAddress(server.address)}`)
      return ChatServer.of({
        address: server.address,
        requestStop: Effect.asVoid(Deferred.succeed(stop, undefined)),
        stopRequested: Deferred.await(stop)
      })
    })
  )

  /** The services every server needs besides its `SocketServer`: in-memory hub, text codec, sessions. */
  static readonly layerServices = Layer.mergeAll(
    Hub.layerMemory,
    Codec.layerText,
    Sessions.layer,
    Stats.layer,
    Warnings.layer,
    Flusher.layer
  )

  /** A whole single-process server on `ChatConfig`'s host and port. Needs only a `ChatConfig`. */
  static readonly layerStandalone = ChatServer.layer.pipe(
    Layer.provide(Transport.layerTcp),
    Layer.provideMerge(ChatServer.layerServices)
  )
}

export const formatAddress = (address: NetAddress.SocketAddress): string =>
  address._tag === "UnixPathAddress"
    ? address.path
    : address._tag === "InetAddressV6"
    ? `[${String(address).replace(/:\d+$/, "")}]:${address.port}`
    : `${String(address)}`
