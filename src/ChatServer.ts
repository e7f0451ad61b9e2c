import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type * as NetAddress from "effect/net/NetAddress"
import { ChatConfig } from "./ChatConfig.js"
import { Codec } from "./Codec.js"
import type { Connection } from "./Connection.js"
import { Hub } from "./Hub.js"
import { Listener } from "./Listener.js"
import * as Session from "./Session.js"
import { Sessions } from "./Sessions.js"

/**
 * The running server: sessions over a `Listener`, a graceful shutdown
 * when its layer is released, and a way to ask for that shutdown.
 */
const encoder = new TextEncoder()

export class ChatServer extends Context.Service<ChatServer, {
  readonly address: NetAddress.SocketAddress
  /** Asks the program built on this server to stop (the console's `quit`). */
  readonly requestStop: Effect.Effect<void>
  /** Completes when a stop was requested. */
  readonly stopRequested: Effect.Effect<void>
}>()("hubbub/ChatServer") {
  /** Runs sessions on whatever `Listener` is provided: TCP, or any Effect `SocketServer` through `Listener.layerSocketServer`. */
  static readonly layer = Layer.effect(
    ChatServer,
    Effect.gen(function*() {
      const listener = yield* Listener
      const config = yield* ChatConfig
      const sessions = yield* Sessions
      const hub = yield* Hub
      const stop = yield* Deferred.make<void>()
      let stopping = false

      let connections = 0
      const perIp = new Map<string, number>()
      const serve = yield* Session.handler

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

      const release = (ip: string | undefined) =>
        Effect.sync(() => {
          connections--
          if (ip === undefined) return
          const left = perIp.get(ip)! - 1
          if (left === 0) perIp.delete(ip)
          else perIp.set(ip, left)
        })

      const onConnection = (connection: Connection): Effect.Effect<void> => {
        const ip = connection.ip
        const refusal = overLimit(ip)
        if (refusal !== undefined) {
          sessions.counters.refused++
          // Told in one notice, then let go.
          connection.sink.write(encoder.encode(`-!- ${refusal}\n`))
          const closed = connection.close(true)
          return stopping ? closed : Effect.andThen(
            sessions.warnOffender(`refused: ${refusal}`).pipe(Effect.annotateLogs({ peer: connection.peer })),
            closed
          )
        }
        connections++
        if (ip !== undefined) perIp.set(ip, (perIp.get(ip) ?? 0) + 1)
        return Effect.ensuring(serve(connection), release(ip))
      }

      yield* listener.run(onConnection).pipe(Effect.forkScoped)

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
            session.close({ _tag: "Shutdown" })
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
          for (const s of sessions.live.values()) fibers += s.fibers().length
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

      yield* Effect.logInfo(`listening on ${formatAddress(listener.address)}`)
      return ChatServer.of({
        address: listener.address,
        requestStop: Deferred.succeed(stop, undefined).pipe(Effect.asVoid),
        stopRequested: Deferred.await(stop)
      })
    })
  )

  /** The TCP listener on `ChatConfig`'s host and port, with everything a server needs but the config. */
  static readonly layerTcp = ChatServer.layer.pipe(Layer.provide(Listener.layerTcp))

  /** A whole single-process server: TCP listener, in-memory hub, text codec. Needs only a `ChatConfig`. */
  static readonly layerStandalone = ChatServer.layerTcp.pipe(
    Layer.provideMerge(Layer.mergeAll(Hub.layerMemory, Codec.layerText, Sessions.layer))
  )
}

const isLoopback = (ip: string) => ip.startsWith("127.") || ip === "::1" || ip.startsWith("::ffff:127.")

export const formatAddress = (address: NetAddress.SocketAddress): string =>
  address._tag === "UnixPathAddress"
    ? address.path
    : address._tag === "InetAddressV6"
    ? `[${String(address).replace(/:\d+$/, "")}]:${address.port}`
    : `${String(address)}`
