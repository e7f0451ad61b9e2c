import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { DatabaseSync } from "node:sqlite"
import { Store } from "../../src/store/Store.js"
import * as StorePostgres from "../../src/store/StorePostgres.js"
import * as StoreSqlite from "../../src/store/StoreSqlite.js"
import { schemaVersion } from "../../src/store/StoreSql.js"
const version = "0.1.0"
import { temporaryFolders } from "../support/folders.js"
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
        yield* store.write([{ _tag: "Line", line: { room: "#a", at: 1, from: "ann", text: "kept" } as never }])
        yield* store.write([{ _tag: "Topic", room: "#a", topic: "still here", at: 2 }])
        yield* store.createAccount({ name: "ann", password: "h", created: 3 })
      }).pipe(Effect.provide(StoreSqlite.layer(dataDir, "0.1.0")))
      assert.isTrue(Fs.existsSync(StoreSqlite.databaseFile(dataDir)))
      yield* Effect.gen(function*() {
        const store = yield* Store
        assert.deepStrictEqual(yield* store.room("#A", 10), { topic: "still here", history: [{ at: 1, from: "ann", text: "kept" }] })
        assert.deepStrictEqual(yield* store.accountNames, ["ann"])
      }).pipe(Effect.provide(StoreSqlite.layer(dataDir, "0.1.0")))
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
