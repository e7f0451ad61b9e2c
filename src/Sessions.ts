import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Outbox } from "./Outbox.js"

/** Why a session ended: shown to the room, logged, counted. */
export type CloseReason =
  | { readonly _tag: "Quit"; readonly message: string | undefined }
  | { readonly _tag: "Disconnected"; readonly reset: boolean }
  | { readonly _tag: "Slow"; readonly stalled: boolean }
  | { readonly _tag: "Flood" }
  | { readonly _tag: "TimedOut"; readonly idle: boolean }
  | { readonly _tag: "Kicked"; readonly message: string | undefined }
  | { readonly _tag: "Shutdown" }

export const closeLabel = (reason: CloseReason): string => {
  switch (reason._tag) {
    case "Quit":
      return "quit"
    case "Disconnected":
      return reason.reset ? "reset" : "closed"
    case "Slow":
      return "slow"
    case "Flood":
      return "flood"
    case "TimedOut":
      return reason.idle ? "idle" : "unregistered"
    case "Kicked":
      return "kicked"
    case "Shutdown":
      return "shutdown"
  }
}

const warnBurst = 20
const warnWindowMs = 10_000

/** One live connection as the operator sees it. */
export interface SessionHandle {
  readonly id: string
  readonly peer: string
  /** When it connected, in milliseconds since the epoch. */
  readonly since: number
  readonly outbox: Outbox
  nick: string | undefined
  room: string | undefined
  /** The fibers serving this session, by role, for the console's `fibers`. */
  fibers(): ReadonlyArray<readonly [role: string, id: number]>
  /** Asks the session to close; the first reason wins. */
  close(reason: CloseReason): void
}

export interface Counters {
  connections: number
  messagesIn: number
  /** Events delivered to clients, counted per recipient. */
  messagesOut: number
  bytesIn: number
  bytesOut: number
  slowDisconnects: number
  floodDisconnects: number
  timeouts: number
  refused: number
  kicks: number
}

/**
 * The sessions of this process: what the console lists, kicks and counts,
 * and what a graceful shutdown waits for.
 */
export class Sessions extends Context.Service<Sessions, {
  readonly startedAt: Date
  readonly counters: Counters
  readonly live: ReadonlyMap<string, SessionHandle>
  readonly nextId: () => string
  readonly add: (handle: SessionHandle) => Effect.Effect<void>
  readonly remove: (id: string) => Effect.Effect<void>
  /** Asks a session to close; false when there is no such session. */
  readonly close: (id: string, reason: CloseReason) => Effect.Effect<boolean>
  readonly findNick: (nick: string) => SessionHandle | undefined
  /** Completes when no session is left. */
  readonly empty: Effect.Effect<void>
  /**
   * One warning about a misbehaving client. At most `warnBurst` such lines are
   * logged per `warnWindow`; the rest are counted and reported with the next one.
   */
  readonly warnOffender: (message: string) => Effect.Effect<void>
}>()("hubbub/Sessions") {
  static readonly layer = Layer.sync(Sessions, () => {
    const live = new Map<string, SessionHandle>()
    const counters: Counters = {
      connections: 0,
      messagesIn: 0,
      messagesOut: 0,
      bytesIn: 0,
      bytesOut: 0,
      slowDisconnects: 0,
      floodDisconnects: 0,
      timeouts: 0,
      refused: 0,
      kicks: 0
    }
    let windowStart = 0
    let warned = 0
    let suppressed = 0
    let waiters: Array<() => void> = []
    let seq = 0
    return Sessions.of({
      startedAt: new Date(),
      counters,
      live,
      nextId: () => `s${++seq}`,
      add: (handle) =>
        Effect.sync(() => {
          live.set(handle.id, handle)
          counters.connections++
        }),
      remove: (id) =>
        Effect.sync(() => {
          live.delete(id)
          if (live.size === 0 && waiters.length > 0) {
            const done = waiters
            waiters = []
            for (const f of done) f()
          }
        }),
      close: (id, reason) =>
        Effect.suspend(() => {
          const handle = live.get(id)
          if (handle === undefined) return Effect.succeed(false)
          handle.close(reason)
          return Effect.succeed(true)
        }),
      findNick: (nick) => {
        const key = nick.toLowerCase()
        for (const handle of live.values()) if (handle.nick?.toLowerCase() === key) return handle
        return undefined
      },
      warnOffender: (message) =>
        Effect.suspend(() => {
          const now = Date.now()
          if (now - windowStart >= warnWindowMs) {
            windowStart = now
            warned = 0
          }
          if (warned >= warnBurst) {
            suppressed++
            return Effect.void
          }
          warned++
          const dropped = suppressed
          suppressed = 0
          return Effect.logWarning(message).pipe(
            dropped > 0 ? Effect.annotateLogs({ suppressedWarnings: dropped }) : (self) => self
          )
        }),
      empty: Effect.callback<void>((resume) => {
        if (live.size === 0) return resume(Effect.void)
        const done = () => resume(Effect.void)
        waiters.push(done)
        return Effect.sync(() => {
          waiters = waiters.filter((f) => f !== done)
        })
      })
    })
  })
}
