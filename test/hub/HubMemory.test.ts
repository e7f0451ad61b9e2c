import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as fc from "fast-check"
import { Hub } from "../../src/hub/Hub.js"
import type { Event } from "../../src/protocol/Event.js"
import type { Room } from "../../src/protocol/Names.js"
import { Codec } from "../../src/wire/Codec.js"
import * as TextCodec from "../../src/wire/TextCodec.js"
import { Probe } from "../support/Probe.js"
import { attached, hubContract, memoryHub } from "./contract.js"
import { moderationContract } from "./moderationContract.js"
import { watchContract } from "./watchContract.js"

hubContract("HubMemory.layer", memoryHub)
moderationContract("HubMemory.layer", () => memoryHub(0))
watchContract("HubMemory.layer", () => memoryHub(0))

/** The memory hub delivers what a turn published in a pass after it (a yield): this resumes after that pass. */
const delivered = Effect.andThen(Effect.yieldNow, Effect.yieldNow)

const say = (room: string, from: string, text: string): Event => ({ _tag: "Chat", room, from, text })

describe("HubMemory.layer", () => {
  it.effect("hands the members of a room the same run of its events, rendered once for all of them", () =>
    Effect.gen(function*() {
      const hub = yield* Hub
      const codec = yield* Codec
      const alice = yield* attached("s1", "alice", "#a")
      const bob = yield* attached("s2", "bob", "#a")
      yield* delivered
      alice.calls.length = bob.calls.length = 0
      yield* hub.publish(say("#a", "alice", "one"))
      yield* hub.publish(say("#a", "bob", "twö 😀"))
      yield* delivered
      assert.strictEqual(alice.calls.length, 1)
      assert.strictEqual(alice.calls[0], bob.calls[0])
      const bytes = codec.encodeRun(alice.calls[0])
      assert.strictEqual(codec.encodeRun(bob.calls[0]), bytes)
      assert.strictEqual(new TextDecoder().decode(bytes), "<alice> one\n<bob> twö 😀\n")
      // what is addressed to one member alone is handed to it apart, in its place
      yield* hub.publish(say("#a", "alice", "three"))
      yield* hub.publish({ _tag: "Private", to: "s1", nick: "someone", from: "bob", text: "psst" })
      yield* hub.publish(say("#a", "alice", "four"))
      yield* delivered
      assert.deepStrictEqual(alice.calls.slice(1).map((call) => call.length), [1, 1, 1])
      assert.deepStrictEqual(bob.calls.slice(1).map((call) => call.length), [1, 1])
    }).pipe(Effect.provide(Layer.merge(memoryHub(0), TextCodec.layer))))

  it.effect("is alone: no link to other servers", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* (yield* Hub).link, "alone")
    }).pipe(Effect.provide(memoryHub(0))))

  it.effect("delivers a turn's events in one pass, however many were published", () =>
    Effect.gen(function*() {
      const hub = yield* Hub
      const alice = yield* attached("s1", "alice", "#a")
      yield* delivered
      alice.calls.length = 0
      for (let i = 0; i < 50; i++) yield* hub.publish(say("#a", "bob", `m${i}`))
      yield* delivered
      assert.strictEqual(alice.calls.length, 1)
      assert.strictEqual(alice.calls[0].length, 50)
    }).pipe(Effect.provide(memoryHub(0))))

  it("gives every session exactly what its rooms said while it was in them, in order, however moves and turns interleave", async () => {
    const nicks = ["ann", "ben", "cat", "dan"]
    const rooms = ["#lobby", "#a", "#b"]
    type Op =
      | { readonly op: "say"; readonly who: number; readonly text: number }
      | { readonly op: "move"; readonly who: number; readonly to: number }
      | { readonly op: "tell"; readonly who: number; readonly to: number }
      | { readonly op: "turn" }
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant("say" as const), who: fc.nat(3), text: fc.nat(999) }),
      fc.record({ op: fc.constant("move" as const), who: fc.nat(3), to: fc.nat(2) }),
      fc.record({ op: fc.constant("tell" as const), who: fc.nat(3), to: fc.nat(3) }),
      fc.record({ op: fc.constant("turn" as const) })
    )
    await fc.assert(fc.asyncProperty(fc.array(op, { maxLength: 80 }), (ops) =>
      Effect.runPromise(Effect.gen(function*() {
        const h = yield* Hub
        // the model: where everyone is, and what each should have seen
        const at = nicks.map(() => 0)
        const expected: Array<Array<string>> = nicks.map(() => [])
        const probes: Array<Probe> = []
        for (let i = 0; i < nicks.length; i++) {
          probes.push(yield* attached(`s${i}`, nicks[i], "#lobby"))
          for (let j = 0; j <= i; j++) expected[j].push(`-!- ${nicks[i]} has joined #lobby`)
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
              const reason = `moved to ${rooms[o.to]}`
              yield* h.part(`s${o.who}`, rooms[from] as Room, reason)
              yield* h.join(`s${o.who}`, rooms[o.to] as Room)
              for (const i of members(from)) expected[i].push(`-!- ${nicks[o.who]} has left ${rooms[from]} (${reason})`)
              at[o.who] = o.to
              for (const i of members(o.to)) expected[i].push(`-!- ${nicks[o.who]} has joined ${rooms[o.to]}`)
              break
            }
            case "tell": {
              yield* h.publish({ _tag: "Private", to: `s${o.to}`, nick: nicks[o.to], from: nicks[o.who], text: "psst" })
              expected[o.to].push(`*${nicks[o.who]}* psst`)
              break
            }
            case "turn":
              yield* delivered
          }
        }
        yield* delivered
        assert.deepStrictEqual(probes.map((probe) => probe.take()), expected)
      }).pipe(Effect.scoped, Effect.provide(memoryHub(0))))
    ), { numRuns: 200 })
  })
})
