import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { closeLabel, type CloseReason } from "../protocol/CloseReason.js"

export interface Counters {
  /** Connections served since the start (refused ones not included). */
  connections: number
  refused: number
  /** Lines read from clients, whatever they were (a nickname, a command, chat). */
  linesIn: number
  /** Messages clients sent (chat, actions, private messages). */
  messagesIn: number
  /** Events delivered to clients, counted per recipient. */
  messagesOut: number
  bytesIn: number
  bytesOut: number
  slowDisconnects: number
  floodDisconnects: number
  /** Disconnects for choosing no nickname in time, or for idling. */
  timeouts: number
  kicks: number
  /** Reads flood control held back. */
  floodDelays: number
  /** Configuration reloads done (`SIGHUP`, the console's `reload`), and refused (a bad new configuration). */
  reloads: number
  reloadsRefused: number
}

/** Counters at zero. */
export const noCounts = (): Counters => ({
  connections: 0,
  refused: 0,
  linesIn: 0,
  messagesIn: 0,
  messagesOut: 0,
  bytesIn: 0,
  bytesOut: 0,
  slowDisconnects: 0,
  floodDisconnects: 0,
  timeouts: 0,
  kicks: 0,
  floodDelays: 0,
  reloads: 0,
  reloadsRefused: 0
})

/** The server's counters since it started: what the console's `stats` and the status log line show. */
export class Stats extends Context.Service<Stats, {
  readonly counters: Counters
  /** When the server started, in milliseconds since the epoch. */
  readonly startedAt: number
  /** Counts a session's end by its reason. */
  readonly closed: (reason: CloseReason) => void
  /** Sessions ended, by reason (the log's label: `quit`, `slow`, ...). */
  readonly closedBy: ReadonlyMap<string, number>
  /** Counts a room operator's (or a server operator's) action: `kick`, `mode`, `invite`, ... */
  readonly audited: (action: string) => void
  /** Those actions, by name. */
  readonly auditedBy: ReadonlyMap<string, number>
}>()("hubbub/Stats") {
  static readonly layer: Layer.Layer<Stats> = Layer.effect(
    Stats,
    Effect.gen(function*() {
      const counters = noCounts()
      const closedBy = new Map<string, number>()
      const auditedBy = new Map<string, number>()
      return Stats.of({
        counters,
        startedAt: yield* Clock.currentTimeMillis,
        closedBy,
        auditedBy,
        audited: (action) => {
          auditedBy.set(action, (auditedBy.get(action) ?? 0) + 1)
        },
        closed: (reason) => {
          const label = closeLabel(reason)
          closedBy.set(label, (closedBy.get(label) ?? 0) + 1)
          switch (reason._tag) {
            case "Slow":
            case "Stalled":
              counters.slowDisconnects++
              return
            case "Flood":
              counters.floodDisconnects++
              return
            case "Idle":
            case "PingTimeout":
            case "Unregistered":
              counters.timeouts++
              return
            case "Kicked":
              counters.kicks++
              return
          }
        }
      })
    })
  )
}
