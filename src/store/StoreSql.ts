import * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import * as Migrator from "effect/sql/Migrator"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { Failed, NewerSchema, type RoomWrite, Store, StoreError, storeKey, Unreachable } from "./Store.js"
import { entryOf } from "./StoreMemory.js"

/**
 * The schema, one numbered step at a time (Effect's `Migrator`). A step, once
 * released, never changes: a change is a new step.
 */
const migrations = {
  "1_accounts_topics_history": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`CREATE TABLE hubbub_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`
    yield* sql`CREATE TABLE accounts (key TEXT PRIMARY KEY, name TEXT NOT NULL, password TEXT NOT NULL, created BIGINT NOT NULL)`
    yield* sql`CREATE TABLE topics (room TEXT PRIMARY KEY, topic TEXT NOT NULL, at BIGINT NOT NULL)`
    yield* sql.onDialectOrElse({
      pg: () => sql`CREATE TABLE history (id BIGSERIAL PRIMARY KEY, room TEXT NOT NULL, at BIGINT NOT NULL, sender TEXT NOT NULL, text TEXT NOT NULL, action INTEGER NOT NULL)`,
      orElse: () => sql`CREATE TABLE history (id INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, at BIGINT NOT NULL, sender TEXT NOT NULL, text TEXT NOT NULL, action INTEGER NOT NULL)`
    })
    yield* sql`CREATE INDEX history_room ON history (room, id)`
    yield* sql`CREATE INDEX history_at ON history (at)`
  })
}

/** The newest schema this hubbub knows. */
export const schemaVersion = Object.keys(migrations).length

const migrationsTable = "hubbub_migrations"

/** A `SqlError` as one line: the database's own words, never a statement's parameters. */
const detailOf = (error: SqlError): string => {
  const cause = error.reason.cause as { message?: unknown } | undefined
  const text = typeof cause?.message === "string" && cause.message !== "" ? cause.message : error.reason.message
  return (text ?? error.reason._tag).split("\n")[0]!
}

/** A failure of `operation`, as the store's error. */
export const storeFailure = (where: string, operation: string) => (error: SqlError) =>
  new StoreError({
    where,
    reason: error.reason._tag === "ConnectionError" || error.reason._tag === "AuthenticationError"
      ? new Unreachable({ detail: detailOf(error) })
      : new Failed({ operation, detail: detailOf(error) })
  })

/**
 * Brings the schema up to date, refusing a database a newer hubbub wrote
 * (its schema is ahead of what this one knows: writing to it would lose).
 */
export const migrate = (where: string, version: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const exists = yield* sql.onDialectOrElse({
      pg: () => sql<{ found: unknown }>`SELECT to_regclass(${migrationsTable}) IS NOT NULL AS found`,
      orElse: () => sql<{ found: unknown }>`SELECT count(*) AS found FROM sqlite_master WHERE type = 'table' AND name = ${migrationsTable}`
    })
    if (exists[0] !== undefined && (exists[0].found === true || Number(exists[0].found) > 0)) {
      const [latest] = yield* sql<{ id: unknown }>`SELECT max(migration_id) AS id FROM ${sql(migrationsTable)}`
      const found = Number(latest?.id ?? 0)
      if (found > schemaVersion) {
        const [writer] = yield* sql<{ value: string }>`SELECT value FROM hubbub_meta WHERE key = 'written_by'`
        return yield* new StoreError({
          where,
          reason: new NewerSchema({ found, known: schemaVersion, writtenBy: writer?.value ?? "newer", running: version })
        })
      }
    }
    const ran = yield* Migrator.make({})({ loader: Migrator.fromRecord(migrations), table: migrationsTable })
    if (ran.length > 0) {
      yield* sql`INSERT INTO hubbub_meta (key, value) VALUES ('written_by', ${version})
        ON CONFLICT (key) DO UPDATE SET value = excluded.value`
    }
  }).pipe(
    Effect.catchTags({
      SqlError: (error) => Effect.fail(storeFailure(where, "bring its schema up to date")(error)),
      MigrationError: (error) => Effect.fail(new StoreError({ where, reason: new Failed({ operation: "bring its schema up to date", detail: error.message }) }))
    })
  )

/** Rows per INSERT (5 parameters each): well under SQLite's and Postgres's limits (1,000 measured no faster). */
const rowsPerInsert = 200

/**
 * A {@link Store} on whatever `SqlClient` is provided (SQLite or Postgres), its schema brought up to
 * date first; `version` (the program's) is written beside the schema, for the error a too-old program meets;
 * `shared` when several servers use the database.
 */
export const make = (where: string, version: string, shared: boolean) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* migrate(where, version)
    const failure = (operation: string) => Effect.mapError(storeFailure(where, operation))

    const writeTopic = (write: Extract<RoomWrite, { _tag: "Topic" }>) =>
      write.topic === undefined
        ? sql`DELETE FROM topics WHERE room = ${storeKey(write.room)}`
        : sql`INSERT INTO topics (room, topic, at) VALUES (${storeKey(write.room)}, ${write.topic}, ${write.at})
            ON CONFLICT (room) DO UPDATE SET topic = excluded.topic, at = excluded.at`
    const insertLines = (lines: Array<Extract<RoomWrite, { _tag: "Line" }>>) =>
      Effect.forEach(
        chunks(lines, rowsPerInsert),
        (chunk) =>
          sql`INSERT INTO history ${
            sql.insert(Arr.map(chunk, ({ line }): Record<string, unknown> => ({
              room: storeKey(line.room),
              at: line.at,
              sender: line.from,
              text: line.text,
              action: line.action ? 1 : 0
            })))
          }`,
        { discard: true }
      )

    const store: Store["Service"] = {
      describe: where,
      shared,
      write: (writes) =>
        sql.withTransaction(Effect.gen(function*() {
          // Runs of lines go in together; a topic between them keeps its place.
          let run: Array<Extract<RoomWrite, { _tag: "Line" }>> = []
          for (const write of writes) {
            if (write._tag === "Line") {
              run.push(write)
              continue
            }
            if (run.length > 0) yield* insertLines(run)
            run = []
            yield* writeTopic(write)
          }
          if (run.length > 0) yield* insertLines(run)
        })).pipe(failure("write")),
      room: (room, limit) =>
        Effect.gen(function*() {
          const key = storeKey(room)
          const [topic] = yield* sql<{ topic: string }>`SELECT topic FROM topics WHERE room = ${key}`
          const rows = limit > 0
            ? yield* sql<{ at: unknown; sender: string; text: string; action: unknown }>`
                SELECT at, sender, text, action FROM history WHERE room = ${key} ORDER BY id DESC LIMIT ${limit}`
            : []
          return {
            topic: topic?.topic,
            history: rows.slice().reverse().map((row) =>
              entryOf({ room, at: Number(row.at), from: row.sender, text: row.text, action: Number(row.action) === 1 })
            )
          }
        }).pipe(failure("read a room")),
      prune: (before) =>
        sql.withTransaction(Effect.gen(function*() {
          const [counted] = yield* sql<{ n: unknown }>`SELECT count(*) AS n FROM history WHERE at < ${before}`
          const gone = Number(counted?.n ?? 0)
          if (gone > 0) yield* sql`DELETE FROM history WHERE at < ${before}`
          return gone
        })).pipe(failure("forget old history")),
      createAccount: (account) =>
        sql<{ key: string }>`INSERT INTO accounts (key, name, password, created)
          VALUES (${storeKey(account.name)}, ${account.name}, ${account.password}, ${account.created})
          ON CONFLICT (key) DO NOTHING RETURNING key`.pipe(Effect.map((rows) => rows.length === 1), failure("register an account")),
      account: (name) =>
        sql<{ name: string; password: string; created: unknown }>`
          SELECT name, password, created FROM accounts WHERE key = ${storeKey(name)}`.pipe(
          Effect.map(([row]) => row === undefined ? undefined : { name: row.name, password: row.password, created: Number(row.created) }),
          failure("read an account")
        ),
      setPassword: (name, password) =>
        sql<{ key: string }>`UPDATE accounts SET password = ${password} WHERE key = ${storeKey(name)} RETURNING key`.pipe(
          Effect.map((rows) => rows.length === 1),
          failure("change a password")
        ),
      deleteAccount: (name) =>
        sql<{ key: string }>`DELETE FROM accounts WHERE key = ${storeKey(name)} RETURNING key`.pipe(
          Effect.map((rows) => rows.length === 1),
          failure("drop an account")
        ),
      accountNames: sql<{ name: string }>`SELECT name FROM accounts`.pipe(
        Effect.map((rows) => rows.map((row) => row.name)),
        failure("list the accounts")
      )
    }
    return store
  })

const chunks = <A>(items: Array<A>, size: number): Array<Arr.NonEmptyArray<A>> => {
  const out: Array<Arr.NonEmptyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push([items[i]!, ...items.slice(i + 1, i + size)])
  return out
}
