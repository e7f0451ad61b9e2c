import type * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as Socket from "effect/socket/Socket"
import type * as Net from "node:net"
import { untilEvent } from "../internal/NodeEvents.js"
import { type Connection, ConnectionTypeId } from "./Connection.js"
import { NetSink, type Sink } from "./Sink.js"

/**
 * A Node TCP socket as an Effect `Socket`, at the cost of one small object:
 * no per-connection closures, latches or contexts (Node's own listeners are
 * shared functions that find their socket's state on it). It reads the way
 * `@effect/platform-node`'s socket does: the socket stays paused and is read
 * only when pulled, so a session that does not pull makes TCP push back.
 *
 * Acquiring `reader` opens it; when the reader's scope closes, the socket is
 * destroyed (a peer that stopped reading cannot keep it).
 */
export class NetSocket extends NetSink implements Socket.Socket, Connection {
  readonly [Socket.TypeId] = Socket.TypeId
  // On the prototype: nothing more per connection.
  get [ConnectionTypeId]() {
    return ConnectionTypeId
  }
  /** Why reading ended, once it has. */
  ended: Socket.SocketError | undefined = undefined
  resume: ((effect: Effect.Effect<Arr.NonEmptyReadonlyArray<Uint8Array>, Socket.SocketError>) => void) | undefined =
    undefined
  /** The reads, once the reader is acquired. */
  pull!: Effect.Effect<Arr.NonEmptyReadonlyArray<Uint8Array>, Socket.SocketError>

  constructor(conn: Net.Socket) {
    super(conn)
    // A write to a socket that broke before anyone reads it must not be an unhandled error.
    conn.on("error", ignore)
  }

  // As a `Connection`, it is its own sink: writes go straight to the Node socket.
  get sink(): Sink {
    return this
  }

  get peer(): string {
    return `${this.conn.remoteAddress}:${this.conn.remotePort}`
  }

  get ip(): string | undefined {
    return this.conn.remoteAddress
  }

  get reader(): Effect.Effect<Socket.Reader, Socket.SocketError, Scope.Scope> {
    return Effect.flatMap(Effect.scope, (scope) =>
      Effect.andThen(
        Scope.addFinalizer(scope, Effect.sync(() => release(this))),
        Effect.suspend(() => open(this))
      ))
  }

  get writer(): Effect.Effect<Socket.Writer, never, Scope.Scope> {
    return Effect.acquireRelease(
      Effect.succeed<Socket.Writer>({
        write: (chunk) => write(this.conn, chunk),
        writeAll: (chunks) => Effect.forEach(chunks, (chunk) => write(this.conn, chunk), { discard: true })
      }),
      () =>
        Effect.sync(() => {
          if (!this.conn.writableEnded) this.conn.end()
        })
    )
  }
}

const owner = Symbol("hubbub/NetSocket")
type Owned = Net.Socket & { [owner]: NetSocket }

const closed = (code: number) => new Socket.SocketError({ reason: new Socket.SocketCloseError({ code }) })

function onReadable(this: Owned) {
  const self = this[owner]
  const resume = self.resume
  if (resume === undefined) return
  const chunk = this.read() as Uint8Array | null
  if (chunk === null) return
  self.resume = undefined
  resume(Effect.succeed([chunk]))
}
function onEnd(this: Owned) {
  finish(this[owner], closed(1000))
}
function onError(this: Owned, cause: Error) {
  finish(this[owner], new Socket.SocketError({ reason: new Socket.SocketReadError({ cause }) }))
}
function onClose(this: Owned, hadError: boolean) {
  finish(this[owner], closed(hadError ? 1006 : 1000))
}

const finish = (self: NetSocket, error: Socket.SocketError) => {
  self.ended ??= error
  const resume = self.resume
  if (resume === undefined) return
  self.resume = undefined
  resume(Effect.fail(self.ended))
}

const open = (self: NetSocket): Effect.Effect<Socket.Reader, Socket.SocketError> => {
  const conn = self.conn as Owned
  if (conn.destroyed) return Effect.fail(closed(1006))
  conn[owner] = self
  conn.pause()
  conn.on("readable", onReadable)
  conn.on("end", onEnd)
  conn.on("error", onError)
  // One listener, not an array of two, while the reader has it.
  conn.off("error", ignore)
  conn.on("close", onClose)
  const pull = self.pull = Effect.callback<Arr.NonEmptyReadonlyArray<Uint8Array>, Socket.SocketError>((resume) => {
    const chunk = conn.read() as Uint8Array | null
    if (chunk !== null) return resume(Effect.succeed([chunk]))
    if (self.ended !== undefined) return resume(Effect.fail(self.ended))
    self.resume = resume
    return Effect.sync(() => {
      if (self.resume === resume) self.resume = undefined
    })
  })
  return Effect.succeed({ pull, upgrade: Socket.SocketUpgradeError.unsupported })
}

const release = (self: NetSocket) => {
  const conn = self.conn
  conn.off("readable", onReadable)
  conn.off("end", onEnd)
  conn.off("close", onClose)
  conn.on("error", ignore)
  conn.off("error", onError)
  conn.destroy()
}

const ignore = () => {}

const write = (conn: Net.Socket, chunk: Uint8Array | string | Socket.CloseEvent): Effect.Effect<void, Socket.SocketError> => {
  if (Socket.isCloseEvent(chunk)) {
    conn.destroy()
    return Effect.void
  }
  if (conn.destroyed) return Effect.fail(new Socket.SocketError({ reason: new Socket.SocketWriteError({ cause: new Error("socket closed") }) }))
  return conn.write(chunk) ? Effect.void : untilEvent(conn, "drain")
}
