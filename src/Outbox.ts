import { type Duration, Effect, Schema } from "effect"
import type * as Socket from "effect/socket/Socket"

/** The client did not take a write within the write timeout. */
export class WriteStalled extends Schema.TaggedError<WriteStalled>()("WriteStalled", {}) {}

/**
 * One connection's pending output. Producers never wait: `offer` appends, or
 * reports overflow at once. `drainTo` is the connection's writer: it hands
 * everything queued to the socket as one write and waits until the socket
 * takes it (TCP backpressure), then goes again.
 *
 * The limit applies to what queues up behind a write the client has not
 * accepted yet: a burst that the socket can take right away never counts
 * against it, while a client that stops reading is over the limit after
 * `limit` more bytes. Memory per client is thus at most the limit plus the one
 * batch being written (plus what the kernel buffers).
 */
export class Outbox {
  private chunks: Array<Uint8Array> = []
  private queued = 0
  private inFlight = 0
  private writing = false
  private dead = false
  private wake: (() => void) | undefined = undefined
  private idle: Array<() => void> = []

  constructor(readonly limit: number) {}

  /** Bytes queued or being written. */
  get bytes(): number {
    return this.queued + this.inFlight
  }

  /** Appends `bytes`; false (and nothing appended) when the client is not taking its output and the queue is full. */
  offer(bytes: Uint8Array): boolean {
    if (this.dead) return true
    if (this.writing && this.queued + bytes.length > this.limit) return false
    this.push(bytes)
    return true
  }

  /** Appends past the limit: for the one last notice before a connection closes. */
  force(bytes: Uint8Array): void {
    if (!this.dead) this.push(bytes)
  }

  /** Drops what has not been handed to the socket yet. */
  clear(): void {
    this.chunks = []
    this.queued = 0
    this.notifyIdle()
  }

  /** The socket is gone: drop everything, now and from now on. */
  abandon(): void {
    this.dead = true
    this.inFlight = 0
    this.clear()
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

  /**
   * Writes until the socket fails, or a write is not taken within `timeout`;
   * `onWritten` counts the bytes the socket took.
   */
  drainTo(
    writer: Socket.Writer,
    timeout: Duration.Duration,
    onWritten: (bytes: number) => void
  ): Effect.Effect<never, Socket.SocketError | WriteStalled> {
    const stalled = { duration: timeout, orElse: () => Effect.fail(new WriteStalled()) }
    const take = Effect.sync(() => this.take())
    const next = Effect.callback<Uint8Array>((resume) => {
      if (this.queued > 0) return resume(take)
      this.wake = () => {
        this.wake = undefined
        resume(take)
      }
      return Effect.sync(() => {
        this.wake = undefined
      })
    })
    const write = (batch: Uint8Array) =>
      Effect.suspend(() => {
        this.writing = true
        return writer.write(batch)
      }).pipe(
        Effect.timeoutOrElse(stalled),
        Effect.ensuring(Effect.sync(() => {
          this.writing = false
        }))
      )
    return next.pipe(
      Effect.flatMap(write),
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
    if (this.queued === 0) this.notifyIdle()
    return written
  }

  private notifyIdle() {
    if (this.idle.length === 0 || this.inFlight > 0) return
    const waiters = this.idle
    this.idle = []
    for (const f of waiters) f()
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
