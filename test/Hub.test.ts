import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as fc from "fast-check"
import { ChatConfig } from "../src/ChatConfig.js"
import { Codec, renderText } from "../src/Codec.js"
import type { Envelope, Event } from "../src/Event.js"
import { Hub } from "../src/Hub.js"
import type { Nick, Room } from "../src/Protocol.js"

const hub = Hub.layerMemory.pipe(Layer.provide(ChatConfig.layer({ announceMaxMembers: 3 })))

/** A recipient that keeps what it is handed: every call's events, and their lines as the text protocol shows them. */
class Probe {
  readonly calls: Array<ReadonlyArray<Envelope>> = []
  readonly lines: Array<string> = []
  deliver(events: ReadonlyArray<Envelope>) {
    this.calls.push(events)
    for (const { event } of events) this.lines.push(renderText(event).trimEnd())
  }
  /** The lines handed over since the last call. */
  take(): Array<string> {
    return this.lines.splice(0)
  }
}

/** The hub delivers what was published in a turn in that turn's check phase; this resumes after it. */
const delivered = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

const say = (room: string, from: string, text: string): Event => ({ _tag: "Chat", room, from, text })

/** Registers a session and puts it in `room`. */
const enter = (id: string, nick: string, room: string) =>
  Effect.gen(function*() {
    const h = yield* Hub
    yield* h.claimNick(id, nick as Nick)
    yield* h.join(id, room as Room)
  })

/** Registers a session, attaches a probe to it, then puts it in `room` (as a session does). */
const attached = (id: string, nick: string, room: string) =>
  Effect.gen(function*() {
    const h = yield* Hub
    const probe = new Probe()
    yield* h.claimNick(id, nick as Nick)
    yield* h.attach(id, probe)
    yield* h.join(id, room as Room)
    return probe
  })

describe("Hub.layerMemory", () => {
  it.effect("delivers a session its room's events and its own, in publication order, and nothing of other rooms", () =>
    Effect.gen(function*() {
      const h = yield* Hub
      const alice = yield* attached("s1", "alice", "#a")
      yield* enter("s2", "bob", "#b")
      yield* h.publish(say("#a", "carol", "one"))
      yield* h.publish(say("#b", "bob", "elsewhere"))
      yield* h.publish({ _tag: "Private", to: "s1", from: "bob", text: "psst" })
      yield* h.publish(say("#a", "carol", "two"))
      yield* h.publish({ _tag: "Notice", text: "to everyone" })
      yield* delivered
      assert.deepStrictEqual(alice.take(), [
        "-!- alice has joined #a",
        "<carol> one",
        "*bob* psst",
        "<carol> two",
        "-!- to everyone"
      ])
      yield* delivered
      assert.deepStrictEqual(alice.take(), [])
    }).pipe(Effect.scoped, Effect.provide(hub)))

  it.effect("moves a session exactly at its Joined: the old room up to the move, the new one from it", () =>
    Effect.gen(function*() {
      const h = yield* Hub
      const alice = yield* attached("s1", "alice", "#a")
      yield* enter("s2", "bob", "#a")
      yield* enter("s3", "carol", "#b")
      yield* delivered
      alice.take()
      yield* h.publish(say("#a", "bob", "before the move"))
      yield* h.publish(say("#b", "carol", "before alice came"))
      yield* h.join("s1", "#b" as Room)
      yield* h.publish(say("#a", "bob", "after alice left"))
      yield* h.publish({ _tag: "Notice", to: "s1", text: "Members of #b (2): alice, carol" })
      yield* h.publish(say("#b", "carol", "welcome"))
      // alice moves back within the same turn: both moves take effect in order
      yield* h.join("s1", "#a" as Room)
      yield* h.publish(say("#b", "carol", "after alice went back"))
      yield* h.publish(say("#a", "bob", "back again"))
      yield* delivered
      assert.deepStrictEqual(alice.take(), [
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
      const big = yield* attached("s1", "a", "#big")
      for (const [id, nick] of [["s2", "b"], ["s3", "c"]]) yield* enter(id, nick, "#big")
      const dave = yield* attached("s4", "dave", "#small")
      yield* delivered
      big.take()
      dave.take()
      const { announced } = yield* h.join("s4", "#big" as Room)
      assert.isFalse(announced)
      yield* h.publish(say("#big", "a", "hi"))
      yield* delivered
      assert.deepStrictEqual(big.take(), ["<a> hi"])
      assert.deepStrictEqual(dave.take(), [
        "-!- dave has left #small (moved to #big)",
        "-!- dave has joined #big",
        "<a> hi"
      ])
    }).pipe(Effect.scoped, Effect.provide(hub)))

  it.effect("hands the members of a room the same run of its events, rendered once for all of them", () =>
    Effect.gen(function*() {
      const h = yield* Hub
      const codec = yield* Codec
      const alice = yield* attached("s1", "alice", "#a")
      const bob = yield* attached("s2", "bob", "#a")
      yield* delivered
      alice.calls.length = bob.calls.length = 0
      yield* h.publish(say("#a", "alice", "one"))
      yield* h.publish(say("#a", "bob", "twö 😀"))
      yield* delivered
      assert.strictEqual(alice.calls.length, 1)
      assert.strictEqual(alice.calls[0], bob.calls[0])
      const bytes = codec.encodeRun(alice.calls[0])
      assert.strictEqual(codec.encodeRun(bob.calls[0]), bytes)
      assert.strictEqual(new TextDecoder().decode(bytes), "<alice> one\n<bob> twö 😀\n")
      // the run's bytes are the events' own, end to end
      assert.deepStrictEqual(bytes, Uint8Array.from([...codec.encode(alice.calls[0][0]), ...codec.encode(alice.calls[0][1])]))
      // what is addressed to one member alone is handed to it apart, in its place
      yield* h.publish(say("#a", "alice", "three"))
      yield* h.publish({ _tag: "Private", to: "s1", from: "bob", text: "psst" })
      yield* h.publish(say("#a", "alice", "four"))
      yield* delivered
      assert.deepStrictEqual(alice.calls.slice(1).map((call) => call.length), [1, 1, 1])
      assert.deepStrictEqual(bob.calls.slice(1).map((call) => call.length), [1, 1])
    }).pipe(Effect.scoped, Effect.provide(Layer.merge(hub, Codec.layerText))))

  it.effect("delivers nothing from before a session attached, and its room's events from then on", () =>
    Effect.gen(function*() {
      const h = yield* Hub
      yield* enter("s1", "alice", "#a")
      yield* h.publish(say("#a", "alice", "before"))
      const late = new Probe()
      yield* h.attach("s1", late)
      yield* h.publish(say("#a", "alice", "after"))
      yield* delivered
      assert.deepStrictEqual(late.take(), ["<alice> after"])
    }).pipe(Effect.scoped, Effect.provide(hub)))

  it.effect("stops delivering when the attachment's scope closes", () =>
    Effect.gen(function*() {
      const h = yield* Hub
      const probe = new Probe()
      yield* enter("s1", "alice", "#a")
      yield* Effect.scoped(Effect.gen(function*() {
        yield* h.attach("s1", probe)
        yield* h.publish(say("#a", "alice", "while attached"))
        yield* delivered
      }))
      yield* h.publish(say("#a", "alice", "after"))
      yield* h.publish({ _tag: "Notice", text: "to everyone" })
      yield* delivered
      assert.deepStrictEqual(probe.take(), ["<alice> while attached"])
    }).pipe(Effect.scoped, Effect.provide(hub)))

  it.effect("gives a session that attaches after the Closing to everyone that Closing too", () =>
    Effect.gen(function*() {
      const h = yield* Hub
      const early = yield* attached("s1", "alice", "#a")
      yield* h.publish({ _tag: "Closing", text: "Server shutting down. Goodbye." })
      // registering just as the server stops: it must not wait for a last word that already went out
      const late = yield* attached("s2", "bob", "#a")
      yield* delivered
      assert.include(early.take(), "-!- Server shutting down. Goodbye.")
      assert.deepStrictEqual(late.take(), ["-!- Server shutting down. Goodbye.", "-!- bob has joined #a"])
    }).pipe(Effect.scoped, Effect.provide(hub)))

  it.effect("drops a recipient that throws, and keeps delivering to the others", () =>
    Effect.gen(function*() {
      const h = yield* Hub
      let calls = 0
      yield* enter("s1", "broken", "#a")
      yield* h.attach("s1", {
        deliver: () => {
          calls++
          throw new Error("boom")
        }
      })
      const bob = yield* attached("s2", "bob", "#a")
      yield* h.publish(say("#a", "bob", "one"))
      yield* delivered
      yield* h.publish(say("#a", "bob", "two"))
      yield* delivered
      assert.strictEqual(calls, 1)
      assert.deepStrictEqual(bob.take(), ["-!- bob has joined #a", "<bob> one", "<bob> two"])
    }).pipe(Effect.scoped, Effect.provide(hub)))

  it.effect("gives a subscription every event", () =>
    Effect.gen(function*() {
      const h = yield* Hub
      yield* attached("s1", "alice", "#a")
      const all = yield* h.subscribe
      yield* h.publish(say("#a", "alice", "one"))
      yield* h.publish({ _tag: "Private", to: "s1", from: "bob", text: "psst" })
      yield* h.publish(say("#nowhere", "x", "dropped: no such room"))
      yield* all.next
      const batch = yield* all.take
      assert.deepStrictEqual(batch.map(({ event }) => renderText(event).trimEnd()), ["<alice> one", "*bob* psst"])
    }).pipe(Effect.scoped, Effect.provide(hub)))

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
            case "turn":
              yield* delivered
          }
        }
        yield* delivered
        assert.deepStrictEqual(probes.map((probe) => probe.take()), expected)
      }).pipe(Effect.scoped, Effect.provide(Hub.layerMemory), Effect.provide(ChatConfig.layer({ announceMaxMembers: 0 }))))
    ), { numRuns: 200 })
  })
})
