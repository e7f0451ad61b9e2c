import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Waiter } from "../internal/Waiter.js"
import type { Counters } from "../observe/Stats.js"
import type { CloseReason } from "../protocol/CloseReason.js"
import type { Sink } from "../transport/Sink.js"

/** The slow-client policy's two numbers (the settings `--outbox-bytes` and `--write-timeout`). */
export interface OutboxOptions {
  /** Bytes that may queue for a client that is not taking them. */
  readonly limit: number
  /** How long a write may stay untaken. */
  readonly writeTimeout: Duration.Duration
}

/** How an outbox asks to be written (the server's `Flusher`). */
export interface FlushScheduler {
  readonly schedule: (outbox: Outbox) => void
}

/** Who is told when the outbox cuts its client off. */
export interface CutOff {
  readonly cut: (reason: CloseReason) => void
}

/**
 * One connection's output, and the whole slow-client policy: the bounded
 * queue, the write deadline, and the last line a client too slow is sent.
 *
 * Bytes appended during an event-loop turn are handed to the transport once,
 * at the end of the turn, as one write (the {@link FlushScheduler} writes
 * every outbox that has something). While the transport is backed up the
 * bytes queue here, bounded by `limit`: past it, the client is too slow
 * (`Slow`). A burst the transport takes at once never counts against the
 * limit, so memory per client is at most the limit plus what the transport
 * and the kernel hold. A transport that stays backed up for the write
 * timeout makes the client too slow as well (`Stalled`, see {@link watch}).
 * Either way its owner is told (`cut`; the first reason it hears wins),
 * and the goodbye ends the connection with {@link cutOff}.
 */
export class Outbox {
  // Most turns queue one chunk: it waits alone, and an array is made only for a second.
  private first: Uint8Array | undefined = undefined
  private chunks: Array<Uint8Array> | undefined = undefined
  private queued = 0
  /** The transport said it has no room; nothing is written until it has. */
  backedUp = false
  private scheduled = false
  private dead = false
  private readonly idle = new Waiter()
  /** When the oldest event waiting here was published (milliseconds since the epoch; 0 when unknown). */
  oldest = 0

  constructor(
    private readonly options: OutboxOptions,
    readonly sink: Sink,
    private readonly scheduler: FlushScheduler,
    private readonly counters: Pick<Counters, "bytesOut">,
    private readonly owner: CutOff,
    /** The connection's own count of the bytes written. */
    private readonly mine: { bytesOut: number }
  ) {}

  /** Bytes waiting for the client here. */
  get bytes(): number {
    return this.queued
  }

  /** Appends bytes (of events published `at`); they are written at the end of this event-loop turn. */
  push(bytes: Uint8Array, at = 0): void {
    this.append(bytes, true, at)
  }

  /** Appends past the limit: for the one last line before a connection closes. */
  force(bytes: Uint8Array, at = 0): void {
    this.append(bytes, false, at)
  }

  private append(bytes: Uint8Array, bounded: boolean, at: number) {
    if (this.dead || bytes.length === 0) return
    if (this.queued === 0) this.oldest = at
    if (this.first === undefined) this.first = bytes
    else if (this.chunks === undefined) this.chunks = [this.first, bytes]
    else this.chunks.push(bytes)
    this.queued += bytes.length
    if (this.backedUp) {
      if (bounded && this.queued > this.options.limit) this.owner.cut({ _tag: "Slow", limit: this.options.limit })
    } else if (!this.scheduled) {
      this.scheduled = true
      this.scheduler.schedule(this)
    }
  }

  /** Drops what has not been handed to the transport yet (what is in flight still goes out). */
  clear(): void {
    this.first = this.chunks = undefined
    this.queued = 0
    this.settle()
  }

  /** The transport is gone: drop everything, now and from now on. */
  abandon(): void {
    this.dead = true
    this.backedUp = false
    this.clear()
  }

  /** Completes once everything appended so far has been handed over and the transport has room. */
  get flushed(): Effect.Effect<void> {
    return Effect.suspend(() => this.isIdle() ? Effect.void : Effect.andThen(this.idle.wait, this.flushed))
  }

  /**
   * The scheduler's part: hands the queue to the transport in one write.
   * Returns whether the transport is now backed up (the scheduler then runs
   * {@link watch} until it drains).
   */
  write(concat: (chunks: ReadonlyArray<Uint8Array>, size: number) => Uint8Array): boolean {
    this.scheduled = false
    if (this.dead || this.backedUp || this.queued === 0) return false
    if (this.sink.closed()) {
      this.abandon()
      return false
    }
    const size = this.queued
    const bytes = this.chunks === undefined ? this.first! : concat(this.chunks, size)
    this.first = this.chunks = undefined
    this.queued = 0
    const room = this.sink.write(bytes)
    this.counters.bytesOut += size
    this.mine.bytesOut += size
    if (room) {
      this.settle()
      return false
    }
    this.backedUp = true
    return true
  }

  /**
   * The write deadline, while the transport is backed up: one that does not
   * drain within the write timeout makes the client too slow, and the outbox
   * still learns when (if ever) it drains.
   */
  get watch(): Effect.Effect<void> {
    return Effect.flatMap(Effect.timeoutOption(this.sink.drained, this.options.writeTimeout), (drained) => {
      if (Option.isSome(drained)) return Effect.sync(() => this.drained())
      if (!this.dead) this.owner.cut({ _tag: "Stalled", millis: Duration.toMillis(this.options.writeTimeout) })
      return Effect.map(this.sink.drained, () => this.drained())
    })
  }

  /**
   * A client too slow (`why`) gets its last line: what is queued is dropped,
   * what is in flight may still be taken, then `last`, then the connection
   * ends; all within the write timeout.
   */
  cutOff(last: Uint8Array, why: CloseReason): Effect.Effect<void> {
    return Effect.suspend(() => {
      this.clear()
      const within = this.options.writeTimeout
      return this.flushed.pipe(
        Effect.andThen(Effect.sync(() => this.force(last))),
        Effect.andThen(this.flushed),
        Effect.andThen(this.sink.end(within, why)),
        Effect.timeoutOption(within),
        Effect.asVoid
      )
    })
  }

  /** The transport has room again: what queued meanwhile is written next. */
  drained(): void {
    this.backedUp = false
    if (this.sink.closed()) return this.abandon()
    if (this.queued > 0 && !this.scheduled) {
      this.scheduled = true
      this.scheduler.schedule(this)
    }
    this.settle()
  }

  private isIdle(): boolean {
    return this.dead || (this.queued === 0 && !this.backedUp)
  }

  private settle() {
    if (this.isIdle()) this.idle.done()
  }
}
