import { assert, describe, it } from "@effect/vitest"
import { Effect, PubSub } from "effect"
import { Dispatcher, runDispatcher } from "../../src/hub/Dispatcher.js"
import { Envelope, type Event } from "../../src/protocol/Event.js"
import { Probe } from "../support/Probe.js"

/** Envelopes numbered from 1, addressed as the memory hub would. */
const numbered = () => {
  let seq = 0
  return {
    room: (room: string, event: Event) => new Envelope(event, ++seq, room, undefined),
    to: (session: string, event: Event) => new Envelope(event, ++seq, undefined, session),
    all: (event: Event) => new Envelope(event, ++seq, undefined, undefined),
    get seq() {
      return seq
    }
  }
}
const chat = (room: string, text: string): Event => ({ _tag: "Chat", room, from: "x", text })
const joined = (room: string, session: string, nick: string, quiet?: boolean): Event =>
  quiet ? { _tag: "Joined", room, nick, session, quiet } : { _tag: "Joined", room, nick, session }
const left = (room: string, session: string, nick: string): Event => ({ _tag: "Left", room, nick, session, reason: "bye" })

describe("Dispatcher", () => {
  it("hands a room's consecutive events to all its members as one shared run", () => {
    const d = new Dispatcher()
    const e = numbered()
    const a = new Probe()
    const b = new Probe()
    d.attach("a", a, ["#r"], 0)
    d.attach("b", b, ["#r"], 0)
    d.dispatch([e.room("#r", chat("#r", "one")), e.room("#r", chat("#r", "two")), e.to("a", chat("#r", "mine")), e.room("#r", chat("#r", "three"))])
    assert.deepStrictEqual(a.calls.map((c) => c.length), [2, 1, 1])
    assert.deepStrictEqual(b.calls.map((c) => c.length), [2, 1])
    assert.strictEqual(a.calls[0], b.calls[0])
    assert.deepStrictEqual(a.lines, ["<x> one", "<x> two", "<x> mine", "<x> three"])
  })

  it("follows a session's joins and departures by the events themselves, in publication order", () => {
    const d = new Dispatcher()
    const e = numbered()
    const a = new Probe()
    d.attach("a", a, [], 0)
    d.dispatch([
      e.room("#r", chat("#r", "before")),
      e.room("#r", joined("#r", "a", "ann")),
      e.room("#r", chat("#r", "in")),
      e.room("#r", left("#r", "a", "ann")),
      e.room("#r", chat("#r", "after"))
    ])
    assert.deepStrictEqual(a.lines, ["-!- ann has joined #r", "<x> in", "-!- ann has left #r (bye)"])
  })

  it("follows quiet joins and departures addressed to the session alone", () => {
    const d = new Dispatcher()
    const e = numbered()
    const a = new Probe()
    d.attach("a", a, [], 0)
    d.dispatch([e.to("a", joined("#big", "a", "ann", true)), e.room("#big", chat("#big", "hi"))])
    d.dispatch([e.to("a", { _tag: "Left", room: "#big", nick: "ann", session: "a", reason: "bye", quiet: true }), e.room("#big", chat("#big", "gone"))])
    assert.deepStrictEqual(a.lines, ["-!- ann has joined #big", "<x> hi", "-!- ann has left #big (bye)"])
  })

  it("keeps a session in several rooms, each run in its place", () => {
    const d = new Dispatcher()
    const e = numbered()
    const a = new Probe()
    d.attach("a", a, ["#a", "#b"], 0)
    d.dispatch([e.room("#a", chat("#a", "1")), e.room("#b", chat("#b", "2")), e.room("#c", chat("#c", "no")), e.room("#a", chat("#a", "3"))])
    assert.deepStrictEqual(a.lines, ["<x> 1", "<x> 2", "<x> 3"])
  })

  it("delivers nothing published before a session subscribed", () => {
    const d = new Dispatcher()
    const e = numbered()
    const early = [e.room("#r", chat("#r", "old")), e.all({ _tag: "Announcement", text: "old news" })]
    const a = new Probe()
    d.attach("a", a, ["#r"], e.seq)
    d.dispatch([...early, e.room("#r", chat("#r", "new"))])
    assert.deepStrictEqual(a.lines, ["<x> new"])
  })

  it("gives what is for everyone to every subscribed session, and nothing after a detach", () => {
    const d = new Dispatcher()
    const e = numbered()
    const a = new Probe()
    const b = new Probe()
    d.attach("a", a, [], 0)
    const entry = d.attach("b", b, ["#r"], 0)
    d.dispatch([e.all({ _tag: "Announcement", text: "hello" })])
    d.detach(entry)
    assert.isFalse(d.has("b"))
    d.dispatch([e.all({ _tag: "Announcement", text: "bye" }), e.room("#r", chat("#r", "x"))])
    assert.deepStrictEqual(a.lines, ["-!- [operator] hello", "-!- [operator] bye"])
    assert.deepStrictEqual(b.lines, ["-!- [operator] hello"])
  })

  it("drops a recipient that throws, reports it, and keeps delivering to the others", () => {
    const d = new Dispatcher()
    const e = numbered()
    let calls = 0
    d.attach("broken", {
      deliver: () => {
        calls++
        throw new Error("boom")
      }
    }, ["#r"], 0)
    const b = new Probe()
    d.attach("b", b, ["#r"], 0)
    const failures = d.dispatch([e.room("#r", chat("#r", "one"))])
    assert.deepStrictEqual(failures.map(([session]) => session), ["broken"])
    assert.isFalse(d.has("broken"))
    assert.deepStrictEqual(d.dispatch([e.room("#r", chat("#r", "two"))]), [])
    assert.strictEqual(calls, 1)
    assert.deepStrictEqual(b.lines, ["<x> one", "<x> two"])
  })

  it.effect("runs on a PubSub: a pass per event-loop turn, however many events the turn published", () =>
    Effect.gen(function*() {
      const pubsub = yield* PubSub.unbounded<Envelope>()
      const d = new Dispatcher()
      const a = new Probe()
      d.attach("a", a, ["#r"], 0)
      yield* runDispatcher(d, pubsub)
      yield* Effect.yieldNow
      const e = numbered()
      for (let i = 0; i < 30; i++) PubSub.publishUnsafe(pubsub, e.room("#r", chat("#r", `m${i}`)))
      yield* a.until("<x> m29")
      assert.strictEqual(a.calls.length, 1)
      assert.strictEqual(a.calls[0].length, 30)
    }))
})
