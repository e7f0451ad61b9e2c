import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { ServerOperators } from "../../src/session/ServerOperators.js"
import { Store } from "../../src/store/Store.js"
import * as StoreMemory from "../../src/store/StoreMemory.js"

describe("ServerOperators", () => {
  it.effect("gives powers to accounts, not names, and takes them back from an account registered anew (here or on another server)", () =>
    Effect.gen(function*() {
      const store = yield* Store
      const operators = yield* ServerOperators.make
      assert.isFalse(yield* operators.grant("boss"), "a name nobody registered")
      assert.isFalse(operators.has("boss"))
      yield* store.createAccount({ name: "Boss", password: "x", created: 1000 })
      assert.isTrue(yield* operators.grant("boss"))
      assert.deepStrictEqual([operators.has("BOSS"), operators.list()], [true, ["Boss"]])
      // The same account identifying: kept.
      assert.isFalse(operators.confirm("boss", 1000))
      assert.isTrue(operators.has("boss"))
      // Dropped and registered again by someone else (its registration time differs), or registered just now: taken back.
      assert.isTrue(operators.confirm("boss", 2000))
      assert.isFalse(operators.has("boss"))
      assert.isTrue(yield* operators.grant("boss"))
      assert.isTrue(operators.confirm("boss", undefined))
      assert.deepStrictEqual(operators.list(), [])
    }).pipe(Effect.provide(StoreMemory.layer)))
})
