import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import type { LineRange } from "../protocol/HistoryRange.js"
import { type RoomWrites, type Store, type StoreError, type StoredLine, storeKey, WriteKind, type WritesPart } from "./Store.js"
import { byTime, inRange } from "../protocol/HistoryRange.js"
import { entryOf } from "./StoreMemory.js"

/** Rows per INSERT at most: well under SQLite's and Postgres's limits on parameters. */
const rowsPerInsert = 200

/**
 * Lines a store's write takes in at a time (its full rows inserted) before the rest waits for the
 * event loop's next turn: a busy room's half second (35,000 lines, 2.5 MB) written at once held
 * chat up for 30 ms, and its texts, read out together, outlived the young generation (measured,
 * docs/architecture.md). This many take a few milliseconds.
 */
export const linesPerSlice = 2000

/** Lines a history row holds at most: what a room coming back to life parses to get its last few. */
const linesPerBatch = 1000

/** Rows read at a time when paging through a room's history for a range. */
const rowsPerPage = 8

/**
 * A history row's lines, a column a field (one `JSON.stringify` of the arrays: a tenth of the time
 * of a tuple a line); the ids since schema 5 (rows written before have none).
 */
type Packed = [ats: Array<number>, froms: Array<string>, texts: Array<string>, actions: Array<0 | 1>, ids?: Array<string>]

/**
 * History rows as lines come, in order: a row per room of at most {@link linesPerBatch} lines, so a
 * busy room's half second is a row, not thousands (measured: inserting the rows was what the store
 * cost the hub), and no array grows past a row's lines ({@link RoomWrites} says why).
 */
export class HistoryRows {
  private readonly open = new Map<string, Packed>()
  private rows: Array<readonly [room: string, packed: Packed]> = []
  // A room's lines share its name's string: its key is made once, not once a line.
  private lastName: string | undefined = undefined
  private lastKey = ""

  /** The `i`th write of `part`, a line or an action. */
  add(part: WritesPart, i: number): void {
    const name = part.room(i)
    if (name !== this.lastName) [this.lastName, this.lastKey] = [name, storeKey(name)]
    let packed = this.open.get(this.lastKey)
    if (packed === undefined) this.open.set(this.lastKey, packed = [[], [], [], [], []])
    packed[0].push(part.at(i))
    packed[1].push(part.from(i))
    packed[2].push(part.peekText(i)!)
    packed[3].push(part.kind(i) === WriteKind.action ? 1 : 0)
    packed[4]!.push(part.peekId(i))
    if (packed[0].length < linesPerBatch) return
    this.rows.push([this.lastKey, packed])
    this.open.delete(this.lastKey)
  }

  /** Inserts the rows made so far (a room's in order), and starts afresh. */
  insert(sql: SqlClient.SqlClient): Effect.Effect<void, SqlError> {
    for (const entry of this.open) this.rows.push(entry)
    this.open.clear()
    return this.insertFull(sql)
  }

  /** Inserts the rows that are full; a room's lines since go on into its open row. */
  insertFull(sql: SqlClient.SqlClient): Effect.Effect<void, SqlError> {
    const rows = this.rows
    this.rows = []
    return Effect.forEach(chunks(rows.map(([room, packed]) => row(room, packed)), rowsPerInsert), (chunk) =>
      sql`INSERT INTO history_batches ${sql.insert(chunk)}`, { discard: true })
  }
}

type Row = {
  readonly room: string
  readonly first_at: number
  readonly last_at: number
  readonly count: number
  readonly lines: string
}

const row = (room: string, packed: Packed): Row => {
  // The earliest and the latest (a clock may step back): what pruning goes by.
  let [first, last] = [packed[0][0]!, packed[0][0]!]
  for (const at of packed[0]) [first, last] = [Math.min(first, at), Math.max(last, at)]
  return { room, first_at: first, last_at: last, count: packed[0].length, lines: JSON.stringify(packed) }
}

const columns = [
  Schema.Array(Schema.Number),
  Schema.Array(Schema.String),
  Schema.Array(Schema.String),
  Schema.Array(Schema.Literals([0, 1]))
] as const
const PackedLines = Schema.fromJsonString(Schema.Union([Schema.Tuple([...columns, Schema.Array(Schema.String)]), Schema.Tuple(columns)]))

/** A history row's lines, or `undefined` for a row that is not as hubbub writes them (edited by hand?): left out, never a crash. */
const unpack = (lines: string): Effect.Effect<Packed | undefined> =>
  Schema.decodeUnknownEffect(PackedLines)(lines).pipe(
    Effect.map((packed) => packed.every((column) => column.length === packed[0].length) ? packed as unknown as Packed : undefined),
    Effect.orElseSucceed(() => undefined)
  )

/** One warning for the rows a read or a prune left out. */
const leftOut = (where: string, rows: number) =>
  rows === 0 ? Effect.void : Effect.logWarning(`the database ${where} has ${rows} row(s) of history_batches that are not as hubbub writes them: left out`)

const storedLines = (room: string, [ats, froms, texts, actions, ids]: Packed): Array<StoredLine> =>
  ats.map((at, i) => {
    const line = { room, at, from: froms[i]!, text: texts[i]!, action: actions[i] === 1 }
    const id = ids?.[i]
    return id === undefined || id === "" ? line : { ...line, id }
  })

/** The history's part of a SQL store; `failure` makes a `SqlError` the store's error for an operation. */
export const history = (
  sql: SqlClient.SqlClient,
  where: string,
  failure: (operation: string) => <A, R>(effect: Effect.Effect<A, SqlError, R>) => Effect.Effect<A, StoreError, R>
) => {
  /** The lines of rows, in the order given; rows not as hubbub writes them left out (logged). */
  const linesOf = (room: string, rows: ReadonlyArray<{ lines: string }>) =>
    Effect.gen(function*() {
      const packed = yield* Effect.forEach(rows, (row) => unpack(row.lines))
      yield* leftOut(where, packed.filter((row) => row === undefined).length)
      return packed.flatMap((row) => row === undefined ? [] : storedLines(room, row))
    })

  /** A room's last `limit` lines: the fewest newest rows that hold them, then only those rows' lines. */
  const last = (room: string, limit: number) =>
    Effect.gen(function*() {
      const key = storeKey(room)
      if (limit <= 0) return []
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
      return (yield* linesOf(room, rows)).slice(-limit).map(entryOf)
    })

  /** The rows that may hold lines of `range`, a page at a time from the end it wants, until they hold `limit` lines in it. */
  const lines = (room: string, range: LineRange) =>
    Effect.gen(function*() {
      const key = storeKey(room)
      const found: Array<Array<StoredLine>> = []
      let held = 0
      let edge: number | undefined = undefined
      while (held < range.limit) {
        const rows: ReadonlyArray<{ id: unknown; lines: string }> = range.newest
          ? yield* sql<{ id: unknown; lines: string }>`
            SELECT id, lines FROM history_batches WHERE room = ${key} AND last_at >= ${range.from} AND first_at <= ${range.to}
            AND id < ${edge ?? Number.MAX_SAFE_INTEGER} ORDER BY id DESC LIMIT ${rowsPerPage}`
          : yield* sql<{ id: unknown; lines: string }>`
            SELECT id, lines FROM history_batches WHERE room = ${key} AND last_at >= ${range.from} AND first_at <= ${range.to}
            AND id > ${edge ?? 0} ORDER BY id ASC LIMIT ${rowsPerPage}`
        if (rows.length === 0) break
        edge = Number(rows[rows.length - 1]!.id)
        for (const row of rows) {
          const taken = inRange(yield* linesOf(room, [row]), { ...range, limit: Number.MAX_SAFE_INTEGER })
          held += taken.length
          found.push(taken)
        }
      }
      if (range.newest) found.reverse()
      // Rows of servers sharing the store overlap in time: in time order before they are cut.
      return inRange(byTime(found.flat()), range).map(entryOf)
    })

  const prune = (before: number) =>
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
        const keep = packed[0].flatMap((at, i) => at >= before ? [i] : [])
        gone += packed[0].length - keep.length
        const kept = packed.map((column) => keep.map((i) => column![i]!)) as Packed
        yield* sql`UPDATE history_batches SET first_at = ${Math.min(...kept[0])}, count = ${kept[0].length}, lines = ${JSON.stringify(kept)}
          WHERE id = ${Number(row.id)}`
      }
      yield* leftOut(where, unreadable)
      return gone
    }))

  const part: Pick<Store["Service"], "lines"> & { readonly last: typeof last; readonly prune: typeof prune } = {
    last,
    prune,
    lines: (room, range) => lines(room, range).pipe(failure("read a room's history"))
  }
  return part
}

const chunks = <A>(items: Array<A>, size: number): Array<[A, ...Array<A>]> => {
  const out: Array<[A, ...Array<A>]> = []
  for (let i = 0; i < items.length; i += size) out.push([items[i]!, ...items.slice(i + 1, i + size)])
  return out
}
