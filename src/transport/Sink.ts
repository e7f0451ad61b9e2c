import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import type * as Socket from "effect/socket/Socket"
import type * as Net from "node:net"
import * as Tls from "node:tls"
import { untilDrained, untilEvent } from "../internal/NodeEvents.js"
import { Waiter } from "../internal/Waiter.js"
import type { CloseReason } from "../protocol/CloseReason.js"

/**
 * Where a connection's bytes go. `write` never waits: it reports whether the
 * transport has room for more (like Node's `socket.write`), and `drained`
 * completes when it has again. What was handed over is sent either way.
 */
export interface Sink {
  /** Hands bytes over; false when the transport is backed up. */
  readonly write: (bytes: Uint8Array) => boolean
  /** Completes when the transport has room again, or is gone. */
  readonly drained: Effect.Effect<void>
  /** Whether the transport is gone (writes are dropped). */
  readonly closed: () => boolean
  /**
   * Ends the connection after what was written: waits at most `within` for
   * the peer to take it and close its side too, then lets the socket go.
   * A transport with close codes (WebSocket) says `why` with one.
   */
  readonly end: (within: Duration.Input, why?: CloseReason) => Effect.Effect<void>
  /** Lets the connection go at once, whatever is still queued. */
  readonly abort: () => void
}

/** How long closing a connection waits, by default, for the peer to take the last bytes and close its side. */
export const linger: Duration.Input = "500 millis"

/** A Node socket as a sink: writes go straight to it. */
export const netSink = (conn: Net.Socket): Sink => new NetSink(conn)

export class NetSink implements Sink {
  constructor(readonly conn: Net.Socket) {}

  write(bytes: Uint8Array): boolean {
    return this.conn.write(bytes)
  }

  get drained(): Effect.Effect<void> {
    return untilDrained(this.conn)
  }

  closed(): boolean {
    return this.conn.destroyed || this.conn.writableEnded
  }

  abort(): void {
    this.conn.destroy()
  }

  end(within: Duration.Input): Effect.Effect<void> {
    const conn = this.conn
    return Effect.suspend(() => {
      if (conn.destroyed) return Effect.void
      // The peer gets what is queued, then the end; one that does not take it does not keep the socket.
      conn.end()
      // Node reports the peer's close only after its end, and that only once what it sent is read: it goes unread.
      conn.removeAllListeners("readable")
      conn.resume()
      const closed = untilEvent(conn, "close")
      return closed.pipe(
        Effect.timeoutOption(within),
        Effect.flatMap((done) => Option.isSome(done) || conn.destroyed ? Effect.void : letGo(conn, closed))
      )
    })
  }
}

/** How long a peer that took everything but keeps its side open is given before the reset. */
const beforeReset = Duration.millis(1500)

/**
 * A socket whose peer did not close its side after ours: netcat and telnet wait for their user's
 * next line before they notice a close, so plain TCP is reset (they end at once), once what it was
 * sent has left Node and had time to arrive (a reset discards what is still on its way). A peer
 * that did not even take that much, and TLS, which has no reset to send, are let go.
 */
const letGo = (conn: Net.Socket, closed: Effect.Effect<void>): Effect.Effect<void> => {
  if (conn instanceof Tls.TLSSocket || conn.writableLength > 0) return Effect.sync(() => conn.destroy())
  return closed.pipe(
    Effect.timeoutOption(beforeReset),
    Effect.map((done) => {
      if (Option.isNone(done) && !conn.destroyed) conn.resetAndDestroy()
    })
  )
}

/** Bytes a writer sink may have in flight before it reports itself backed up. */
const highWater = 64 * 1024

/**
 * Any Effect `Socket.Writer` (a WebSocket, for one) as a sink: a fiber in the
 * scope performs the writes in order.
 */
export const writerSink = Effect.fnUntraced(function*(writer: Socket.Writer): Effect.fn.Return<Sink, never, Scope.Scope> {
  const queue = yield* Queue.unbounded<Uint8Array>()
  let inFlight = 0
  let gone = false
  // Who waits for room (below the high-water mark) and for the queue to empty.
  const room = new Waiter()
  const empty = new Waiter()
  const hasRoom = () => gone || inFlight < highWater
  const isEmpty = () => gone || inFlight === 0
  const settle = () => {
    if (hasRoom()) room.done()
    if (isEmpty()) empty.done()
  }
  /** Completes once `ready()` holds (it is checked again after each wake). */
  const until = (waiter: Waiter, ready: () => boolean): Effect.Effect<void> =>
    Effect.suspend(() => ready() ? Effect.void : Effect.andThen(waiter.wait, until(waiter, ready)))
  yield* Queue.take(queue).pipe(
    Effect.flatMap((bytes) =>
      Effect.ensuring(
        writer.write(bytes),
        Effect.sync(() => {
          inFlight -= bytes.length
          settle()
        })
      )
    ),
    Effect.forever,
    // However the writer stops (a failed write, its scope closing), nothing more goes out.
    Effect.ensuring(Effect.sync(() => {
      gone = true
      settle()
    })),
    Effect.ignore,
    Effect.forkScoped
  )
  return {
    write: (bytes) => {
      if (gone) return true
      inFlight += bytes.length
      Queue.offerUnsafe(queue, bytes)
      return inFlight < highWater
    },
    drained: until(room, hasRoom),
    closed: () => gone,
    abort: () => {
      gone = true
      settle()
    },
    // What was handed over is written before the socket's scope lets the writer go.
    end: (within) => until(empty, isEmpty).pipe(Effect.timeoutOption(within), Effect.asVoid)
  }
})
