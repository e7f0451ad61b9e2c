import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Reactivity from "effect/reactivity/Reactivity"
import * as SqlClient from "effect/sql/SqlClient"
import { Store, type StoreError } from "./Store.js"
import * as StoreSql from "./StoreSql.js"

/** A `postgres://` URL as the log may show it: without its password. */
export const shownUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    if (parsed.password !== "") parsed.password = "***"
    return parsed.toString()
  } catch {
    return "postgres://(not a URL)"
  }
}

/**
 * A {@link Store} in Postgres at `url` (`postgres://user:password@host:port/db`),
 * through `@effect/sql-pg`: what several servers behind Redis share. Fails,
 * in one line, when Postgres does not answer or refuses the login.
 */
export const layer = (url: string, version: string): Layer.Layer<Store, StoreError> =>
  Layer.effect(
    Store,
    Effect.gen(function*() {
      // Loaded only when asked for: a server on SQLite never needs it.
      const PgClient = yield* Effect.promise(() => import("@effect/sql-pg/PgClient"))
      const where = shownUrl(url)
      const sql = yield* PgClient.make({ url: Redacted.make(url), connectTimeout: "5 seconds", applicationName: "hubbub" }).pipe(
        Effect.provide(Reactivity.layer),
        Effect.mapError(StoreSql.storeFailure(where, "connect"))
      )
      const store = yield* StoreSql.make(where, version, true).pipe(Effect.provideService(SqlClient.SqlClient, sql))
      yield* Effect.logInfo(`keeping accounts, topics and history in ${where}`)
      return store
    })
  )
