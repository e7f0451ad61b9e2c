import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { DatabaseSync } from "node:sqlite"
import { Worker } from "node:worker_threads"

/** The WAL's size, in bytes, at which the writer checkpoints by itself when it has to (no worker). */
const fallbackBytes = 4 * 1024 * 1024

// A second connection in a thread of its own: `PASSIVE` copies what is committed without waiting
// for (or holding up) the writer. Plain JavaScript, run as it is: the bundle has no file for it.
const source = `
const { parentPort, workerData } = require("node:worker_threads")
const { DatabaseSync } = require("node:sqlite")
const db = new DatabaseSync(workerData.file, { timeout: 1000 })
parentPort.on("message", (message) => {
  if (message === "close") {
    db.close()
    parentPort.close()
    return
  }
  try {
    db.exec("PRAGMA wal_checkpoint(PASSIVE)")
    parentPort.postMessage("")
  } catch (error) {
    parentPort.postMessage(String((error && error.message) || error).split("\\n")[0] || "unknown error")
  }
})
`

const firstLine = (error: unknown): string => {
  const text = error instanceof Error ? error.message : typeof error === "object" && error !== null && "message" in error ? String(error.message) : String(error)
  return text.split("\n")[0] || "unknown error"
}

export interface Checkpoints {
  /** Something was committed: its pages go into the database file soon, off the event loop. */
  readonly committed: () => void
  /** Completes when no checkpoint is running or asked for. */
  readonly settled: Effect.Effect<void>
  /** How many checkpoints the worker has run. */
  readonly done: () => number
}

/**
 * SQLite's checkpoints for `db` (the file `filename`, in WAL mode), run by a
 * worker thread for the scope, from the first commit on. Left to the writer, a checkpoint runs inside
 * the commit that crosses its threshold: under a busy room's history, one of
 * 4 MiB held the event loop (and every message) for 25 to 50 ms (measured,
 * docs/architecture.md). If the worker cannot open the file or fails, the
 * writer checkpoints by itself again, with one warning.
 */
export const make = (db: DatabaseSync, filename: string): Effect.Effect<Checkpoints, never, Scope.Scope> =>
  Effect.gen(function*() {
    const run = Effect.runForkWith(yield* Effect.context<never>())
    const pageSize = Number((db.prepare("PRAGMA page_size").get() as { page_size?: unknown } | undefined)?.page_size ?? 4096)
    const fallback = `PRAGMA wal_autocheckpoint = ${Math.max(1, Math.round(fallbackBytes / pageSize))}`
    db.exec("PRAGMA wal_autocheckpoint = 0")

    let running = false
    let again = false
    let failed = false
    let done = 0
    let waiting: Array<Deferred.Deferred<void>> = []
    const settle = () => {
      const done = waiting
      waiting = []
      for (const deferred of done) Deferred.doneUnsafe(deferred, Effect.void)
    }
    const fail = (detail: string) => {
      if (failed) return
      failed = true
      running = again = false
      if (db.isOpen) db.exec(fallback)
      run(Effect.logWarning(`SQLite checkpoints of ${filename} run in the writer again: ${detail}`))
      settle()
    }

    // Started at the first commit, not with the store: a server that only reads starts without it.
    let worker: Worker | undefined = undefined
    let exited = false
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        failed = true
        const started = worker
        if (started === undefined || exited) return Effect.sync(settle)
        return Effect.callback<void>((resume) => {
          started.once("exit", () => resume(Effect.void))
          started.postMessage("close")
        }).pipe(
          Effect.timeoutOrElse({ duration: "5 seconds", orElse: () => Effect.promise(() => started.terminate()) }),
          Effect.ensuring(Effect.sync(settle))
        )
      })
    )

    const start = (): Worker | undefined => {
      let started: Worker
      try {
        started = new Worker(source, { eval: true, workerData: { file: filename } })
      } catch (error) {
        fail(`no worker thread (${firstLine(error)})`)
        return undefined
      }
      started.unref()
      started.on("exit", (code) => {
        exited = true
        fail(`its thread stopped (exit code ${code})`)
      })
      started.on("message", (error: string) => {
        running = false
        if (error !== "") return fail(error)
        done++
        if (!again || failed) return settle()
        again = false
        post()
      })
      started.on("error", (error) => fail(firstLine(error)))
      return started
    }
    const post = () => {
      const started = worker ??= start()
      if (started === undefined) return
      running = true
      started.postMessage("checkpoint")
    }

    const checkpoints: Checkpoints = {
      committed: () => {
        if (failed) return
        if (running) again = true
        else post()
      },
      settled: Effect.suspend(() => {
        if (!running || failed) return Effect.void
        const deferred = Deferred.makeUnsafe<void>()
        waiting.push(deferred)
        return Deferred.await(deferred)
      }),
      done: () => done
    }
    return checkpoints
  })
