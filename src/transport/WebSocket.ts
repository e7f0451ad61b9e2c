import * as NodeWS from "@effect/platform-node/NodeWS"
import type * as Arr from "effect/Array"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Socket from "effect/socket/Socket"
import type * as Net from "node:net"
import type { Duplex } from "node:stream"
import type { CloseReason } from "../protocol/CloseReason.js"
import { type Connection, ConnectionTypeId } from "./Connection.js"
import { untilDrained } from "../internal/NodeEvents.js"
import type { Sink } from "./Sink.js"

/**
 * The `ws` sockets a WebSocket server made, by the Node socket under each:
 * give `WebSocket` to the server's options, and `find` the `ws` socket of an
 * upgraded request's Node socket.
 */
export interface WebSockets {
  readonly WebSocket: typeof NodeWS.WebSocket
  readonly find: (socket: Duplex) => NodeWS.WebSocket | undefined
}

// `ws` attaches a socket to the Node socket under it with this method; a class of ours may extend it.
interface Attaching {
  setSocket(socket: Duplex, head: Buffer, options: object): void
}

export const webSockets = (): WebSockets => {
  const bySocket = new WeakMap<Duplex, NodeWS.WebSocket>()
  const attach = (NodeWS.WebSocket.prototype as unknown as Attaching).setSocket
  class Tracked extends NodeWS.WebSocket {
    setSocket(socket: Duplex, head: Buffer, options: object) {
      attach.call(this, socket, head, options)
      bySocket.set(socket, this)
    }
  }
  return { WebSocket: Tracked, find: (socket) => bySocket.get(socket) }
}

/**
 * A WebSocket connection: reads through `@effect/platform-node`'s upgraded
 * `Socket` (one element per frame), and writes each flush as one text frame
 * straight to the `ws` socket, whose Node socket reports when it is backed
 * up. Every `pingEvery` the client is pinged; one that has not answered the
 * last ping by the next is cut off (a browser answers on its own).
 */
export class WsConnection implements Socket.Socket, Connection {
  readonly [Socket.TypeId] = Socket.TypeId
  readonly [ConnectionTypeId] = ConnectionTypeId
  pull!: Effect.Effect<Arr.NonEmptyReadonlyArray<Uint8Array | string>, Socket.SocketError>
  sink!: Sink
  /** Set when liveness cut the client off. */
  private cutOff: CloseReason | undefined = undefined
  readonly closeReason = () => this.cutOff

  constructor(
    private readonly socket: Socket.Socket,
    private readonly node: Net.Socket,
    private readonly sockets: WebSockets,
    private readonly pingEvery: Duration.Duration
  ) {}

  get peer(): string {
    return `${this.node.remoteAddress}:${this.node.remotePort}`
  }

  get ip(): string | undefined {
    return this.node.remoteAddress
  }

  get reader(): Effect.Effect<Socket.Reader, Socket.SocketError, Scope.Scope> {
    return Effect.flatMap(this.socket.reader, (reader) => {
      const ws = this.sockets.find(this.node)
      if (ws === undefined) return Effect.fail(new Socket.SocketError({ reason: new Socket.SocketCloseError({ code: 1006 }) }))
      this.pull = reader.pull
      this.sink = new WsSink(ws, this.node)
      const cut = () => {
        this.cutOff ??= { _tag: "PingTimeout", millis: Duration.toMillis(this.pingEvery) }
      }
      // `ws` refuses a message over its limit with an error, then closes with 1009. Heard before the platform's
      // reader hears it: that ends the session at once, and the reason must be known by then.
      ws.prependOnceListener("error", (error: Error & { code?: string }) => {
        if (error.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") this.cutOff ??= { _tag: "TooLarge" }
      })
      // A ping interval of 0 is no pings.
      if (Duration.isZero(this.pingEvery)) return Effect.succeed(reader)
      return Effect.as(Effect.forkScoped(liveness(ws, this.pingEvery, cut)), reader)
    })
  }

  get writer(): Effect.Effect<Socket.Writer, never, Scope.Scope> {
    return this.socket.writer
  }
}

/** Pings every `every`; a client that has not answered the last ping by then is cut off (`cut` is told first). */
const liveness = (ws: NodeWS.WebSocket, every: Duration.Duration, cut: () => void): Effect.Effect<void> =>
  Effect.suspend(() => {
    let answered = true
    const pong = () => {
      answered = true
    }
    ws.on("pong", pong)
    const round: Effect.Effect<void> = Effect.andThen(
      Effect.sleep(every),
      Effect.suspend(() => {
        if (!answered) {
          cut()
          ws.terminate()
          return Effect.void
        }
        answered = false
        ws.ping()
        return round
      })
    )
    return Effect.ensuring(round, Effect.sync(() => ws.off("pong", pong)))
  })

const OPEN = 1

/** WebSocket close codes (RFC 6455) by why the server closes. */
const closeCode = (why: CloseReason | undefined): number => {
  switch (why?._tag) {
    case "Shutdown":
    case "Restarting":
      return 1001
    case "Flood":
    case "Slow":
    case "Stalled":
      return 1008
    default:
      return 1000
  }
}

/** Writes as text frames to a `ws` socket; its Node socket's buffer is what backs it up. */
class WsSink implements Sink {
  constructor(private readonly ws: NodeWS.WebSocket, private readonly node: Net.Socket) {}

  write(bytes: Uint8Array): boolean {
    if (this.ws.readyState !== OPEN) return true
    // The bytes are UTF-8 already: sent as a text frame as they are.
    this.ws.send(bytes, { binary: false })
    return !this.node.writableNeedDrain
  }

  get drained(): Effect.Effect<void> {
    return untilDrained(this.node)
  }

  closed(): boolean {
    return this.ws.readyState !== OPEN
  }

  abort(): void {
    this.ws.terminate()
  }

  end(within: Duration.Input, why?: CloseReason): Effect.Effect<void> {
    const ws = this.ws
    return Effect.suspend(() => {
      if (ws.readyState === ws.CLOSED) return Effect.void
      ws.close(closeCode(why))
      return Effect.callback<void>((resume) => {
        if (ws.readyState === ws.CLOSED) return resume(Effect.void)
        const done = () => resume(Effect.void)
        ws.once("close", done)
        return Effect.sync(() => ws.off("close", done))
      }).pipe(
        Effect.timeoutOption(within),
        Effect.andThen(Effect.sync(() => ws.terminate()))
      )
    })
  }
}
