/**
 * hubbub as a library: compose these layers into your own server, or embed
 * one in a larger Effect program.
 *
 * ```ts
 * import { ChatConfig, ChatServer } from "hubbub"
 * const server = ChatServer.layerStandalone.pipe(Layer.provide(ChatConfig.layer({ port: 0 })))
 * ```
 *
 * What is exported here is the library's surface; the rest of `src/` (the
 * session's parts, the transports' sinks, `internal/`) is how it works
 * inside, and may change without notice.
 *
 * @since 0.1.0
 */

/** Settings (`ChatConfig.layer(overrides)`) and their defaults. */
export { ChatConfig, type ChatConfigShape, defaults, type StoreChoice } from "./ChatConfig.js"
/**
 * The server over any `SocketServer` (`layer`), its services (`layerServices`,
 * `layerHub`: in memory or through Redis, as configured), or whole
 * (`layerStandalone`, TCP on the configured host and port).
 */
export { ChatServer, formatAddress, ListenError } from "./server/ChatServer.js"
/** Effect's `Scheduler` finishing a turn's work in that turn (`layerStandalone` provides it). */
export { TurnScheduler } from "./server/TurnScheduler.js"
/** The operator console layer and its command parser. */
export * as OperatorConsole from "./server/OperatorConsole.js"
/** The server's metrics (Effect metrics in a registry of its own), as Prometheus text. */
export { ServerMetrics } from "./server/Metrics.js"
/** The counters the console, the status line and the metrics show. */
export { type Counters, Stats } from "./observe/Stats.js"
/** The live sessions of a server: the console's view, and the connection limits. */
export { type SessionHandle, Sessions } from "./session/Sessions.js"

/** The hub contract and its errors; `HubMemory.layer` for one process and `HubRedis.layer` for several. */
export {
  Hub,
  HubError,
  type Joined,
  type Member,
  NickInUse,
  NoSuchRoom,
  NotInRoom,
  NotRegistered,
  type Recipient,
  type RoomInfo,
  type Roster
} from "./hub/Hub.js"
export * as HubMemory from "./hub/HubMemory.js"
export * as HubRedis from "./hub/HubRedis.js"
export type { HubOptions, RedisHubOptions } from "./hub/HubOptions.js"
/** `HubRedis.layer` could not start: Redis did not answer, or another server has its node id. */
export { NodeIdInUse, RedisUnavailable } from "./hub/HubError.js"

/**
 * The store contract and its errors: what outlives the process (accounts, rooms' topics and
 * histories). `StoreMemory.layer` keeps nothing on disk, `StoreSqlite.layer(dataDir, version)` a
 * SQLite file, `StorePostgres.layer(url, version)` a Postgres database; `RoomArchive` writes rooms
 * to one off the messages' way (`HubMemory.layerArchived` uses it).
 */
export { type Account, type RoomRecord, type RoomWrite, Store, StoreError, type StoredLine } from "./store/Store.js"
export * as StoreMemory from "./store/StoreMemory.js"
export * as StoreSqlite from "./store/StoreSqlite.js"
export * as StorePostgres from "./store/StorePostgres.js"
export { RoomArchive } from "./store/RoomArchive.js"

/**
 * Wire formats: the codec contract, `makeCodec` to make a codec of a
 * `Format` (your own protocol, say), and hubbub's formats: `TextCodec.layer`
 * is the line protocol's codec; `ircFormat` the IRC client protocol
 * (`--irc-port`), `seedFormat` the seed's `ACK <text>`, `jsonFormat` the
 * WebSocket's JSON.
 */
export { Codec, type CodecShape, type Decoder, type Format, type Input, type LineLimits } from "./wire/Codec.js"
export { makeCodec } from "./wire/CodecCache.js"
export * as TextCodec from "./wire/TextCodec.js"
export { textFormat } from "./wire/TextCodec.js"
export { ircFormat, type IrcOptions } from "./wire/IrcCodec.js"
export { seedFormat } from "./wire/SeedCodec.js"
export { jsonFormat } from "./wire/JsonCodec.js"

/** The protocol's schemas: what clients send, what travels through the hub, and the WebSocket's JSON. */
export { Command } from "./protocol/Command.js"
export { Envelope, Event } from "./protocol/Event.js"
export { Reply } from "./protocol/Reply.js"
export { CloseReason, closeTexts } from "./protocol/CloseReason.js"
export { Lobby, Nick, normalizeRoom, Room, type SessionId } from "./protocol/Names.js"
export { ClientMessage, ServerMessage } from "./protocol/Json.js"

/**
 * TCP for the sessions: `Transport.layerTcp(options, port)` (hubbub's own
 * `NetSocketServer` over `node:net`, or the platform's), for a `ChatServer`
 * on a listener of your own.
 */
export * as Transport from "./transport/Transport.js"
export * as NetSocketServer from "./transport/NetSocketServer.js"
