import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as fc from "fast-check"
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
      assert.deepStrictEqual(yield* lines(dave), [
        "-!- dave has left #small (moved to #big)",
        "-!- dave has joined #big",
        "<a> hi"
      ])
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

  it("gives every session exactly what its rooms said while it was in them, in order, however moves and takes interleave", async () => {
    const nicks = ["ann", "ben", "cat", "dan"]
    const rooms = ["#lobby", "#a", "#b"]
    type Op =
      | { readonly op: "say"; readonly who: number; readonly text: number }
      | { readonly op: "move"; readonly who: number; readonly to: number }
      | { readonly op: "tell"; readonly who: number; readonly to: number }
      | { readonly op: "take"; readonly who: number }
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant("say" as const), who: fc.nat(3), text: fc.nat(999) }),
      fc.record({ op: fc.constant("move" as const), who: fc.nat(3), to: fc.nat(2) }),
      fc.record({ op: fc.constant("tell" as const), who: fc.nat(3), to: fc.nat(3) }),
      fc.record({ op: fc.constant("take" as const), who: fc.nat(3) })
    )
    await fc.assert(fc.asyncProperty(fc.array(op, { maxLength: 80 }), (ops) =>
      Effect.runPromise(Effect.gen(function*() {
        const h = yield* Hub
        // the model: where everyone is, and what each should have seen
        const at = nicks.map(() => 0)
        const expected: Array<Array<string>> = nicks.map(() => [])
        const got: Array<Array<string>> = nicks.map(() => [])
        const subscriptions: Array<Subscription> = []
        for (let i = 0; i < nicks.length; i++) {
          yield* h.claimNick(`s${i}`, nicks[i] as Nick)
          yield* h.join(`s${i}`, "#lobby" as Room)
          // those already subscribed see the join; the joiner subscribes just after it
          for (let j = 0; j < i; j++) expected[j].push(`-!- ${nicks[i]} has joined #lobby`)
          subscriptions.push(yield* h.subscribe(`s${i}`))
        }
        const members = (room: number) => at.flatMap((r, i) => r === room ? [i] : [])
        for (const o of ops) {
          switch (o.op) {
            case "say": {
              yield* h.publish(say(rooms[at[o.who]], nicks[o.who], `m${o.text}`))
              for (const i of members(at[o.who])) expected[i].push(`<${nicks[o.who]}> m${o.text}`)
              break
            }
            case "move": {
              if (at[o.who] === o.to) break
              const from = at[o.who]
              yield* h.join(`s${o.who}`, rooms[o.to] as Room)
              for (const i of members(from)) expected[i].push(`-!- ${nicks[o.who]} has left ${rooms[from]} (moved to ${rooms[o.to]})`)
              at[o.who] = o.to
              for (const i of members(o.to)) expected[i].push(`-!- ${nicks[o.who]} has joined ${rooms[o.to]}`)
              break
            }
            case "tell": {
              yield* h.publish({ _tag: "Private", to: `s${o.to}`, from: nicks[o.who], text: "psst" })
              expected[o.to].push(`*${nicks[o.who]}* psst`)
              break
            }
            case "take":
              got[o.who].push(...yield* lines(subscriptions[o.who]))
          }
        }
        for (let i = 0; i < nicks.length; i++) got[i].push(...yield* lines(subscriptions[i]))
        assert.deepStrictEqual(got, expected)
      }).pipe(Effect.scoped, Effect.provide(Hub.layerMemory), Effect.provide(ChatConfig.layer({ announceMaxMembers: 0 }))))
    ), { numRuns: 200 })
  })
})
