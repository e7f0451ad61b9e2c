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
/** The server over any `Listener` (`layer`), over TCP (`layerTcp`), or whole (`layerStandalone`). */
export { ChatServer, formatAddress } from "./ChatServer.js"
/** A client's byte stream, whatever carries it. */
export { type Connection, type EndOfInput, fromSocket, NetConnection } from "./Connection.js"
/** Where connections come from: Node TCP (`layerTcp`) or any Effect `SocketServer` (`layerSocketServer`). */
export { Listener } from "./Listener.js"
/** Wire formats; `Codec.layerText` is the line protocol. */
export { Codec, type CodecShape, makeCodec, renderText } from "./Codec.js"
/** What travels through the hub. */
export { Envelope, Event } from "./Event.js"
/** Byte lines with a length limit. */
export { type Frame, LineSplitter, TooLong } from "./Framing.js"
/** Rooms, nicknames and the message bus; `Hub.layerMemory` for one process. */
export { Hub, type Member, NickInUse, type Recipient, type RoomInfo, type Roster, type Subscription } from "./Hub.js"
/** The operator console layer and its command parser. */
export * as OperatorConsole from "./OperatorConsole.js"
/** A connection's bounded output, and the transport interface it writes to. */
export { Outbox, type Sink, sinkFromWriter } from "./Outbox.js"
/** The client protocol: schemas, parsers, sanitizer. */
export {
  Command,
  CommandError,
  helpLines,
  Lobby,
  Nick,
  normalizeRoom,
  parseCommand,
  parseRegistration,
  Room,
  sanitize
} from "./Protocol.js"
/** One connection's life over any `Connection`. */
export * as Session from "./Session.js"
/** Live sessions and counters of this process. */
export { type CloseReason, type Counters, type SessionHandle, Sessions } from "./Sessions.js"
