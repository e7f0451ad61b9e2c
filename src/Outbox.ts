import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import type * as Socket from "effect/socket/Socket"
import { concat } from "./Bytes.js"

/**
 * Where a connection's bytes go: the transport's own buffer. `write` never
 * waits; it reports whether the transport wants a pause (like Node's
 * `socket.write`), and `onDrain` says when the pause is over.
 */
export interface Sink {
  /** Hands bytes over; false when the transport is backed up. */
  readonly write: (bytes: Uint8Array) => boolean
  /** Calls `f` once, when the transport has room again or is gone; returns a cancel. */
  readonly onDrain: (f: () => void) => () => void
  /** Whether the transport is gone (writes are dropped). */
  readonly closed: () => boolean
}

/** Who an outbox reports to. */
export interface OutboxOwner {
  /** The client is too slow: too many bytes waiting, or (`stalled`) a write not taken for too long. */
  slow(stalled: boolean): void
  /** Bytes handed to the sink. */
  written(bytes: number): void
}

const stalled = (owner: OutboxOwner) => owner.slow(true)

/**
 * One connection's output. Bytes appended during an event-loop turn are handed
 * to the sink once, at the end of the turn, as one write (a single flusher
 * serves every outbox, and connections that got the same bytes share one
 * buffer). While the sink is backed up the bytes queue here, and that queue is
 * bounded: past `limit` bytes, or when the sink stays backed up for
 * `stallMillis`, the client is too slow (`owner.slow`). A burst the sink takes at
 * once never counts against the limit, so memory per client is at most the
 * limit plus what the transport and the kernel hold.
 */
export class Outbox {
  private chunks: Array<Uint8Array> = []
  private queued = 0
  private backedUp = false
  private dirty = false
  private dead = false
  private cancelDrain: (() => void) | undefined = undefined
  private stallTimer: ReturnType<typeof setTimeout> | undefined = undefined
  private idle: Array<() => void> | undefined = undefined

  constructor(
    readonly limit: number,
    private readonly sink: Sink,
    private readonly stallMillis: number,
    private readonly owner: OutboxOwner
  ) {}

  /** Bytes waiting for the client in this outbox. */
  get bytes(): number {
    return this.queued
  }

  /** Appends bytes; they are written at the end of this event-loop turn. */
  push(bytes: Uint8Array): void {
    this.append(bytes, true)
  }

  /** Appends past the limit: for the one last notice before a connection closes. */
  force(bytes: Uint8Array): void {
    this.append(bytes, false)
  }

  private append(bytes: Uint8Array, bounded: boolean) {
    if (this.dead) return
    this.chunks.push(bytes)
    this.queued += bytes.length
    if (this.backedUp) {
      if (bounded && this.queued > this.limit) this.owner.slow(false)
    } else if (!this.dirty) {
      this.dirty = true
      schedule(this)
    }
  }

  /** Drops what has not been handed to the sink yet. */
  clear(): void {
    this.chunks = []
    this.queued = 0
    this.notifyIdle()
  }

  /** The transport is gone: drop everything, now and from now on. */
  abandon(): void {
    this.dead = true
    this.backedUp = false
    this.cancelDrain?.()
    this.cancelDrain = undefined
    if (this.stallTimer !== undefined) clearTimeout(this.stallTimer)
    this.clear()
  }

  /** Completes once everything appended so far has been handed to the sink and the sink is not backed up. */
  flushed(): Effect.Effect<void> {
    return Effect.callback<void>((resume) => {
      if (this.queued === 0 && !this.backedUp) return resume(Effect.void)
      const done = () => resume(Effect.void)
      ;(this.idle ??= []).push(done)
      return Effect.sync(() => {
        this.idle = this.idle?.filter((f) => f !== done)
      })
    })
  }

  /** Called by the flusher: hands the queue to the sink in one write. */
  write(shared: SharedBuffer): void {
    this.dirty = false
    if (this.dead || this.backedUp || this.queued === 0) return
    if (this.sink.closed()) return this.abandon()
    const chunks = this.chunks
    const size = this.queued
    this.chunks = []
    this.queued = 0
    const room = this.sink.write(shared.bytes(chunks, size))
    this.owner.written(size)
    if (room) return this.notifyIdle()
    this.backedUp = true
    this.stallTimer = setTimeout(stalled, this.stallMillis, this.owner)
    this.cancelDrain = this.sink.onDrain(() => {
      this.cancelDrain = undefined
      clearTimeout(this.stallTimer)
      this.stallTimer = undefined
      this.backedUp = false
      if (this.sink.closed()) return this.abandon()
      if (this.queued > 0) this.write(new SharedBuffer())
      else this.notifyIdle()
    })
  }

  private notifyIdle() {
    const waiters = this.idle
    if (waiters === undefined || waiters.length === 0 || this.queued > 0 || this.backedUp) return
    this.idle = undefined
    for (const f of waiters) f()
  }
}

/** One flusher pass's concatenations: outboxes that queued the very same chunks share one buffer. */
class SharedBuffer {
  private readonly byFirst = new Map<Uint8Array, { chunks: ReadonlyArray<Uint8Array>; buffer: Uint8Array }>()

  bytes(chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array {
    if (chunks.length === 1) return chunks[0]
    const known = this.byFirst.get(chunks[0])
    if (known !== undefined && sameChunks(chunks, known.chunks)) return known.buffer
    const buffer = concat(chunks, size)
    this.byFirst.set(chunks[0], { chunks, buffer })
    return buffer
  }
}

const sameChunks = (a: ReadonlyArray<Uint8Array>, b: ReadonlyArray<Uint8Array>) => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

let pending: Array<Outbox> = []
const flushAll = () => {
  const outboxes = pending
  pending = []
  const shared = new SharedBuffer()
  for (const outbox of outboxes) outbox.write(shared)
}
const schedule = (outbox: Outbox) => {
  if (pending.push(outbox) === 1) queueMicrotask(flushAll)
}


/**
 * A sink over an Effect `Socket.Writer`, for transports without a Node socket
 * underneath: a fiber in `scope` performs the writes in order, and the sink
 * counts as backed up until it has caught up.
 */
export const sinkFromWriter = Effect.fnUntraced(function*(writer: Socket.Writer, scope: Scope.Scope) {
  const queue = yield* Queue.unbounded<Uint8Array>()
  let inFlight = 0
  let closed = false
  let waiters: Array<() => void> = []
  const notify = () => {
    const ready = waiters
    waiters = []
    for (const f of ready) f()
  }
  yield* Queue.take(queue).pipe(
    Effect.flatMap((bytes) => writer.write(bytes)),
    Effect.andThen(Effect.sync(() => {
      if (--inFlight === 0) notify()
    })),
    Effect.forever,
    Effect.catch(() =>
      Effect.sync(() => {
        closed = true
        notify()
      })
    ),
    Effect.forkIn(scope)
  )
  const sink: Sink = {
    write: (bytes) => {
      if (closed) return true
      inFlight++
      Queue.offerUnsafe(queue, bytes)
      return false
    },
    onDrain: (f) => {
      waiters.push(f)
      return () => {
        waiters = waiters.filter((g) => g !== f)
      }
    },
    closed: () => closed
  }
  return sink
})
