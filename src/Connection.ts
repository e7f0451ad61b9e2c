import type * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import type * as Socket from "effect/socket/Socket"
import type * as Net from "node:net"
import { type Sink, sinkFromWriter } from "./Outbox.js"

/** How a client's input ended: it closed its side (`reset: false`) or the connection broke. */
export interface EndOfInput {
  readonly _tag: "EndOfInput"
  readonly reset: boolean
}

const closed: EndOfInput = { _tag: "EndOfInput", reset: false }
const reset: EndOfInput = { _tag: "EndOfInput", reset: true }

/**
 * One client's byte stream, whatever carries it: what a session reads from
 * and writes to. Input is pulled (`take`, `wait`): bytes the session has not
 * taken stay here, and past `highWater` the transport stops reading, so the
 * client's kernel pushes back. Output goes to `sink`, which never waits.
 */
export interface Connection {
  /** `address:port`, for logs and the console. */
  readonly peer: string
  /** The client's IP address, for per-address limits, when the transport knows it. */
  readonly ip: string | undefined
  readonly sink: Sink
  /** What arrived since the last call; `undefined` when nothing did; `EndOfInput` once nothing more will. */
  take(): Arr.NonEmptyReadonlyArray<Uint8Array> | EndOfInput | undefined
  /** Calls `f` once, when `take` has something new. One waiter at a time; `wait(undefined)` cancels. */
  wait(f: (() => void) | undefined): void
  /** Ends the connection. Graceful: after the kernel sent what was written (bounded); else at once. */
  close(graceful: boolean): Effect.Effect<void>
}

const highWater = 64 * 1024

/** The input side shared by the transports: chunks waiting to be taken, the end, and one waiter. */
class Inbound {
  private chunks: Array<Uint8Array> = []
  private queued = 0
  private ended: EndOfInput | undefined = undefined
  private waiter: (() => void) | undefined = undefined
  protected paused = false

  take(): Arr.NonEmptyReadonlyArray<Uint8Array> | EndOfInput | undefined {
    if (this.queued > 0) {
      const chunks = this.chunks
      this.chunks = []
      this.queued = 0
      if (this.paused) {
        this.paused = false
        this.resume()
      }
      return chunks as unknown as Arr.NonEmptyReadonlyArray<Uint8Array>
    }
    return this.ended
  }

  wait(f: (() => void) | undefined): void {
    this.waiter = f
  }

  protected push(chunk: Uint8Array): void {
    if (this.ended !== undefined || chunk.length === 0) return
    this.chunks.push(chunk)
    this.queued += chunk.length
    if (this.queued >= highWater && !this.paused) {
      this.paused = true
      this.pause()
    }
    this.wake()
  }

  protected end(how: EndOfInput): void {
    if (this.ended !== undefined) return
    this.ended = how
    // After a reset, what the client sent last is not acted on.
    if (how.reset) {
      this.chunks = []
      this.queued = 0
    }
    this.wake()
  }

  private wake() {
    const f = this.waiter
    if (f === undefined) return
    this.waiter = undefined
    f()
  }

  protected pause(): void {}
  protected resume(): void {}
}

// One set of listeners for every socket (no closures per connection): each finds its connection on the socket.
const owner = Symbol("hubbub/NetConnection")
type Owned = Net.Socket & { [owner]: NetConnection }
function onData(this: Owned, chunk: Uint8Array) {
  this[owner].received(chunk)
}
function onEnd(this: Owned) {
  this[owner].finished(closed)
}
function onError(this: Owned) {
  this[owner].finished(reset)
}
function onClose(this: Owned, hadError: boolean) {
  this[owner].finished(hadError ? reset : closed)
}

/** A Node TCP socket (created with `allowHalfOpen`), read in flowing mode and written directly. */
export class NetConnection extends Inbound implements Connection, Sink {
  readonly peer: string
  readonly ip: string | undefined
  readonly sink: Sink = this

  constructor(readonly socket: Net.Socket) {
    super()
    this.ip = socket.remoteAddress
    this.peer = `${socket.remoteAddress}:${socket.remotePort}`
    ;(socket as Owned)[owner] = this
    socket.on("data", onData)
    socket.on("end", onEnd)
    socket.on("error", onError)
    socket.on("close", onClose)
  }

  /** @internal */
  received(chunk: Uint8Array): void {
    this.push(chunk)
  }

  /** @internal */
  finished(how: EndOfInput): void {
    this.end(how)
  }

  protected override pause() {
    this.socket.pause()
  }

  protected override resume() {
    this.socket.resume()
  }

  write(bytes: Uint8Array): boolean {
    return this.socket.write(bytes)
  }

  onDrain(f: () => void): () => void {
    const socket = this.socket
    const done = () => {
      socket.off("drain", done)
      socket.off("close", done)
      f()
    }
    socket.on("drain", done)
    socket.on("close", done)
    return () => {
      socket.off("drain", done)
      socket.off("close", done)
    }
  }

  closed(): boolean {
    return this.socket.destroyed || this.socket.writableEnded
  }

  close(graceful: boolean): Effect.Effect<void> {
    const socket = this.socket
    return Effect.callback<void>((resume) => {
      if (socket.destroyed || !graceful || socket.writableLength === 0) {
        socket.destroy()
        return resume(Effect.void)
      }
      // The kernel still sends what it holds; a peer that stopped reading does not keep the socket.
      const timer = setTimeout(() => {
        socket.destroy()
        resume(Effect.void)
      }, 500)
      socket.end()
      socket.once("close", () => {
        clearTimeout(timer)
        resume(Effect.void)
      })
    })
  }
}

/**
 * Any Effect `Socket` (a WebSocket, for one) as a `Connection`: a fiber in
 * `scope` pulls its reader, pausing while `highWater` bytes wait; writes go
 * through its writer in order.
 */
export const fromSocket = Effect.fnUntraced(function*(
  socket: Socket.Socket,
  peer: string,
  ip: string | undefined,
  scope: Scope.Scope
) {
  const connection = new SocketConnection(peer, ip)
  // The writer waits until the reader has been acquired: acquire it first.
  const { pull } = yield* Scope.provide(socket.reader, scope)
  connection.sink = yield* sinkFromWriter(yield* socket.writer, scope)
  yield* Effect.forkIn(connection.pump(pull), scope)
  return connection as Connection
})

class SocketConnection extends Inbound implements Connection {
  sink!: Sink
  private unpause: (() => void) | undefined = undefined

  constructor(readonly peer: string, readonly ip: string | undefined) {
    super()
  }

  pump(pull: Effect.Effect<ReadonlyArray<Uint8Array | string>, Socket.SocketError>): Effect.Effect<void> {
    const encoder = new TextEncoder()
    const whileReading = Effect.callback<void>((resume) => {
      if (!this.paused) return resume(Effect.void)
      this.unpause = () => resume(Effect.void)
    })
    return pull.pipe(
      Effect.flatMap((chunks) => {
        for (const chunk of chunks) this.push(typeof chunk === "string" ? encoder.encode(chunk) : chunk)
        return whileReading
      }),
      Effect.forever,
      Effect.catch((error: Socket.SocketError) =>
        Effect.sync(() =>
          this.end(error.reason._tag === "SocketCloseError" && error.reason.code === 1000 ? closed : reset)
        )
      )
    )
  }

  protected override resume() {
    const f = this.unpause
    this.unpause = undefined
    f?.()
  }

  close(): Effect.Effect<void> {
    return Effect.void
  }
}
