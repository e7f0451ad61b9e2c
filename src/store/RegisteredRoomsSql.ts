import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { Registration } from "../protocol/Modes.js"
import { type Store, type StoreError, storeKey } from "./Store.js"

/** The schema step that keeps registered rooms (`StoreSql`'s migration 4): a row a room, its settings as JSON. */
export const migration = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE registered_rooms (key TEXT PRIMARY KEY, founder_key TEXT NOT NULL, settings TEXT NOT NULL)`
})

const decode = Schema.decodeUnknownOption(Schema.fromJsonString(Registration))

/** The registered rooms' part of a SQL store; `failure` makes a `SqlError` the store's error for an operation. */
export const registeredRooms = (
  sql: SqlClient.SqlClient,
  failure: (operation: string) => <A, R>(effect: Effect.Effect<A, SqlError, R>) => Effect.Effect<A, StoreError, R>
): Pick<Store["Service"], "registeredRooms" | "registerRoom" | "saveRoom" | "dropRoom"> => ({
  registeredRooms: Effect.gen(function*() {
    const rows = yield* sql<{ key: string; settings: string }>`SELECT key, settings FROM registered_rooms ORDER BY key`
    const out = []
    for (const row of rows) {
      const registration = decode(row.settings)
      if (registration._tag === "Some") out.push(registration.value)
      else yield* Effect.logWarning(`the registered room ${row.key} is unreadable in the store: left out`)
    }
    return out
  }).pipe(failure("read the registered rooms")),
  registerRoom: (registration) =>
    sql<{ key: string }>`INSERT INTO registered_rooms (key, founder_key, settings)
      VALUES (${storeKey(registration.room)}, ${storeKey(registration.founder)}, ${JSON.stringify(registration)})
      ON CONFLICT (key) DO NOTHING RETURNING key`.pipe(
      Effect.map((rows) => rows.length === 1),
      failure("register a room")
    ),
  saveRoom: (registration) =>
    sql<{ key: string }>`UPDATE registered_rooms SET founder_key = ${storeKey(registration.founder)}, settings = ${JSON.stringify(registration)}
      WHERE key = ${storeKey(registration.room)} RETURNING key`.pipe(
      Effect.map((rows) => rows.length === 1),
      failure("keep a registered room")
    ),
  dropRoom: (room) =>
    sql<{ key: string }>`DELETE FROM registered_rooms WHERE key = ${storeKey(room)} RETURNING key`.pipe(
      Effect.map((rows) => rows.length === 1),
      failure("drop a registered room")
    )
})
