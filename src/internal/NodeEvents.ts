import * as Effect from "effect/Effect"
import type * as Net from "node:net"

/**
 * Completes on a Node socket's `event` (or at once without one), or when the
 * socket closes, whichever comes first; its listeners go when it completes
 * or is interrupted.
 */
export const untilEvent = (conn: Net.Socket, event: "drain" | "close" | undefined): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    if (event === undefined || conn.destroyed) return resume(Effect.void)
    const done = () => {
      conn.off(event, done)
      conn.off("close", done)
      resume(Effect.void)
    }
    conn.on(event, done)
    conn.on("close", done)
    return Effect.sync(() => {
      conn.off(event, done)
      conn.off("close", done)
    })
  })

/** Completes once a Node socket that is backed up has room again (or at once when it has), or is gone. */
export const untilDrained = (conn: Net.Socket): Effect.Effect<void> =>
  Effect.suspend(() => untilEvent(conn, conn.writableNeedDrain ? "drain" : undefined))
