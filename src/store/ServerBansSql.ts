import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import type { Store, StoreError } from "./Store.js"

/** The schema step that keeps server bans (`StoreSql`'s migration 3). */
export const migration = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE server_bans (mask TEXT PRIMARY KEY, reason TEXT NOT NULL, by_whom TEXT NOT NULL, at BIGINT NOT NULL, expires BIGINT)`
})

/** The server bans' part of a SQL store; `failure` makes a `SqlError` the store's error for an operation. */
export const serverBans = (
  sql: SqlClient.SqlClient,
  failure: (operation: string) => <A, R>(effect: Effect.Effect<A, SqlError, R>) => Effect.Effect<A, StoreError, R>
): Pick<Store["Service"], "serverBans" | "addServerBan" | "removeServerBan"> => ({
  serverBans: (now) =>
    Effect.gen(function*() {
      yield* sql`DELETE FROM server_bans WHERE expires IS NOT NULL AND expires <= ${now}`
      const rows = yield* sql<{ mask: string; reason: string; by_whom: string; at: unknown; expires: unknown }>`
        SELECT mask, reason, by_whom, at, expires FROM server_bans ORDER BY at, mask`
      return rows.map((row) => ({
        mask: row.mask,
        reason: row.reason,
        by: row.by_whom,
        at: Number(row.at),
        expires: row.expires === null || row.expires === undefined ? undefined : Number(row.expires)
      }))
    }).pipe(failure("read the server bans")),
  addServerBan: (ban) =>
    sql`INSERT INTO server_bans (mask, reason, by_whom, at, expires) VALUES (${ban.mask}, ${ban.reason}, ${ban.by}, ${ban.at}, ${ban.expires ?? null})
      ON CONFLICT (mask) DO UPDATE SET reason = excluded.reason, by_whom = excluded.by_whom, at = excluded.at, expires = excluded.expires`.pipe(
      Effect.asVoid,
      failure("set a server ban")
    ),
  removeServerBan: (mask) =>
    sql<{ mask: string }>`DELETE FROM server_bans WHERE mask = ${mask} RETURNING mask`.pipe(
      Effect.map((rows) => rows.length === 1),
      failure("take out a server ban")
    )
})
