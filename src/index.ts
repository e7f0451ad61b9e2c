/**
 * hubbub as a library: compose these layers into your own server, or embed
 * one in a larger Effect program.
 *
 * ```ts
 * import { ChatConfig, ChatServer } from "hubbub"
 * const server = ChatServer.layerStandalone.pipe(Layer.provide(ChatConfig.layer({ port: 0 })))
 * ```
 *
 * @since 0.1.0
 */

/** Settings (`ChatConfig.layer(overrides)`) and their defaults. */
export { ChatConfig, type ChatConfigShape, defaults } from "./ChatConfig.js"
/** The server over any `SocketServer` (`layer`), or whole (`layerStandalone`). */
export { ChatServer, formatAddress, ListenError } from "./server/ChatServer.js"
/** Effect's `Scheduler` finishing a turn's work in that turn (`layerStandalone` provides it). */
export { TurnScheduler } from "./server/TurnScheduler.js"
/** The counters the console and the status line show. */
export { type Counters, Stats } from "./observe/Stats.js"
/** The operator console layer and its command parser. */
export * as OperatorConsole from "./server/OperatorConsole.js"
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
/** Wire formats: `TextCodec.layer` is the line protocol; `ircFormat` the IRC client protocol (`--irc-port`). */
export { Codec, type CodecShape, type Decoder, type Format, type Input } from "./wire/Codec.js"
export { makeCodec } from "./wire/CodecCache.js"
export * as TextCodec from "./wire/TextCodec.js"
export { renderText, textFormat } from "./wire/TextCodec.js"
export { ircFormat, type IrcOptions } from "./wire/IrcCodec.js"
export { seedFormat } from "./wire/SeedCodec.js"
export { jsonFormat, renderJson } from "./wire/JsonCodec.js"
/** The JSON protocol of the WebSocket (`/ws`): what a client sends, what the server sends. */
export { ClientMessage, ServerMessage } from "./protocol/Json.js"
/** The HTTP listener (`httpPort`): the chat page, `/ws`, `/metrics`, `/healthz`, `/readyz`. */
export * as HttpListener from "./server/HttpListener.js"
/** The server's metrics (Effect metrics in a registry of its own), as Prometheus text. */
export { ServerMetrics } from "./server/Metrics.js"
export { deliverySeconds } from "./observe/DeliveryTime.js"
/** A WebSocket connection as a session's transport. */
export { webSockets, WsConnection } from "./transport/WebSocket.js"
/** The protocol's schemas: what clients send and what travels through the hub. */
export { Command } from "./protocol/Command.js"
export { Envelope, Event } from "./protocol/Event.js"
export { Reply } from "./protocol/Reply.js"
export { CloseReason, closeTexts } from "./protocol/CloseReason.js"
export { Lobby, Nick, normalizeRoom, Room, type SessionId } from "./protocol/Names.js"
export { sanitize } from "./protocol/Text.js"
/** The live sessions of a server: the console's view, and the connection limits. */
export { type SessionHandle, Sessions } from "./session/Sessions.js"
/** TCP for the sessions: `NetSocketServer` (node:net behind Effect's `SocketServer`), `Transport.layerTcp`. */
export * as NetSocketServer from "./transport/NetSocketServer.js"
export * as Transport from "./transport/Transport.js"
