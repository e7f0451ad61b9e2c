import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Hub } from "../../src/hub/Hub.js"
import * as HubMemory from "../../src/hub/HubMemory.js"
import type { Nick, Room } from "../../src/protocol/Names.js"
import { RoomArchive } from "../../src/store/RoomArchive.js"
import { Failed, Store, StoreError } from "../../src/store/Store.js"
import * as StoreMemory from "../../src/store/StoreMemory.js"

const room = "#kept" as Room
/** A memory hub keeping rooms in an archive that writes only when flushed (or when its scope closes). */
const archived = (store: Layer.Layer<Store>) =>
  HubMemory.layerArchived({ announceMaxMembers: 0, history: 3 }).pipe(
    Layer.provideMerge(RoomArchive.layer({ historyDays: 0, flushEvery: "1 hour" })),
    Layer.provideMerge(store)
  )

const say = (text: string) => ({ _tag: "Chat" as const, room, from: "ann", text })

describe("RoomArchive with the memory hub", () => {
  it.effect("a room that emptied comes back with its topic and last messages, written or still waiting", () =>
    Effect.gen(function*() {
      const hub = yield* Hub
      const archive = yield* RoomArchive
      const store = yield* Store
      yield* hub.claimNick("s1", "ann" as Nick)
      yield* hub.join("s1", room)
      const setter = yield* hub.setTopic("s1", room, "what we keep")
      yield* hub.publishAll([say("one"), say("two")])
      yield* archive.flush
      yield* hub.publishAll([say("three"), { _tag: "Action", room, from: "ann", text: "waves" }])
      yield* hub.part("s1", room, "bye")
      assert.strictEqual((yield* store.room(room, 10)).history.length, 2, "two written, two waiting")
      yield* hub.claimNick("s2", "ben" as Nick)
      const joined = yield* hub.join("s2", room)
      assert.strictEqual(joined.topic, "what we keep")
      assert.deepStrictEqual(joined.topicSetter, setter, "who set it and when, kept with it")
      assert.deepStrictEqual((yield* store.room(room, 0)).topicSetter, setter)
      assert.deepStrictEqual(joined.history.map((entry) => entry.text), ["two", "three", "waves"])
      assert.isTrue(joined.history[2]!.action)
    }).pipe(Effect.provide(archived(StoreMemory.layer))))

  it.effect("writes what is waiting when its scope closes: a graceful stop loses nothing", () =>
    Effect.gen(function*() {
      const store = yield* Effect.provide(Store, StoreMemory.layer)
      const shared = Layer.succeed(Store, store)
      yield* Effect.gen(function*() {
        const hub = yield* Hub
        yield* hub.claimNick("s1", "ann" as Nick)
        yield* hub.join("s1", room)
        yield* hub.publish(say("said just before the stop"))
      }).pipe(Effect.provide(archived(shared)))
      assert.deepStrictEqual((yield* store.room(room, 10)).history.map((entry) => entry.text), ["said just before the stop"])
      const lobby = yield* Effect.gen(function*() {
        const hub = yield* Hub
        yield* hub.claimNick("s1", "cat" as Nick)
        return yield* hub.join("s1", room)
      }).pipe(Effect.provide(archived(shared)))
      assert.deepStrictEqual(lobby.history.map((entry) => entry.text), ["said just before the stop"])
    }))

  it.effect("writes a large flush a transaction's worth at a time, and keeps only what a failed one did not write", () =>
    Effect.gen(function*() {
      const memory = yield* StoreMemory.make
      const sizes: Array<number> = []
      const store = Layer.succeed(Store, {
        ...memory,
        write: (writes) => {
          sizes.push(writes.length)
          return sizes.length === 2 ? Effect.fail(new StoreError({ where: "test", reason: new Failed({ operation: "write", detail: "disk full" }) })) : memory.write(writes)
        }
      })
      yield* Effect.gen(function*() {
        const archive = yield* RoomArchive
        for (let i = 0; i < 20_000; i++) archive.said(room, i, "ann", `m${i}`, false, `id${i}`)
        yield* archive.flush
        assert.deepStrictEqual(sizes, [8192, 8192], "the second failed: the flush stopped there")
        assert.strictEqual((yield* memory.room(room, 30_000)).history.length, 8192)
        yield* archive.flush
        assert.deepStrictEqual(sizes, [8192, 8192, 8192, 3616])
        const kept = (yield* memory.room(room, 30_000)).history
        assert.deepStrictEqual(kept.map((entry) => entry.text), Array.from({ length: 20_000 }, (_, i) => `m${i}`), "each once, in order")
      }).pipe(Effect.provide(RoomArchive.layer({ historyDays: 0, flushEvery: "1 hour" }).pipe(Layer.provide(store))))
    }))
})
