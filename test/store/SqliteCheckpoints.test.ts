import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { DatabaseSync } from "node:sqlite"
import * as SqliteCheckpoints from "../../src/store/SqliteCheckpoints.js"
import { temporaryFolders } from "../support/folders.js"

const freshFolder = temporaryFolders("hubbub-checkpoints-")

const mib = 1024 * 1024

/** `bytes` of rows committed, in one transaction. */
const writeRows = (db: DatabaseSync, bytes: number) => {
  const insert = db.prepare("INSERT INTO rows (body) VALUES (?)")
  db.exec("BEGIN")
  for (let i = 0; i < bytes / 65536; i++) insert.run("x".repeat(65536))
  db.exec("COMMIT")
}

/** A database in WAL mode with a table, closed with the scope. */
const open = (file: string) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const db = new DatabaseSync(file)
      db.exec("PRAGMA journal_mode = WAL; CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
      return db
    }),
    (db) => Effect.sync(() => db.close())
  )

const logged = () => {
  const lines: Array<string> = []
  const logger = Logger.make(({ message }) => lines.push(String(Array.isArray(message) ? message.join(" ") : message)))
  return { lines, layer: Logger.layer([logger]) }
}

describe("SqliteCheckpoints", () => {
  it.effect("leaves the writer's commits in the WAL, and copies them into the database file from a thread of its own", () =>
    Effect.gen(function*() {
      const file = Path.join(Path.dirname(freshFolder()), "hubbub.db")
      const db = yield* open(file)
      const checkpoints = yield* SqliteCheckpoints.make(db, file)
      // Past SQLite's own threshold (1,000 pages of 4 KiB): the writer would have checkpointed in its commit.
      writeRows(db, 8 * mib)
      assert.isBelow(Fs.statSync(file).size, mib, "the commit did not checkpoint")
      checkpoints.committed()
      yield* checkpoints.settled
      assert.isAbove(Fs.statSync(file).size, 8 * mib, "the worker did")
      assert.strictEqual((db.prepare("SELECT count(*) AS n FROM rows").get() as { n: number }).n, 128)
    }).pipe(Effect.scoped))

  it.effect("asked again while it works, checkpoints once more when it is done", () =>
    Effect.gen(function*() {
      const file = Path.join(Path.dirname(freshFolder()), "hubbub.db")
      const db = yield* open(file)
      const checkpoints = yield* SqliteCheckpoints.make(db, file)
      writeRows(db, 2 * mib)
      checkpoints.committed()
      writeRows(db, 2 * mib)
      checkpoints.committed()
      checkpoints.committed()
      yield* checkpoints.settled
      assert.strictEqual(checkpoints.done(), 2, "one running, the two asks since made one more")
      assert.isAbove(Fs.statSync(file).size, 4 * mib)
    }).pipe(Effect.scoped))

  it.effect("when its thread cannot open the file, the writer checkpoints by itself again, with one warning", () =>
    Effect.gen(function*() {
      const { lines, layer } = logged()
      const file = Path.join(Path.dirname(freshFolder()), "hubbub.db")
      const db = yield* open(file)
      yield* Effect.gen(function*() {
        // The thread opens a file in a folder that is not there.
        const checkpoints = yield* SqliteCheckpoints.make(db, Path.join(file, "missing", "hubbub.db"))
        checkpoints.committed()
        yield* checkpoints.settled
        checkpoints.committed()
        yield* checkpoints.settled
        assert.strictEqual(checkpoints.done(), 0)
      }).pipe(Effect.scoped, Effect.provide(layer))
      assert.strictEqual((db.prepare("PRAGMA wal_autocheckpoint").get() as { wal_autocheckpoint: number }).wal_autocheckpoint, 1024)
      assert.strictEqual(lines.length, 1)
      assert.match(lines[0]!, /^SQLite checkpoints of .*hubbub\.db run in the writer again: /)
      writeRows(db, 8 * mib)
      assert.isAbove(Fs.statSync(file).size, 4 * mib, "the writer checkpointed in its commit")
    }).pipe(Effect.scoped))
})
