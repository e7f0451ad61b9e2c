import * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import * as Migrator from "effect/sql/Migrator"
import * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { PendingWrites } from "./PendingWrites.js"
import * as RegisteredRooms from "./RegisteredRoomsSql.js"
import * as ServerBans from "./ServerBansSql.js"
import { Failed, NewerSchema, type RoomWrites, Store, StoreError, type StoredLine, storeKey, Unreachable, WriteKind } from "./Store.js"
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
      })))
      yield* insertBatches(sql, lines, 0, lines.length)
    }
    yield* sql`DROP TABLE history`
  }),
  "3_server_bans": ServerBans.migration,
  "4_registered_rooms": RegisteredRooms.migration
}

/** Rows per INSERT: well under SQLite's and Postgres's limits on parameters. */
const rowsPerInsert = 200

/** Lines a history row holds at most: what a room coming back to life parses to get its last few. */
const linesPerBatch = 1000

/** A history row's lines, a column a field (one `JSON.stringify` of four arrays: a tenth of the time of a tuple a line). */
type Packed = [ats: Array<number>, froms: Array<string>, texts: Array<string>, actions: Array<0 | 1>]

/**
 * Writes what `writes` holds from `start` to before `end`, all of them lines, as a row per room
 * (at most {@link linesPerBatch} lines each), in order: a busy room's half second is a row, not
 * thousands (measured: inserting the rows was what the store cost the hub).
 */
const insertBatches = (sql: SqlClient.SqlClient, writes: RoomWrites, start: number, end: number) => {
  const rooms = new Map<string, Array<number>>()
  for (let i = start; i < end; i++) {
    const key = storeKey(writes.rooms[i]!)
    let run = rooms.get(key)
    if (run === undefined) rooms.set(key, run = [])
    run.push(i)
  }
  const rows: Array<Record<string, unknown>> = []
  for (const [room, run] of rooms) {
    for (let i = 0; i < run.length; i += linesPerBatch) {
      const batch = run.slice(i, i + linesPerBatch)
      const packed: Packed = [
        batch.map((j) => writes.ats[j]!),
        batch.map((j) => writes.froms[j]!),
        batch.map((j) => writes.texts[j]!),
        batch.map((j) => writes.kinds[j] === WriteKind.action ? 1 : 0)
      ]
      // The earliest and the latest (a clock may step back): what pruning goes by.
      let [first, last] = [packed[0][0]!, packed[0][0]!]
      for (const at of packed[0]) [first, last] = [Math.min(first, at), Math.max(last, at)]
      rows.push({ room, first_at: first, last_at: last, count: batch.length, lines: JSON.stringify(packed) })
    }
  }
  return Effect.forEach(chunks(rows, rowsPerInsert), (chunk) => sql`INSERT INTO history_batches ${sql.insert(chunk)}`, { discard: true })
}

const PackedLines = Schema.fromJsonString(Schema.Tuple([
  Schema.Array(Schema.Number),
  Schema.Array(Schema.String),
  Schema.Array(Schema.String),
  Schema.Array(Schema.Literals([0, 1]))
]))

/** A history row's lines, or `undefined` for a row that is not as hubbub writes them (edited by hand?): left out, never a crash. */
const unpack = (lines: string): Effect.Effect<Packed | undefined> =>
  Schema.decodeUnknownEffect(PackedLines)(lines).pipe(
    Effect.map((packed) => packed.every((column) => column.length === packed[0].length) ? packed as unknown as Packed : undefined),
    Effect.orElseSucceed(() => undefined)
  )

/** One warning for the rows a read or a prune left out. */
const leftOut = (where: string, rows: number) =>
  rows === 0 ? Effect.void : Effect.logWarning(`the database ${where} has ${rows} row(s) of history_batches that are not as hubbub writes them: left out`)

const storedLines = (room: string, [ats, froms, texts, actions]: Packed): Array<StoredLine> =>
  ats.map((at, i) => ({ room, at, from: froms[i]!, text: texts[i]!, action: actions[i] === 1 }))

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

    const writeTopic = (room: string, topic: string | undefined, at: number) =>
      topic === undefined
        ? sql`DELETE FROM topics WHERE room = ${storeKey(room)}`
        : sql`INSERT INTO topics (room, topic, at) VALUES (${storeKey(room)}, ${topic}, ${at})
            ON CONFLICT (room) DO UPDATE SET topic = excluded.topic, at = excluded.at`

    const store: Store["Service"] = {
      describe: where,
      shared,
      write: (writes) =>
        sql.withTransaction(Effect.gen(function*() {
          // Runs of lines go in together; a topic between them keeps its place.
          let run = 0
          for (let i = 0; i < writes.kinds.length; i++) {
            if (writes.kinds[i] !== WriteKind.topic) continue
            if (run < i) yield* insertBatches(sql, writes, run, i)
            run = i + 1
            yield* writeTopic(writes.rooms[i]!, writes.texts[i], writes.ats[i]!)
          }
          if (run < writes.kinds.length) yield* insertBatches(sql, writes, run, writes.kinds.length)
        })).pipe(failure("write")),
      room: (room, limit) =>
        Effect.gen(function*() {
          const key = storeKey(room)
          const [topic] = yield* sql<{ topic: string }>`SELECT topic FROM topics WHERE room = ${key}`
          if (limit <= 0) return { topic: topic?.topic, history: [] }
          // The fewest newest rows that hold `limit` lines, then only those rows' lines.
          const counts = yield* sql<{ id: unknown; count: unknown }>`
            SELECT id, count FROM history_batches WHERE room = ${key} ORDER BY id DESC LIMIT ${limit}`
          let held = 0
          let from = 0
          for (const row of counts) {
            from = Number(row.id)
            held += Number(row.count)
            if (held >= limit) break
          }
          const rows = counts.length === 0 ? [] : yield* sql<{ lines: string }>`
            SELECT lines FROM history_batches WHERE room = ${key} AND id >= ${from} ORDER BY id`
          const packed = yield* Effect.forEach(rows, (row) => unpack(row.lines))
          yield* leftOut(where, packed.filter((row) => row === undefined).length)
          const lines = packed.flatMap((row) => row === undefined ? [] : storedLines(room, row))
          return { topic: topic?.topic, history: lines.slice(-limit).map(entryOf) }
        }).pipe(Effect.catchTag("SqlError", (error) => Effect.fail(storeFailure(where, "read a room")(error)))),
      prune: (before) =>
        sql.withTransaction(Effect.gen(function*() {
          const [counted] = yield* sql<{ n: unknown }>`SELECT coalesce(sum(count), 0) AS n FROM history_batches WHERE last_at < ${before}`
          let gone = Number(counted?.n ?? 0)
          if (gone > 0) yield* sql`DELETE FROM history_batches WHERE last_at < ${before}`
          // A row that straddles the time (a room's half second, at most a few per room) keeps its newer lines.
          const straddling = yield* sql<{ id: unknown; lines: string }>`
            SELECT id, lines FROM history_batches WHERE first_at < ${before} ORDER BY id`
          let unreadable = 0
          for (const row of straddling) {
            const packed = yield* unpack(row.lines)
            if (packed === undefined) {
              unreadable++
              continue
            }
            const [ats, froms, texts, actions] = packed
            const keep = ats.flatMap((at, i) => at >= before ? [i] : [])
            gone += ats.length - keep.length
            const kept: Packed = [keep.map((i) => ats[i]!), keep.map((i) => froms[i]!), keep.map((i) => texts[i]!), keep.map((i) => actions[i]!)]
            yield* sql`UPDATE history_batches SET first_at = ${Math.min(...kept[0])}, count = ${kept[0].length}, lines = ${JSON.stringify(kept)}
              WHERE id = ${Number(row.id)}`
          }
          yield* leftOut(where, unreadable)
          return gone
        })).pipe(Effect.catchTag("SqlError", (error) => Effect.fail(storeFailure(where, "forget old history")(error)))),
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

const chunks = <A>(items: Array<A>, size: number): Array<Arr.NonEmptyArray<A>> => {
  const out: Array<Arr.NonEmptyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push([items[i]!, ...items.slice(i + 1, i + size)])
  return out
}
