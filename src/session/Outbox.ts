import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type { Sink } from "../transport/Sink.js"

/** What an outbox reports to its session. */
export interface OutboxOwner {
  /** More than the outbox's limit waits for a client that does not take it. */
  readonly overflowed: () => void
  /** A write was not taken within the write timeout. */
  readonly stalled: () => void
  /** Bytes handed to the transport. */
  readonly written: (bytes: number) => void
}

/** How an outbox asks to be written. */
export interface FlushScheduler {
  readonly schedule: (outbox: Outbox) => void
}

/**
 * One connection's output. Bytes appended during an event-loop turn are
 * handed to the transport once, at the end of the turn, as one write (the
 * server's {@link FlushScheduler} writes every outbox that has something).
 * While the transport is backed up the bytes queue here, and that queue is
 * bounded: past `limit` bytes the owner is told (`overflowed`). A burst the
 * transport takes at once never counts against the limit, so memory per
 * client is at most the limit plus what the transport and the kernel hold.
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
  private idle: Deferred.Deferred<void> | undefined = undefined
  /** When the oldest event waiting here was published (milliseconds since the epoch; 0 when unknown). */
  oldest = 0

  constructor(
    readonly limit: number,
    readonly sink: Sink,
    private readonly flusher: FlushScheduler,
    private readonly owner: OutboxOwner
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
      if (bounded && this.queued > this.limit) this.owner.overflowed()
    } else if (!this.scheduled) {
      this.scheduled = true
      this.flusher.schedule(this)
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
    return Effect.suspend(() =>
      this.isIdle() ? Effect.void : Deferred.await(this.idle ??= Deferred.makeUnsafe<void>())
    )
  }

  /**
   * The flusher's part: hands the queue to the transport in one write.
   * Returns whether the transport is now backed up (the flusher then waits
   * for it to drain, see {@link drained}).
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
    this.owner.written(size)
    if (room) {
      this.settle()
      return false
    }
    this.backedUp = true
    return true
  }

  /** The transport stayed backed up for the write timeout. */
  stalled(): void {
    if (!this.dead) this.owner.stalled()
  }

  /** The transport has room again: what queued meanwhile is written next. */
  drained(): void {
    this.backedUp = false
    if (this.sink.closed()) return this.abandon()
    if (this.queued > 0 && !this.scheduled) {
      this.scheduled = true
      this.flusher.schedule(this)
    }
    this.settle()
  }

  private isIdle(): boolean {
    return this.dead || (this.queued === 0 && !this.backedUp)
  }

  private settle() {
    const idle = this.idle
    if (idle === undefined || !this.isIdle()) return
    // Cleared first: the waiter resumes inside `doneUnsafe` and may wait again.
    this.idle = undefined
    Deferred.doneUnsafe(idle, Exit.void)
  }
}
