import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { ChatConfig } from "../src/ChatConfig.js"
import { Codec, renderText } from "../src/Codec.js"
import type { Event } from "../src/Event.js"
import { Hub, type Subscription } from "../src/Hub.js"
import type { Nick, Room } from "../src/Protocol.js"

const hub = Hub.layerMemory.pipe(Layer.provide(ChatConfig.layer({ announceMaxMembers: 3 })))

/** Everything a subscription has for its session now, as the text protocol shows it. */
const lines = (subscription: Subscription) =>
  Effect.map(subscription.take, (batch) => batch.map(({ event }) => renderText(event).trimEnd()))

const say = (room: string, from: string, text: string): Event => ({ _tag: "Chat", room, from, text })

/** Registers a session and puts it in `room`, like a session does before it subscribes. */
const enter = (id: string, nick: string, room: string) =>
  Effect.gen(function*() {
    const h = yield* Hub
    yield* h.claimNick(id, nick as Nick)
    yield* h.join(id, room as Room)
  })

describe("Hub.layerMemory", () => {
  it.effect("gives a subscriber its room's events and its own, in publication order, and nothing of other rooms", () =>
    Effect.gen(function*() {
      const h = yield* Hub
      yield* enter("s1", "alice", "#a")
      yield* enter("s2", "bob", "#b")
      const alice = yield* h.subscribe("s1")
      yield* h.publish(say("#a", "carol", "one"))
      yield* h.publish(say("#b", "bob", "elsewhere"))
      yield* h.publish({ _tag: "Private", to: "s1", from: "bob", text: "psst" })
      yield* h.publish(say("#a", "carol", "two"))
      yield* h.publish({ _tag: "Notice", text: "to everyone" })
      assert.deepStrictEqual(yield* lines(alice), [
        "<carol> one",
        "*bob* psst",
        "<carol> two",
        "-!- to everyone"
      ])
      assert.deepStrictEqual(yield* lines(alice), [])
    }).pipe(Effect.scoped, Effect.provide(hub)))

  it.effect("moves a subscriber exactly at its Joined: the old room up to the move, the new one from it", () =>
    Effect.gen(function*() {
      const h = yield* Hub
      yield* enter("s1", "alice", "#a")
      yield* enter("s2", "bob", "#a")
      yield* enter("s3", "carol", "#b")
      const alice = yield* h.subscribe("s1")
      yield* h.publish(say("#a", "bob", "before the move"))
      yield* h.publish(say("#b", "carol", "before alice came"))
      yield* h.join("s1", "#b" as Room)
      yield* h.publish(say("#a", "bob", "after alice left"))
      yield* h.publish({ _tag: "Notice", to: "s1", text: "Members of #b (2): alice, carol" })
      yield* h.publish(say("#b", "carol", "welcome"))
      // alice moves back within the same batch: both moves are applied in order
      yield* h.join("s1", "#a" as Room)
      yield* h.publish(say("#b", "carol", "after alice went back"))
      yield* h.publish(say("#a", "bob", "back again"))
      assert.deepStrictEqual(yield* lines(alice), [
        "<bob> before the move",
        "-!- alice has left #a (moved to #b)",
        "-!- alice has joined #b",
        "-!- Members of #b (2): alice, carol",
        "<carol> welcome",
        "-!- alice has left #b (moved to #a)",
        "-!- alice has joined #a",
        "<bob> back again"
      ])
    }).pipe(Effect.scoped, Effect.provide(hub)))

  it.effect("tells only the joiner of a join into a room too large to announce in, and still moves it", () =>
    Effect.gen(function*() {
      const h = yield* Hub
      for (const [id, nick] of [["s1", "a"], ["s2", "b"], ["s3", "c"]]) yield* enter(id, nick, "#big")
      yield* enter("s4", "dave", "#small")
      const big = yield* h.subscribe("s1")
      const dave = yield* h.subscribe("s4")
      const { announced } = yield* h.join("s4", "#big" as Room)
      assert.isFalse(announced)
      yield* h.publish(say("#big", "a", "hi"))
      assert.deepStrictEqual(yield* lines(big), ["<a> hi"])
      assert.deepStrictEqual(yield* lines(dave), ["-!- dave has joined #big", "<a> hi"])
    }).pipe(Effect.scoped, Effect.provide(hub)))

  it.effect("hands the members of a room the same run of its events, rendered once for all of them", () =>
    Effect.gen(function*() {
      const h = yield* Hub
      const codec = yield* Codec
      yield* enter("s1", "alice", "#a")
      yield* enter("s2", "bob", "#a")
      const alice = yield* h.subscribe("s1")
      const bob = yield* h.subscribe("s2")
      yield* h.publish(say("#a", "alice", "one"))
      yield* h.publish(say("#a", "bob", "two"))
      const [a, b] = [yield* alice.take, yield* bob.take]
      assert.isTrue(alice.oneRoom && bob.oneRoom)
      const bytes = codec.encodeRun(a)
      assert.strictEqual(codec.encodeRun(b), bytes)
      assert.strictEqual(new TextDecoder().decode(bytes), "<alice> one\n<bob> two\n")
      // a run merged with the session's own events is not a room's run
      yield* h.publish(say("#a", "alice", "three"))
      yield* h.publish({ _tag: "Private", to: "s1", from: "bob", text: "psst" })
      assert.deepStrictEqual(yield* lines(alice), ["<alice> three", "*bob* psst"])
      assert.isFalse(alice.oneRoom)
    }).pipe(Effect.scoped, Effect.provide(Layer.merge(hub, Codec.layerText))))

  it.effect("gives a subscription without a session every event", () =>
    Effect.gen(function*() {
      const h = yield* Hub
      yield* enter("s1", "alice", "#a")
      yield* h.subscribe("s1")
      const all = yield* h.subscribe()
      yield* h.publish(say("#a", "alice", "one"))
      yield* h.publish({ _tag: "Private", to: "s1", from: "bob", text: "psst" })
      yield* h.publish(say("#nowhere", "x", "dropped: no such room"))
      assert.deepStrictEqual(yield* lines(all), ["<alice> one", "*bob* psst"])
    }).pipe(Effect.scoped, Effect.provide(hub)))
})
