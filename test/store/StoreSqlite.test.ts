import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, Logger } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { DatabaseSync } from "node:sqlite"
import { Store } from "../../src/store/Store.js"
import * as StorePostgres from "../../src/store/StorePostgres.js"
import * as StoreSqlite from "../../src/store/StoreSqlite.js"
import { schemaVersion } from "../../src/store/StoreSql.js"
const version = "0.1.0"
import { temporaryFolders } from "../support/folders.js"
import { write } from "./contract.js"
import { freePort } from "../support/RedisServer.js"

const freshFolder = temporaryFolders("hubbub-sqlite-")

/** The one line a store that cannot start fails with. */
const failure = (layer: Layer.Layer<Store, unknown>) =>
  Effect.gen(function*() {
    const exit = yield* Effect.exit(Effect.provide(Effect.asVoid(Store), layer))
    assert.isTrue(Exit.isFailure(exit))
    const error = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
    return String((error as { error?: { message?: string } } | undefined)?.error?.message)
  })

describe("StoreSqlite", () => {
  it.effect("creates its data folder, and keeps what it was given after it is closed and opened again", () =>
    Effect.gen(function*() {
      const dataDir = Path.join(freshFolder(), "nested", "folder")
      yield* Effect.gen(function*() {
        const store = yield* Store
        yield* write(store, [{ _tag: "Line", room: "#a", at: 1, from: "ann", text: "kept", action: false }])
        yield* write(store, [{ _tag: "Topic", room: "#a", topic: "still here", at: 2 }])
        yield* store.createAccount({ name: "ann", password: "h", created: 3 })
      }).pipe(Effect.provide(StoreSqlite.layer(dataDir, "0.1.0")))
      assert.isTrue(Fs.existsSync(StoreSqlite.databaseFile(dataDir)))
      // A new database is made of SQLite's largest pages: a history row is tens of KiB.
      const made = new DatabaseSync(StoreSqlite.databaseFile(dataDir), { readOnly: true })
      assert.strictEqual(made.prepare("PRAGMA page_size").get()?.page_size, 65536)
      made.close()
      yield* Effect.gen(function*() {
        const store = yield* Store
        assert.deepStrictEqual(yield* store.room("#A", 10), { topic: "still here", history: [{ at: 1, from: "ann", text: "kept" }] })
        assert.deepStrictEqual(yield* store.accountNames, ["ann"])
      }).pipe(Effect.provide(StoreSqlite.layer(dataDir, "0.1.0")))
    }))

  it.effect("writes a busy room's lines in rows of 1,000 however the write is sliced, rooms interleaved", () =>
    Effect.gen(function*() {
      const dataDir = freshFolder()
      const lines = Array.from({ length: 6_000 }, (_, i) => ({ _tag: "Line" as const, room: ["#a", "#b", "#c"][i % 3]!, at: i, from: "ann", text: `m${i}`, action: false }))
      yield* Effect.gen(function*() {
        const store = yield* Store
        yield* write(store, lines)
        assert.deepStrictEqual((yield* store.room("#a", 3_000)).history.map((entry) => entry.text), lines.filter((l) => l.room === "#a").map((l) => l.text))
      }).pipe(Effect.provide(StoreSqlite.layer(dataDir, "0.1.0")))
      const db = new DatabaseSync(StoreSqlite.databaseFile(dataDir), { readOnly: true })
      const rows = db.prepare("SELECT room, count FROM history_batches ORDER BY id").all()
      db.close()
      assert.deepStrictEqual(rows.map((row) => row.count), [1000, 1000, 1000, 1000, 1000, 1000])
    }))

  it.effect("refuses a second store on a folder in use, and lets it have the folder once the first is gone", () =>
    Effect.gen(function*() {
      const dataDir = freshFolder()
      yield* Effect.gen(function*() {
        yield* Store
        const message = yield* failure(StoreSqlite.layer(dataDir, "0.1.0"))
        assert.strictEqual(message, `the data folder ${dataDir} is in use by another hubbub (one server per folder; give this one its own --data-dir)`)
      }).pipe(Effect.provide(StoreSqlite.layer(dataDir, "0.1.0")))
      yield* Effect.provide(Effect.asVoid(Store), StoreSqlite.layer(dataDir, "0.1.0"))
    }))

  it.effect("refuses a file that is not a database, and leaves it as it was", () =>
    Effect.gen(function*() {
      const dataDir = freshFolder()
      Fs.mkdirSync(dataDir, { recursive: true })
      const file = StoreSqlite.databaseFile(dataDir)
      const garbage = "this is not a database\n".repeat(500)
      Fs.writeFileSync(file, garbage)
      const message = yield* failure(StoreSqlite.layer(dataDir, "0.1.0"))
      assert.strictEqual(message, `cannot read the database ${file}: file is not a database (restore it from a backup, or move it away to start afresh)`)
      assert.strictEqual(Fs.readFileSync(file, "utf8"), garbage)
    }))

  it.effect("refuses a database a newer hubbub wrote, naming both versions", () =>
    Effect.gen(function*() {
      const dataDir = freshFolder()
      yield* Effect.provide(Effect.asVoid(Store), StoreSqlite.layer(dataDir, "0.1.0"))
      const file = StoreSqlite.databaseFile(dataDir)
      const db = new DatabaseSync(file)
      db.exec(`INSERT INTO hubbub_migrations (migration_id, name) VALUES (${schemaVersion + 1}, 'from_the_future');
        UPDATE hubbub_meta SET value = '9.0.0' WHERE key = 'written_by'`)
      db.close()
      const message = yield* failure(StoreSqlite.layer(dataDir, "0.1.0"))
      assert.strictEqual(
        message,
        `the database ${file} was written by hubbub 9.0.0 (schema ${schemaVersion + 1}); this is hubbub ${version} (schema ${schemaVersion}): run that version or newer, or restore a backup`
      )
    }))

  it.effect("brings a database of schema 1 (a row a message) up to date, keeping its history in order", () =>
    Effect.gen(function*() {
      const dataDir = freshFolder()
      Fs.mkdirSync(dataDir, { recursive: true })
      const db = new DatabaseSync(StoreSqlite.databaseFile(dataDir))
      db.exec(`CREATE TABLE hubbub_migrations (migration_id integer PRIMARY KEY NOT NULL, created_at datetime NOT NULL DEFAULT current_timestamp, name VARCHAR(255) NOT NULL);
        INSERT INTO hubbub_migrations (migration_id, name) VALUES (1, '1_accounts_topics_history');
        CREATE TABLE hubbub_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO hubbub_meta VALUES ('written_by', '0.1.0');
        CREATE TABLE accounts (key TEXT PRIMARY KEY, name TEXT NOT NULL, password TEXT NOT NULL, created BIGINT NOT NULL);
        CREATE TABLE topics (room TEXT PRIMARY KEY, topic TEXT NOT NULL, at BIGINT NOT NULL);
        CREATE TABLE history (id INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, at BIGINT NOT NULL, sender TEXT NOT NULL, text TEXT NOT NULL, action INTEGER NOT NULL);
        INSERT INTO topics VALUES ('#a', 'kept topic', 1)`)
      const insert = db.prepare("INSERT INTO history (room, at, sender, text, action) VALUES (?, ?, ?, ?, ?)")
      db.exec("BEGIN")
      for (let i = 0; i < 12_345; i++) insert.run(i % 10 === 0 ? "#b" : "#a", i, "ann", `line ${i}`, i % 7 === 0 ? 1 : 0)
      db.exec("COMMIT")
      db.close()

      const record = yield* Effect.provide(
        Effect.gen(function*() {
          const store = yield* Store
          return yield* Effect.all([store.room("#A", 20_000), store.room("#b", 3)])
        }),
        StoreSqlite.layer(dataDir, "0.2.0")
      )
      const a = Array.from({ length: 12_345 }, (_, i) => i).filter((i) => i % 10 !== 0)
      assert.strictEqual(record[0].topic, "kept topic")
      assert.deepStrictEqual(record[0].history.map((entry) => entry.text), a.map((i) => `line ${i}`))
      assert.deepStrictEqual(record[0].history[0], { at: 1, from: "ann", text: "line 1" })
      assert.deepStrictEqual(record[1].history.map((entry) => [entry.text, entry.action]), [["line 12320", true], ["line 12330", undefined], ["line 12340", undefined]])
      assert.deepStrictEqual(record[0].history.find((entry) => entry.text === "line 7"), { at: 7, from: "ann", text: "line 7", action: true })
      const after = new DatabaseSync(StoreSqlite.databaseFile(dataDir), { readOnly: true })
      const tables = after.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'history%'").all().map((row) => row.name)
      const migrated = after.prepare("SELECT max(migration_id) AS id FROM hubbub_migrations").get()
      const pages = after.prepare("PRAGMA page_size").get()?.page_size
      after.close()
      assert.deepStrictEqual(tables, ["history_batches"])
      assert.strictEqual(migrated?.id, schemaVersion)
      // A database made before keeps its pages.
      assert.strictEqual(pages, 4096)
    }))

  it.effect("leaves out a history row that is not as hubbub writes them, with one warning, and never crashes", () =>
    Effect.gen(function*() {
      const dataDir = freshFolder()
      const file = StoreSqlite.databaseFile(dataDir)
      const line = (at: number, text: string) => ({ _tag: "Line", room: "#a", at, from: "ann", text, action: false }) as const
      yield* Effect.provide(
        Effect.gen(function*() {
          const store = yield* Store
          yield* write(store, [line(1, "spoiled")])
          yield* write(store, [line(2, "kept")])
        }),
        StoreSqlite.layer(dataDir, version)
      )
      const db = new DatabaseSync(file)
      db.exec(`UPDATE history_batches SET lines = '[[1],["ann"]]' WHERE id = (SELECT min(id) FROM history_batches)`)
      db.close()
      const logged: Array<string> = []
      const logger = Logger.make(({ message }) => logged.push(String(Array.isArray(message) ? message.join(" ") : message)))
      const [kept, gone] = yield* Effect.provide(
        Effect.gen(function*() {
          const store = yield* Store
          return [yield* store.room("#a", 10), yield* store.prune(0)] as const
        }),
        StoreSqlite.layer(dataDir, version)
      ).pipe(Effect.provide(Logger.layer([logger])))
      assert.deepStrictEqual(kept.history, [{ at: 2, from: "ann", text: "kept" }])
      assert.strictEqual(gone, 0)
      assert.include(logged, `the database ${file} has 1 row(s) of history_batches that are not as hubbub writes them: left out`)
    }))

  it.effect("a folder it cannot create is one line", () =>
    Effect.gen(function*() {
      const blocker = Path.join(freshFolder(), "file")
      Fs.mkdirSync(Path.dirname(blocker), { recursive: true })
      Fs.writeFileSync(blocker, "")
      const message = yield* failure(StoreSqlite.layer(Path.join(blocker, "data"), "0.1.0"))
      assert.match(message, /^cannot read the database .*: cannot create the data folder: ENOTDIR/)
    }))
})

describe("StorePostgres", () => {
  it.effect("a Postgres that does not answer is one line, without the URL's password", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(freePort)
      const message = yield* failure(StorePostgres.layer(`postgres://hubbub:secret-pw@127.0.0.1:${port}/chat`, "0.1.0"))
      assert.match(message, new RegExp(`^cannot reach the database postgres://hubbub:\\*\\*\\*@127\\.0\\.0\\.1:${port}/chat: `))
      assert.notInclude(message, "secret-pw")
    }))
})
