import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { DatabaseSync } from "node:sqlite"
import * as SqliteClient from "./SqliteClient.js"
import { Locked, Store, StoreError, Unreadable } from "./Store.js"
import * as StoreSql from "./StoreSql.js"

/** The database's file in a data folder. */
export const databaseFile = (dataDir: string) => Path.join(dataDir, "hubbub.db")

/**
 * Holds the data folder for the scope: one server per folder, never two
 * writers. An exclusive SQLite lock on a file of its own, which the system
 * lets go of when the process ends, however it ends (a `kill -9` leaves no
 * stale lock behind).
 */
const lockFolder = (dataDir: string) =>
  Effect.acquireRelease(
    Effect.try({
      try: () => {
        const lock = new DatabaseSync(Path.join(dataDir, "hubbub.lock"), { timeout: 0 })
        try {
          lock.exec("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE")
        } catch (error) {
          lock.close()
          throw error
        }
        return lock
      },
      catch: (error) =>
        new StoreError({
          where: dataDir,
          reason: (error as { errcode?: number }).errcode === 5
            ? new Locked({ path: dataDir })
            : new Unreadable({ detail: `cannot lock it: ${firstLine(error)}` })
        })
    }),
    (lock) => Effect.sync(() => lock.close())
  )

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split("\n")[0]!

/** What SQLite said when it opened the file, as the store's error: a file that is not a database is unreadable, never started afresh. */
const openFailure = (file: string) => (error: SqlError) => {
  const cause = error.reason.cause as { errcode?: number; message?: string } | undefined
  return new StoreError({ where: file, reason: new Unreadable({ detail: cause?.message ?? error.reason.message ?? "unknown error" }) })
}

/**
 * A {@link Store} in `dataDir` (created on first start): one SQLite file in
 * WAL mode, through hubbub's own `SqliteClient`. Fails, in one line, when
 * the folder cannot be made, another server holds it, or the file is not a
 * database hubbub can read. `version` is the program's, written beside the schema.
 */
export const layer = (dataDir: string, version: string): Layer.Layer<Store, StoreError> =>
  Layer.effect(
    Store,
    Effect.gen(function*() {
      yield* Effect.try({
        try: () => Fs.mkdirSync(dataDir, { recursive: true }),
        catch: (error) => new StoreError({ where: dataDir, reason: new Unreadable({ detail: `cannot create the data folder: ${firstLine(error)}` }) })
      })
      yield* lockFolder(dataDir)
      const file = databaseFile(dataDir)
      const sql = yield* SqliteClient.scoped(file).pipe(Effect.mapError(openFailure(file)))
      yield* Effect.logInfo(`keeping accounts, topics and history in ${file}`)
      return yield* StoreSql.make(file, version, false).pipe(
        Effect.provideService(SqlClient.SqlClient, sql),
        // A file whose header is sound may still fail the first read: unreadable too.
        Effect.catchTag("StoreError", (error) =>
          Effect.fail(error.reason._tag === "Failed" && /not a database|malformed|corrupt/i.test(error.reason.detail)
            ? new StoreError({ where: file, reason: new Unreadable({ detail: error.reason.detail }) })
            : error))
      )
    })
  )
