import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { type RoomWrite, Store } from "../../src/store/Store.js"

/**
 * The store contract: what every store layer must do, checked against a
 * real one. `makeStore` gives a fresh, empty store for each test.
 */
export const storeContract = (name: string, makeStore: () => Layer.Layer<Store, unknown>) =>
  describe(`${name}: the store contract`, () => {
    const withStore = <A, E>(effect: Effect.Effect<A, E, Store>) => Effect.provide(effect, makeStore())
    const line = (room: string, at: number, from: string, text: string, action = false): RoomWrite => ({
      _tag: "Line",
      line: { room, at, from, text, action }
    })

    it.effect("keeps a room's history in order and gives back its last messages, oldest first", () =>
      withStore(Effect.gen(function*() {
        const store = yield* Store
        yield* store.write(Array.from({ length: 450 }, (_, i) => line("#a", 1000 + i, i % 2 ? "ann" : "ben", `m${i}`)))
        yield* store.write([line("#b", 5000, "cat", "elsewhere"), line("#a", 6000, "ann", "waves", true)])
        const a = yield* store.room("#a", 3)
        assert.deepStrictEqual(a.history, [
          { at: 1448, from: "ben", text: "m448" },
          { at: 1449, from: "ann", text: "m449" },
          { at: 6000, from: "ann", text: "waves", action: true }
        ])
        assert.strictEqual((yield* store.room("#a", 1000)).history.length, 451)
        assert.deepStrictEqual((yield* store.room("#b", 50)).history, [{ at: 5000, from: "cat", text: "elsewhere" }])
        assert.deepStrictEqual(yield* store.room("#nowhere", 50), { topic: undefined, history: [] })
        assert.deepStrictEqual((yield* store.room("#a", 0)).history, [])
      })))

    it.effect("finds a room ignoring case, and keeps text as it was sent (quotes, emoji, newlines' absence)", () =>
      withStore(Effect.gen(function*() {
        const store = yield* Store
        const text = `it's "quoted"; DROP TABLE history; -- 🎉 ünïcödé \\ %`
        yield* store.write([line("#Mixed", 1, "Ann", text), { _tag: "Topic", room: "#MIXED", topic: "a topic's 'text'", at: 2 }])
        assert.deepStrictEqual(yield* store.room("#mixed", 10), {
          topic: "a topic's 'text'",
          history: [{ at: 1, from: "Ann", text }]
        })
      })))

    it.effect("applies topics in the order written: the last one stays, and a cleared topic is gone", () =>
      withStore(Effect.gen(function*() {
        const store = yield* Store
        yield* store.write([
          { _tag: "Topic", room: "#a", topic: "first", at: 1 },
          line("#a", 2, "ann", "hello"),
          { _tag: "Topic", room: "#a", topic: "second", at: 3 }
        ])
        assert.strictEqual((yield* store.room("#a", 10)).topic, "second")
        yield* store.write([{ _tag: "Topic", room: "#a", topic: undefined, at: 4 }])
        assert.deepStrictEqual(yield* store.room("#a", 10), { topic: undefined, history: [{ at: 2, from: "ann", text: "hello" }] })
      })))

    it.effect("forgets the messages older than a time, and says how many went", () =>
      withStore(Effect.gen(function*() {
        const store = yield* Store
        yield* store.write([line("#a", 10, "ann", "old"), line("#b", 20, "ben", "old too"), line("#a", 30, "ann", "new")])
        assert.strictEqual(yield* store.prune(25), 2)
        assert.strictEqual(yield* store.prune(25), 0)
        assert.deepStrictEqual((yield* store.room("#a", 10)).history, [{ at: 30, from: "ann", text: "new" }])
        assert.deepStrictEqual((yield* store.room("#b", 10)).history, [])
      })))

    it.effect("registers an account once, ignoring case, and finds it by any case", () =>
      withStore(Effect.gen(function*() {
        const store = yield* Store
        const ann = { name: "Ann", password: "scrypt$hash", created: 1_700_000_000_000 }
        assert.isTrue(yield* store.createAccount(ann))
        assert.isFalse(yield* store.createAccount({ name: "ANN", password: "other", created: 2 }))
        assert.deepStrictEqual(yield* store.account("aNN"), ann)
        assert.isUndefined(yield* store.account("ben"))
        assert.deepStrictEqual(yield* store.accountNames, ["Ann"])
      })))

    it.effect("changes a password and drops an account, and says when there was no such account", () =>
      withStore(Effect.gen(function*() {
        const store = yield* Store
        yield* store.createAccount({ name: "ann", password: "one", created: 1 })
        assert.isTrue(yield* store.setPassword("ANN", "two"))
        assert.strictEqual((yield* store.account("ann"))?.password, "two")
        assert.isFalse(yield* store.setPassword("ben", "x"))
        assert.isFalse(yield* store.deleteAccount("ben"))
        assert.isTrue(yield* store.deleteAccount("Ann"))
        assert.isUndefined(yield* store.account("ann"))
        assert.isTrue(yield* store.createAccount({ name: "ANN", password: "three", created: 5 }))
        assert.deepStrictEqual(yield* store.accountNames, ["ANN"])
      })))
  })
