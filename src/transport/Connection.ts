import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import type * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type * as Socket from "effect/socket/Socket"
import type * as Net from "node:net"
import type { CloseReason } from "../protocol/CloseReason.js"
import { netSink, type Sink, writerSink } from "./Sink.js"

/** Marks a `Socket` that is a {@link Connection} of its own once its reader is acquired. */
export const ConnectionTypeId: unique symbol = Symbol.for("hubbub/Connection")

/**
 * One client's connection, whatever carries it: where it comes from, its
 * reads as a pull, and a {@link Sink} to write to.
 */
export interface Connection {
  /** `address:port`, for logs and the console. */
  readonly peer: string
  /** The client's IP address, for per-address limits, when the transport knows it. */
  readonly ip: string | undefined
  /** The socket's next read; fails with a `SocketError` when the connection ends. */
  readonly pull: Effect.Effect<Arr.NonEmptyReadonlyArray<Uint8Array | string>, Socket.SocketError>
  readonly sink: Sink
  /** Why the transport itself ended the connection, when it did (a WebSocket client that stopped answering pings). */
  readonly closeReason?: () => CloseReason | undefined
}

/** The Node socket under a platform `Socket`, when there is one (TCP or TLS). */
const nodeSocket = (_: Socket.Socket): Effect.Effect<Net.Socket | undefined> =>
  Effect.map(Effect.serviceOption(NodeSocket.NetSocket), Option.getOrUndefined)

/**
 * Opens any Effect `Socket` as a {@link Connection} for as long as the scope
 * lasts (its `sink.end` closes it gracefully before that). The reader is
 * acquired first (a platform socket's writes wait until it is). Where a Node
 * socket is underneath, writes go to it directly and never wait; any other
 * socket is written by a fiber of its own, in order.
 */
export const open = Effect.fnUntraced(function*(socket: Socket.Socket): Effect.fn.Return<
  Connection,
  Socket.SocketError,
  Scope.Scope
> {
  const { pull } = yield* socket.reader
  // Ours are connections already: one object for the socket, its reads and its writes.
  if (ConnectionTypeId in socket) return socket as unknown as Connection
  const conn = yield* nodeSocket(socket)
  if (conn !== undefined) {
    return { peer: `${conn.remoteAddress}:${conn.remotePort}`, ip: conn.remoteAddress, pull, sink: netSink(conn) }
  }
  return yield* fromWriter(socket, pull)
})

const fromWriter = Effect.fnUntraced(function*(socket: Socket.Socket, pull: Connection["pull"]) {
  const request = yield* Effect.serviceOption(NodeSocketServer.IncomingMessage)
  const remote = Option.isSome(request) ? request.value.socket : undefined
  return {
    peer: remote === undefined ? "unknown" : `${remote.remoteAddress}:${remote.remotePort}`,
    ip: remote?.remoteAddress,
    pull,
    sink: yield* writerSink(yield* socket.writer)
  }
})
