import { drain } from "./Drain.js"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as NetAddress from "effect/net/NetAddress"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import type * as Socket from "effect/socket/Socket"
import * as SocketServer from "effect/socket/SocketServer"
import { Accounts } from "../accounts/Accounts.js"
import { RoomRegistry } from "../session/RoomRegistry.js"
import { ServerBans } from "../session/ServerBans.js"
import { ServerOperators } from "../session/ServerOperators.js"
import { ChatConfig } from "../ChatConfig.js"
import { Hub } from "../hub/Hub.js"
import type { NodeIdInUse, RedisUnavailable } from "../hub/HubError.js"
import * as HubArchived from "../hub/HubArchived.js"
import * as HubMemory from "../hub/HubMemory.js"
import * as HubRedis from "../hub/HubRedis.js"
import { RoomArchive } from "../store/RoomArchive.js"
import { Store, type StoreError } from "../store/Store.js"
import * as StoreMemory from "../store/StoreMemory.js"
import * as StorePostgres from "../store/StorePostgres.js"
import * as StoreSqlite from "../store/StoreSqlite.js"
import { CloseReasons } from "../protocol/CloseReason.js"
import { Flusher } from "../session/Flusher.js"
import * as Listener from "../session/Listener.js"
import * as Serve from "../session/Serve.js"
import { Sessions } from "../session/Sessions.js"
import { Tuning } from "../session/Tuning.js"
import * as Transport from "../transport/Transport.js"
import { Codec, type CodecShape } from "../wire/Codec.js"
import { makeCodec } from "../wire/CodecCache.js"
import { ircFormat } from "../wire/IrcCodec.js"
import { jsonFormat } from "../wire/JsonCodec.js"
import { seedFormat } from "../wire/SeedCodec.js"
import * as TextCodec from "../wire/TextCodec.js"
import { version } from "../version.js"
import { Certificates } from "./Certificates.js"
import { ServerMetrics } from "./Metrics.js"
import { Stats } from "../observe/Stats.js"
import { TurnScheduler } from "./TurnScheduler.js"
import { Warnings } from "../observe/Warnings.js"

/**
 * The running server: every connection a `SocketServer` accepts becomes a
 * session (or, over the limits, gets one notice and is let go), and when the
 * layer is released, a graceful shutdown: every session is told and given
 * `shutdownTimeout` to flush, then the rest are cut off.
 */
export class ChatServer extends Context.Service<ChatServer, {
  /** The address of the text protocol's listener. */
  readonly address: NetAddress.SocketAddress
  /** The IRC listener's address, when it is on (`ircPort`). */
  readonly ircAddress: NetAddress.SocketAddress | undefined
  /** The seed protocol listener's address, when it is on (`seedPort`). */
  readonly seedAddress: NetAddress.SocketAddress | undefined
  /** The HTTP listener's address (the chat page, its WebSocket, health), when it is on (`httpPort`). */
  readonly httpAddress: NetAddress.SocketAddress | undefined
  /** Asks the program built on this server to stop (the console's `quit`). */
  readonly requestStop: Effect.Effect<void>
  /** Completes when a stop was requested. */
  readonly stopRequested: Effect.Effect<void>
  /** Drains for a restart (`Drain.drain`), then stops; once, in the background. */
  readonly requestDrain: Effect.Effect<void>
}>()("hubbub/ChatServer") {
  /** Sessions over whatever `SocketServer` is provided: TCP, TLS, WebSocket. */
  static readonly layer = Layer.effect(
    ChatServer,
    Effect.gen(function*() {
      const server = yield* SocketServer.SocketServer
      const config = yield* ChatConfig
      const tuning = yield* Tuning
      const sessions = yield* Sessions
      const hub = yield* Hub
      const stats = yield* Stats
      const session = yield* Serve.handler
      const stop = yield* Deferred.make<void>()
      const requestStop = Effect.asVoid(Deferred.succeed(stop, undefined))
      const serverScope = yield* Effect.scope

      // Only what started stops: a port that will not open, or a missing page, is its one error line.
      let started = false
      yield* Effect.addFinalizer(() => started ? Effect.logInfo("stopped") : Effect.void)
      yield* listen(server, session)
      const ircCodec = Option.isSome(config.ircPort)
        ? makeCodec(ircFormat({
          serverName: config.serverName,
          // As a reload leaves it: the welcome shows the message of the day of the moment.
          get motd() {
            return tuning.motd
          },
          version,
          created: new Date(yield* Clock.currentTimeMillis).toUTCString()
        }))
        : undefined
      const irc = ircCodec === undefined ? undefined : yield* another("IRC", Option.getOrThrow(config.ircPort), ircCodec)
      const seed = Option.isSome(config.seedPort)
        ? yield* another("the seed protocol", config.seedPort.value, makeCodec(seedFormat))
        : undefined
      // Last: its /readyz answers once every other listener is up. In a scope of its own, closed once the
      // sessions are (below): /readyz says 503 meanwhile, and the WebSocket server it starts on the first
      // upgrade waits for its sockets to close.
      const httpScope = yield* Scope.make()
      yield* Effect.addFinalizer((exit) => Scope.close(httpScope, exit))
      // Loaded only when it is on: the HTTP stack and `ws` are a sixth of the program, and the rest starts without them.
      const http = Option.isSome(config.httpPort)
        ? yield* Effect.flatMap(
          Effect.all([
            Effect.promise(() => import("./HttpListener.js")),
            Effect.provideService(Listener.make, Codec, makeCodec(jsonFormat))
          ]),
          ([HttpListener, listener]) =>
            HttpListener.make(Option.getOrThrow(config.httpPort), (socket) => Serve.serve(listener, socket), listener.limits)
        ).pipe(
          Scope.provide(httpScope),
          Effect.catchTag("ServeError", (error) =>
            Effect.fail(new ListenError({ protocol: "HTTP", port: Option.getOrThrow(config.httpPort), failure: error.cause })))
        )
        : undefined
      // Once every port is open: a port that cannot open leaves no "listening" line behind.
      const tls = Option.isSome(config.tls) ? " (TLS)" : ""
      // With the process id: what `kill -USR2` (drain) is sent to, not npm's.
      yield* Effect.logInfo(`listening on ${formatAddress(server.address)}${tls}`).pipe(Effect.annotateLogs({ pid: process.pid }))
      if (irc !== undefined) yield* Effect.logInfo(`listening for IRC on ${formatAddress(irc.address)}${tls}`)
      if (seed !== undefined) yield* Effect.logInfo(`listening for the seed protocol on ${formatAddress(seed.address)}${tls}`)
      if (http !== undefined) {
        yield* Effect.logInfo(`chat page at http${Option.isSome(config.tls) ? "s" : ""}://${formatAddress(http.address)}/`)
      }
      started = true

      // Runs before `run` is interrupted: close every session (each says goodbye), and wait for them up to the timeout.
      yield* Effect.addFinalizer((exit) =>
        Effect.gen(function*() {
          sessions.stop()
          const live = sessions.live.size
          yield* Effect.logInfo("shutting down").pipe(Effect.annotateLogs({ sessions: live }))
          // Everyone's last event, in one pass: none of them hears of the others leaving (those on other servers do).
          yield* hub.publish({ _tag: "Closing", reason: CloseReasons.Shutdown })
          for (const handle of sessions.live.values()) handle.close(CloseReasons.Shutdown)
          if (live === 0) return
          const finished = yield* sessions.awaitEmpty.pipe(Effect.timeoutOption(config.shutdownTimeout))
          if (Option.isNone(finished)) {
            yield* Effect.logWarning("shutdown timeout reached; closing the remaining connections").pipe(
              Effect.annotateLogs({ sessions: sessions.live.size })
            )
            for (const handle of sessions.live.values()) handle.abort()
          }
        }).pipe(Effect.withSpan("ChatServer.shutdown"), Effect.ensuring(Scope.close(httpScope, exit)))
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

      return ChatServer.of({
        address: server.address,
        ircAddress: irc?.address,
        seedAddress: seed?.address,
        httpAddress: http?.address,
        requestStop,
        stopRequested: Deferred.await(stop),
        // A drain asked for twice is one; a stop already under way has nothing to drain.
        requestDrain: Effect.suspend(() => {
          if (sessions.stopping()) return Effect.void
          // At once, not in the drain's fiber: a second request before it runs finds it under way.
          sessions.stop()
          return Effect.asVoid(Effect.forkIn(drain(sessions, hub, config.drainSeconds, config.shutdownTimeout, requestStop), serverScope))
        })
      })
    })
  )

  /** The hub the configuration asks for: through Redis when it names one (`redisUrl`), else in memory. */
  static readonly layerHub: Layer.Layer<Hub, RedisUnavailable | NodeIdInUse, ChatConfig | Store> = Layer.unwrap(
    Effect.gen(function*() {
      const config = yield* ChatConfig
      const archive = RoomArchive.layer({ historyDays: config.historyDays })
      if (Option.isSome(config.redisUrl)) {
        const redis = HubRedis.layer({ ...config, redisUrl: config.redisUrl.value })
        // Redis keeps rooms' histories and topics, and may restart empty: the store keeps them too.
        return config.store._tag === "Memory" ? redis : HubArchived.layer(redis, config.history).pipe(Layer.provide(archive))
      }
      return config.store._tag === "Memory" ? HubMemory.layer(config) : HubMemory.layerArchived(config).pipe(Layer.provide(archive))
    })
  )

  /** Accounts in the store, nicknames protected as `ChatConfig.nickProtection` says. */
  static readonly layerAccounts: Layer.Layer<Accounts, StoreError, ChatConfig | Store | Warnings> = Layer.unwrap(
    Effect.map(ChatConfig, (config) => Accounts.layer({ protection: config.nickProtection, graceSeconds: config.nickGrace }))
  )

  /** The store `ChatConfig.store` names: in memory, a SQLite file in a data folder, or Postgres. */
  static readonly layerStore: Layer.Layer<Store, StoreError, ChatConfig> = Layer.unwrap(
    Effect.gen(function*() {
      const { store } = yield* ChatConfig
      return store._tag === "Sqlite"
        ? StoreSqlite.layer(store.dataDir, version)
        : store._tag === "Postgres"
        ? StorePostgres.layer(store.url, version)
        : StoreMemory.layer
    })
  )

  /** The text protocol's TCP `SocketServer`, on the configuration's host and port. */
  static readonly layerTcp = Layer.unwrap(
    Effect.gen(function*() {
      const config = yield* ChatConfig
      return Transport.layerTcp({ ...config, secured: (yield* Certificates).serving }, config.port)
    })
  )

  /**
   * The services every server needs besides its `SocketServer`: the hub
   * (`layerHub`: in memory, or through Redis when configured), text codec,
   * sessions, and its metrics (in a registry of its own).
   */
  static readonly layerServices = ServerMetrics.layer.pipe(
    Layer.provideMerge(Layer.merge(ServerBans.layer, RoomRegistry.layer)),
    Layer.provideMerge(Layer.mergeAll(
      ChatServer.layerHub,
      TextCodec.layer,
      Sessions.layer,
      Stats.layer,
      Flusher.layer,
      ChatServer.layerAccounts,
      ServerOperators.layer
    )),
    Layer.provideMerge(Warnings.layer),
    Layer.provideMerge(Layer.merge(Tuning.layer, Certificates.layer)),
    Layer.provideMerge(ChatServer.layerStore),
    Layer.provideMerge(ServerMetrics.layerRegistry)
  )

  /** A whole single-process server on `ChatConfig`'s host and port. Needs only a `ChatConfig`. */
  static readonly layerStandalone = ChatServer.layer.pipe(
    Layer.provide(ChatServer.layerTcp),
    Layer.provideMerge(ChatServer.layerServices),
    Layer.provide(TurnScheduler.layer)
  )
}

/** Serves a listener's connections until the server's scope closes. */
const listen = <R>(server: SocketServer.SocketServer["Service"], session: (socket: Socket.Socket) => Effect.Effect<void, never, R>) =>
  server.run(session).pipe(
    Effect.catchCause((cause) => Effect.logError("the listener failed", cause)),
    Effect.forkScoped
  )

/** A listener on `port` could not open. */
export class ListenError extends Schema.TaggedError<ListenError>()("ListenError", {
  protocol: Schema.String,
  /** When it is not the server's `host`. */
  host: Schema.optional(Schema.String),
  port: Schema.Number,
  failure: Schema.Unknown
}) {}

/** One more listener on the server's sessions and hub, for another wire format. */
const another = Effect.fnUntraced(function*(protocol: string, port: number, codec: CodecShape) {
  const config = yield* ChatConfig
  const server = yield* Transport.tcp({ ...config, secured: (yield* Certificates).serving }, port).pipe(
    Effect.mapError((error) => new ListenError({ protocol, port, failure: error.reason.cause }))
  )
  yield* listen(server, yield* Effect.provideService(Serve.handler, Codec, codec))
  return server
})

export const formatAddress = (address: NetAddress.SocketAddress): string =>
  address._tag === "UnixPathAddress"
    ? address.path
    : address._tag === "InetAddressV6" && !String(address).startsWith("[")
    ? `[${String(address).replace(/:\d+$/, "")}]:${address.port}`
    : `${String(address)}`
