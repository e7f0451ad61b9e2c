/**
 * An Effect `SqlClient` over Node's built-in `node:sqlite`.
 *
 * This module stands in for a missing package: Effect's own SQLite driver for
 * Node (`@effect/sql-sqlite-node`) exists only as a 4.0 beta, which imports
 * module paths that Effect 4.1 renamed and so does not load. Effect 4.1 keeps
 * what a driver is built of (`SqlClient.make`, `makeSqliteAcquirers`,
 * `makeCompilerSqlite`, `classifySqliteError`); this is the little left to
 * write: one connection, its prepared statements cached, shared through a
 * semaphore. Replace it with the package once a 4.1 release of it exists.
 *
 * `node:sqlite` is synchronous: a statement runs on the event loop. hubbub's
 * statements are small (a few history rows, one account), and none is on a
 * message's way; commits do not wait for the disk (`synchronous = NORMAL`,
 * safe in WAL mode: a power failure may lose the last commits, never the
 * database), and checkpoints, which do, run in a worker thread
 * (`SqliteCheckpoints`), so no commit holds the loop for a flush.
 */
import * as Effect from "effect/Effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import type * as Scope from "effect/Scope"
import * as Semaphore from "effect/Semaphore"
import * as Stream from "effect/Stream"
import * as SqlClient from "effect/sql/SqlClient"
import type { Connection } from "effect/sql/SqlConnection"
import { classifySqliteError, SqlError } from "effect/sql/SqlError"
import * as Statement from "effect/sql/Statement"
import { DatabaseSync, type StatementSync } from "node:sqlite"
import * as SqliteCheckpoints from "./SqliteCheckpoints.js"

/** SQLite's own errors carry `errcode`; Effect's classifier reads `errno`. */
const classify = (cause: unknown, operation: string) => {
  const errcode = (cause as { errcode?: unknown } | null)?.errcode
  const classified = typeof errcode === "number"
    ? { cause, errno: errcode, code: (cause as { code?: unknown }).code, message: (cause as { message?: unknown }).message }
    : cause
  return new SqlError({ reason: classifySqliteError(classified, { message: `SQLite failed to ${operation}`, operation }) })
}

/**
 * Opens `filename` (WAL mode) for the scope, and makes a `SqlClient` of it.
 * `db` is the open database, for what SQL cannot say (`isTransaction`).
 */
export const make = (
  filename: string
): Effect.Effect<SqlClient.SqlClient, SqlError, Scope.Scope | Reactivity.Reactivity> =>
  Effect.gen(function*() {
    const db = yield* Effect.acquireRelease(
      Effect.try({ try: () => new DatabaseSync(filename, { timeout: 0 }), catch: (cause) => classify(cause, "open the file") }),
      (db) => Effect.sync(() => db.isOpen && db.close())
    )
    // A new database gets pages of 64 KiB (SQLite's largest; an existing one keeps its own): a history row is
    // tens of KiB, and a half second's rows took 21 to 27 ms to write in pages of 4 KiB (38 to 49 at most), 14
    // to 17 in these (19 at most), checkpoints included.
    yield* Effect.try({
      try: () => db.exec("PRAGMA page_size = 65536; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL"),
      catch: (cause) => classify(cause, "read the file")
    })
    const checkpoints = yield* SqliteCheckpoints.make(db, filename)

    // Rows changed since the last commit: a checkpoint is asked for only when there is something to copy.
    let changed = false
    const prepared = new Map<string, StatementSync>()
    const prepare = (sql: string) =>
      Effect.try({
        try: () => {
          let statement = prepared.get(sql)
          if (statement === undefined) {
            statement = db.prepare(sql)
            // hubbub's statements are a few dozen texts: kept for the database's life.
            if (prepared.size < 200) prepared.set(sql, statement)
          }
          return statement
        },
        catch: (cause) => classify(cause, "prepare a statement")
      })

    const run = (statement: StatementSync, params: ReadonlyArray<unknown>, arrays: boolean) =>
      Effect.try({
        try: (): ReadonlyArray<any> => {
          statement.setReturnArrays(arrays)
          let rows: ReadonlyArray<any> = []
          if (statement.columns().length > 0) {
            rows = statement.all(...(params as Array<any>))
            // A write's columns are its RETURNING: a row for each row it changed.
            if (rows.length > 0 && !reads.test(statement.sourceSQL)) changed = true
          } else if (Number(statement.run(...(params as Array<any>)).changes) > 0) changed = true
          // Out of a transaction after a change: it, or the transaction it was in, is committed.
          if (changed && !db.isTransaction) {
            changed = false
            checkpoints.committed()
          }
          return rows
        },
        catch: (cause) => classify(cause, "run a statement")
      })

    const connection: Connection = {
      execute: (sql, params, transform) =>
        Effect.flatMap(prepare(sql), (statement) => Effect.map(run(statement, params, false), transform ?? ((rows) => rows))),
      executeRaw: (sql, params) => Effect.flatMap(prepare(sql), (statement) => run(statement, params, false)),
      executeValues: (sql, params) => Effect.flatMap(prepare(sql), (statement) => run(statement, params, true)),
      executeValuesUnprepared: (sql, params) =>
        Effect.flatMap(
          Effect.try({ try: () => db.prepare(sql), catch: (cause) => classify(cause, "prepare a statement") }),
          (statement) => run(statement, params, true)
        ),
      executeUnprepared: (sql, params, transform) =>
        Effect.flatMap(
          Effect.try({ try: () => db.prepare(sql), catch: (cause) => classify(cause, "prepare a statement") }),
          (statement) => Effect.map(run(statement, params ?? [], false), transform ?? ((rows) => rows))
        ),
      executeStream: () => Stream.die("hubbub's SQLite client does not stream")
    }

    const acquirers = SqlClient.makeSqliteAcquirers({
      connection: Effect.succeed(connection),
      semaphore: yield* Semaphore.make(1),
      isTransaction: () => db.isTransaction
    })
    return yield* SqlClient.make({
      ...acquirers,
      compiler: Statement.makeCompilerSqlite(),
      driver: "node:sqlite",
      spanAttributes: [["db.system.name", "sqlite"]]
    })
  })

/** Statements that never write. */
const reads = /^\s*(SELECT|PRAGMA)\b/i

/** The client of {@link make}, with the `Reactivity` it needs. */
export const scoped = (filename: string) => make(filename).pipe(Effect.provide(Reactivity.layer))
