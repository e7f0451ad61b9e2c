import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { PendingWrites } from "../../src/store/PendingWrites.js"
import { type RoomWrite, Store } from "../../src/store/Store.js"

/** Writes a list, as the archive hands its pending writes over. */
export const write = (store: Store["Service"], writes: ReadonlyArray<RoomWrite>) => store.write(PendingWrites.of(writes))

/**
 * The store contract: what every store layer must do, checked against a
 * real one. `makeStore` gives a fresh, empty store for each test.
 */
export const storeContract = (name: string, makeStore: () => Layer.Layer<Store, unknown>) =>
  describe(`${name}: the store contract`, () => {
    const withStore = <A, E>(effect: Effect.Effect<A, E, Store>) => Effect.provide(effect, makeStore())
    const line = (room: string, at: number, from: string, text: string, action = false): RoomWrite => ({
      _tag: "Line",
      room,
      at,
      from,
      text,
      action
    })

    it.effect("keeps a room's history in order and gives back its last messages, oldest first", () =>
      withStore(Effect.gen(function*() {
        const store = yield* Store
        yield* write(store, Array.from({ length: 450 }, (_, i) => line("#a", 1000 + i, i % 2 ? "ann" : "ben", `m${i}`)))
        yield* write(store, [line("#b", 5000, "cat", "elsewhere"), line("#a", 6000, "ann", "waves", true)])
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

    it.effect("gives back exactly the last messages whatever the writes were: many small ones, one large, interleaved rooms", () =>
      withStore(Effect.gen(function*() {
        const store = yield* Store
        const texts: Array<string> = []
        const say = (i: number) => {
          texts.push(`n${i}`)
          return line("#busy", i, "ann", `n${i}`)
        }
        let i = 0
        for (let w = 0; w < 30; w++) yield* write(store, [say(i++), line("#quiet", i, "ben", `q${w}`)])
        yield* write(store, Array.from({ length: 2_345 }, () => say(i++)))
        for (let w = 0; w < 5; w++) yield* write(store, [say(i++)])
        // Larger than a part of the writes (4,096), with another room's lines and a topic in between.
        let quiet = 30
        yield* write(store, Array.from({ length: 9_000 }, (_, j) =>
          j === 5_000
            ? { _tag: "Topic", room: "#quiet", topic: "midway", at: i } as const
            : j % 3 === 0 ? line("#quiet", i, "ben", `q${quiet++}`) : say(i++)))
        for (const limit of [1, 5, 6, 7, 1_000, 1_001, 2_350, 2_380, 10_000]) {
          const history = (yield* store.room("#busy", limit)).history
          assert.deepStrictEqual(history.map((entry) => entry.text), texts.slice(-limit), `the last ${limit}`)
        }
        const calm = yield* store.room("#quiet", 10_000)
        assert.strictEqual(calm.topic, "midway")
        assert.deepStrictEqual(calm.history.map((entry) => entry.text), Array.from({ length: quiet }, (_, w) => `q${w}`))
      })))

    it.effect("gives a range of a room's history by time, the newest or the oldest of it, with each line's id, across writes and rows", () =>
      withStore(Effect.gen(function*() {
        const store = yield* Store
        // Several writes (several rows in a SQL store), 2500 lines, ids on all but the first ten.
        for (let batch = 0; batch < 5; batch++) {
          yield* write(store, Array.from({ length: 500 }, (_, j) => {
            const i = batch * 500 + j
            const kept = line("#a", 10_000 + i, "ann", `m${i}`)
            return i < 10 ? kept : { ...kept, id: `id${i}` }
          }))
        }
        yield* write(store, [line("#b", 10_100, "cat", "elsewhere")])
        const texts = (entries: ReadonlyArray<{ readonly text: string }>) => entries.map((entry) => entry.text)
        assert.deepStrictEqual(texts(yield* store.lines("#A", { from: 0, to: Number.MAX_SAFE_INTEGER, limit: 3, newest: true })), ["m2497", "m2498", "m2499"])
        assert.deepStrictEqual(texts(yield* store.lines("#a", { from: 0, to: Number.MAX_SAFE_INTEGER, limit: 2, newest: false })), ["m0", "m1"])
        const middle = yield* store.lines("#a", { from: 10_998, to: 11_001, limit: 100, newest: true })
        assert.deepStrictEqual(middle, [998, 999, 1000, 1001].map((i) => ({ at: 10_000 + i, from: "ann", text: `m${i}`, id: `id${i}` })))
        assert.deepStrictEqual(texts(yield* store.lines("#a", { from: 0, to: 10_600, limit: 2, newest: true })), ["m599", "m600"])
        assert.deepStrictEqual(texts(yield* store.lines("#a", { from: 11_800, to: Number.MAX_SAFE_INTEGER, limit: 2, newest: false })), ["m1800", "m1801"])
        assert.deepStrictEqual(yield* store.lines("#a", { from: 0, to: 10_000, limit: 5, newest: true }), [{ at: 10_000, from: "ann", text: "m0" }])
        assert.deepStrictEqual(yield* store.lines("#a", { from: 20_000, to: 30_000, limit: 5, newest: true }), [])
        assert.deepStrictEqual(yield* store.lines("#nowhere", { from: 0, to: Number.MAX_SAFE_INTEGER, limit: 5, newest: true }), [])
      })))

    it.effect("finds a room ignoring case, and keeps text as it was sent (quotes, emoji, newlines' absence)", () =>
      withStore(Effect.gen(function*() {
        const store = yield* Store
        const text = `it's "quoted"; DROP TABLE history; -- 🎉 ünïcödé \\ %`
        yield* write(store, [line("#Mixed", 1, "Ann", text), { _tag: "Topic", room: "#MIXED", topic: "a topic's 'text'", at: 2 }])
        assert.deepStrictEqual(yield* store.room("#mixed", 10), {
          topic: "a topic's 'text'",
          history: [{ at: 1, from: "Ann", text }]
        })
      })))

    it.effect("applies topics in the order written: the last one stays, and a cleared topic is gone", () =>
      withStore(Effect.gen(function*() {
        const store = yield* Store
        yield* write(store, [
          { _tag: "Topic", room: "#a", topic: "first", at: 1 },
          line("#a", 2, "ann", "hello"),
          { _tag: "Topic", room: "#a", topic: "second", at: 3 }
        ])
        assert.strictEqual((yield* store.room("#a", 10)).topic, "second")
        yield* write(store, [{ _tag: "Topic", room: "#a", topic: undefined, at: 4 }])
        assert.deepStrictEqual(yield* store.room("#a", 10), { topic: undefined, history: [{ at: 2, from: "ann", text: "hello" }] })
      })))

    it.effect("keeps who set a topic and when with it (IRC's 333); a topic written without its setter comes back without; cleared, both go", () =>
      withStore(Effect.gen(function*() {
        const store = yield* Store
        yield* write(store, [{ _tag: "Topic", room: "#a", topic: "first", at: 1_700_000_000_123, by: "Ann" }, { _tag: "Topic", room: "#b", topic: "unsigned", at: 2 }])
        assert.deepStrictEqual(yield* store.room("#A", 10), { topic: "first", topicSetter: { by: "Ann", at: 1_700_000_000_123 }, history: [] })
        assert.deepStrictEqual(yield* store.room("#b", 10), { topic: "unsigned", history: [] })
        yield* write(store, [{ _tag: "Topic", room: "#a", topic: "second", at: 3, by: "ben" }, { _tag: "Topic", room: "#b", topic: "signed", at: 4, by: "cat" }])
        assert.deepStrictEqual((yield* store.room("#a", 10)).topicSetter, { by: "ben", at: 3 })
        assert.deepStrictEqual((yield* store.room("#b", 10)).topicSetter, { by: "cat", at: 4 })
        yield* write(store, [{ _tag: "Topic", room: "#a", topic: undefined, at: 5, by: "ben" }, { _tag: "Topic", room: "#b", topic: "unsigned again", at: 6 }])
        assert.deepStrictEqual(yield* store.room("#a", 10), { topic: undefined, history: [] })
        assert.deepStrictEqual(yield* store.room("#b", 10), { topic: "unsigned again", history: [] })
      })))

    it.effect("forgets the messages older than a time, and says how many went", () =>
      withStore(Effect.gen(function*() {
        const store = yield* Store
        yield* write(store, [line("#a", 10, "ann", "old"), line("#b", 20, "ben", "old too"), line("#a", 30, "ann", "new")])
        assert.strictEqual(yield* store.prune(25), 2)
        assert.strictEqual(yield* store.prune(25), 0)
        assert.deepStrictEqual((yield* store.room("#a", 10)).history, [{ at: 30, from: "ann", text: "new" }])
        assert.deepStrictEqual((yield* store.room("#b", 10)).history, [])
      })))

    it.effect("answers a ping", () =>
      withStore(Effect.gen(function*() {
        yield* (yield* Store).ping
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

    it.effect("keeps server bans by mask, replaces one set again, takes one out, and forgets those run out", () =>
      withStore(Effect.gen(function*() {
        const store = yield* Store
        const forever = { mask: "10.0.0.0/8", reason: "spam", by: "boss", at: 1000, expires: undefined }
        const brief = { mask: "*!*@10.1.2.3", reason: "flood", by: "chief", at: 2000, expires: 5000 }
        yield* store.addServerBan(forever)
        yield* store.addServerBan(brief)
        yield* store.addServerBan({ mask: "~a:troll", reason: "abuse", by: "boss", at: 3000, expires: undefined })
        assert.deepStrictEqual(yield* store.serverBans(4000), [forever, brief, { mask: "~a:troll", reason: "abuse", by: "boss", at: 3000, expires: undefined }])
        yield* store.addServerBan({ ...forever, reason: "still spam", at: 3500 })
        assert.isTrue(yield* store.removeServerBan("~a:troll"))
        assert.isFalse(yield* store.removeServerBan("~a:troll"))
        assert.deepStrictEqual(yield* store.serverBans(6000), [{ ...forever, reason: "still spam", at: 3500 }])
      })))

    it.effect("keeps registered rooms by name ignoring case, with their settings; saving again replaces them; a drop forgets one", () =>
      withStore(Effect.gen(function*() {
        const store = yield* Store
        const club = {
          room: "#Club",
          founder: "ann",
          at: 1000,
          operators: ["ben"],
          modes: { invite: true, key: "sesame", limit: 10, moderated: false, topicLock: true, secret: false },
          bans: [{ mask: "troll!*@*", kind: "b" as const, by: "ann", at: 1500, reason: "spam", expires: 9000 }],
          invited: ["cal"]
        }
        const den = { room: "#den", founder: "ben", at: 2000, operators: [], modes: { invite: false, moderated: true, topicLock: true, secret: true }, bans: [] }
        assert.isTrue(yield* store.registerRoom(club))
        assert.isTrue(yield* store.registerRoom(den))
        assert.isFalse(yield* store.registerRoom({ ...den, room: "#DEN", founder: "mallory" }), "registered once")
        assert.deepStrictEqual(yield* store.registeredRooms, [club, den])
        assert.isTrue(yield* store.saveRoom({ ...club, room: "#CLUB", operators: [], bans: [] }))
        assert.isTrue(yield* store.dropRoom("#DEN"))
        assert.isFalse(yield* store.dropRoom("#den"))
        assert.isFalse(yield* store.saveRoom(den), "a dropped room is not saved back")
        assert.deepStrictEqual(yield* store.registeredRooms, [{ ...club, room: "#CLUB", operators: [], bans: [] }])
      })))
  })
