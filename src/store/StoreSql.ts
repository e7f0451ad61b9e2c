import * as Effect from "effect/Effect"
import * as Migrator from "effect/sql/Migrator"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { HistoryRows, linesPerSlice } from "./HistorySql.js"
import * as History from "./HistorySql.js"
import { PendingWrites } from "./PendingWrites.js"
import * as RegisteredRooms from "./RegisteredRoomsSql.js"
import * as ServerBans from "./ServerBansSql.js"
import { nextTurn } from "../internal/NextTurn.js"
import { Failed, NewerSchema, Store, StoreError, storeKey, Unreachable, WriteKind } from "./Store.js"

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
  }),
  "2_history_in_batches": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.onDialectOrElse({
      pg: () => sql`CREATE TABLE history_batches (id BIGSERIAL PRIMARY KEY, room TEXT NOT NULL, first_at BIGINT NOT NULL, last_at BIGINT NOT NULL, count INTEGER NOT NULL, lines TEXT NOT NULL)`,
      orElse: () => sql`CREATE TABLE history_batches (id INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, first_at BIGINT NOT NULL, last_at BIGINT NOT NULL, count INTEGER NOT NULL, lines TEXT NOT NULL)`
    })
    yield* sql`CREATE INDEX history_batches_room ON history_batches (room, id)`
    yield* sql`CREATE INDEX history_batches_last_at ON history_batches (last_at)`
    yield* sql`CREATE INDEX history_batches_first_at ON history_batches (first_at)`
    // Schema 1's rows, a page at a time, in their order.
    let after = 0
    while (true) {
      const rows = yield* sql<{ id: unknown; room: string; at: unknown; sender: string; text: string; action: unknown }>`
        SELECT id, room, at, sender, text, action FROM history WHERE id > ${after} ORDER BY id LIMIT 10000`
      if (rows.length === 0) break
      after = Number(rows[rows.length - 1]!.id)
      const lines = PendingWrites.of(rows.map((row) => ({
        _tag: "Line",
        room: row.room,
        at: Number(row.at),
        from: row.sender,
        text: row.text,
        action: Number(row.action) === 1
      }) as const))
      const batches = new HistoryRows()
      for (const part of lines.parts) for (let i = 0; i < part.length; i++) batches.add(part, i)
      yield* batches.insert(sql)
    }
    yield* sql`DROP TABLE history`
  }),
  "3_server_bans": ServerBans.migration,
  "4_registered_rooms": RegisteredRooms.migration,
  // Who set a topic (its time is `at`): IRC's 333. Topics kept before have none.
  "5_topic_setter": Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`ALTER TABLE topics ADD COLUMN setter TEXT`
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
    const history = History.history(sql, where, failure)

    const writeTopic = (room: string, topic: string | undefined, at: number, by: string | undefined) =>
      topic === undefined
        ? sql`DELETE FROM topics WHERE room = ${storeKey(room)}`
        : sql`INSERT INTO topics (room, topic, at, setter) VALUES (${storeKey(room)}, ${topic}, ${at}, ${by === undefined || by === "" ? null : by})
            ON CONFLICT (room) DO UPDATE SET topic = excluded.topic, at = excluded.at, setter = excluded.setter`

    const store: Store["Service"] = {
      describe: where,
      shared,
      write: (writes) =>
        sql.withTransaction(Effect.gen(function*() {
          // Runs of lines go in together; a topic between them keeps its place. A slice of lines at a
          // time, each after the first in a later turn of the event loop (`linesPerSlice` says why).
          const rows = new HistoryRows()
          let slice = 0
          for (const part of writes.parts) {
            for (let i = 0; i < part.length; i++) {
              if (part.kind(i) !== WriteKind.topic) {
                rows.add(part, i)
                if (++slice < linesPerSlice) continue
                yield* rows.insertFull(sql)
                yield* nextTurn
                slice = 0
                continue
              }
              yield* rows.insert(sql)
              yield* writeTopic(part.room(i), part.text(i), part.at(i), part.from(i))
            }
          }
          yield* rows.insert(sql)
        })).pipe(failure("write")),
      room: (room, limit) =>
        Effect.gen(function*() {
          const key = storeKey(room)
          const [topic] = yield* sql<{ topic: string; setter: string | null; at: unknown }>`SELECT topic, setter, at FROM topics WHERE room = ${key}`
          const setter = topic?.setter === undefined || topic.setter === null ? {} : { topicSetter: { by: topic.setter, at: Number(topic.at) } }
          return { topic: topic?.topic, ...setter, history: yield* history.last(room, limit) }
        }).pipe(Effect.catchTag("SqlError", (error) => Effect.fail(storeFailure(where, "read a room")(error)))),
      lines: history.lines,
      prune: (before) => history.prune(before).pipe(Effect.catchTag("SqlError", (error) => Effect.fail(storeFailure(where, "forget old history")(error)))),
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
      ping: sql`SELECT 1`.pipe(Effect.asVoid, failure("answer")),
      accountNames: sql<{ name: string }>`SELECT name FROM accounts`.pipe(
        Effect.map((rows) => rows.map((row) => row.name)),
        failure("list the accounts")
      ),
      ...ServerBans.serverBans(sql, failure),
      ...RegisteredRooms.registeredRooms(sql, failure)
    }
    return store
  })
