import { Effect } from "effect"
import type * as Socket from "effect/socket/Socket"

/**
 * One connection's pending output, bounded in bytes. Producers never wait:
 * `offer` appends or reports overflow at once. `drainTo` is the connection's
 * writer: it hands everything pending to the socket as one write, waits for the
 * socket to take it (TCP backpressure), and goes again. Bytes count as pending
 * until the socket has taken them, so a client that never reads holds at most
 * `limit` bytes here.
 */
export class Outbox {
  private chunks: Array<Uint8Array> = []
  private queued = 0
  private inFlight = 0
  private wake: (() => void) | undefined = undefined
  private idle: Array<() => void> = []

  constructor(readonly limit: number) {}

  /** Bytes queued or being written. */
  get bytes(): number {
    return this.queued + this.inFlight
  }

  /** Appends `bytes`; false (and nothing appended) when that would pass the limit. */
  offer(bytes: Uint8Array): boolean {
    if (this.queued + this.inFlight + bytes.length > this.limit) return false
    this.push(bytes)
    return true
  }

  /** Appends past the limit: for the one last notice before a connection closes. */
  force(bytes: Uint8Array): void {
    this.push(bytes)
  }

  /** Drops what has not been handed to the socket yet. */
  clear(): void {
    this.chunks = []
    this.queued = 0
    this.settle()
  }

  /** Completes once everything offered so far has been taken by the socket. */
  readonly flushed: Effect.Effect<void> = Effect.callback<void>((resume) => {
    if (this.bytes === 0) return resume(Effect.void)
    const done = () => resume(Effect.void)
    this.idle.push(done)
    return Effect.sync(() => {
      this.idle = this.idle.filter((f) => f !== done)
    })
  })

  /** Writes forever; fails only when the socket does. */
  drainTo(writer: Socket.Writer, onWritten: (bytes: number) => void): Effect.Effect<never, Socket.SocketError> {
    const next = Effect.callback<Uint8Array>((resume) => {
      if (this.queued > 0) return resume(Effect.succeed(this.take()))
      this.wake = () => {
        this.wake = undefined
        resume(Effect.succeed(this.take()))
      }
      return Effect.sync(() => {
        this.wake = undefined
      })
    })
    return next.pipe(
      Effect.flatMap((batch) => writer.write(batch)),
      Effect.andThen(Effect.sync(() => onWritten(this.settle()))),
      // Let more output pile up before the next write: one write per wake-up, not per line.
      Effect.andThen(Effect.yieldNow),
      Effect.forever
    )
  }

  private push(bytes: Uint8Array) {
    this.chunks.push(bytes)
    this.queued += bytes.length
    this.wake?.()
  }

  private take(): Uint8Array {
    const chunks = this.chunks
    this.chunks = []
    this.inFlight = this.queued
    this.queued = 0
    return chunks.length === 1 ? chunks[0] : concat(chunks, this.inFlight)
  }

  private settle(): number {
    const written = this.inFlight
    this.inFlight = 0
    if (this.queued === 0 && this.idle.length > 0) {
      const waiters = this.idle
      this.idle = []
      for (const f of waiters) f()
    }
    return written
  }
}

const concat = (chunks: ReadonlyArray<Uint8Array>, size: number) => {
  const out = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}
