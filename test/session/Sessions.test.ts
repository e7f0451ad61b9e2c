import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { ChatConfig, type ChatConfigShape } from "../../src/ChatConfig.js"
import { Admission } from "../../src/observe/Admission.js"
import type { Nick } from "../../src/protocol/Names.js"
import { type SessionHandle, Sessions } from "../../src/session/Sessions.js"
import { Tuning } from "../../src/session/Tuning.js"

let ids = 0
/** A session as the registry sees it. */
const session = (ip: string | undefined, nick?: string): SessionHandle => ({
  id: `t${++ids}`,
  peer: `${ip ?? "?"}:4000`,
  protocol: "text",
  spoke: 0,
  bytesIn: 0,
  bytesOut: 0,
  messagesIn: 0,
  messagesOut: 0,
  ip,
  since: 0,
  account: undefined,
  loseNick: () => Effect.void,
  accountDropped: () => Effect.void,
  nick: nick as Nick | undefined,
  rooms: [],
  outboxBytes: 0,
  fiberId: 0,
  close: () => {},
  abort: () => {}
})

const withSessions = (overrides: Partial<ChatConfigShape> = {}) =>
  Effect.provide(Sessions.layer.pipe(Layer.provide(Tuning.layer), Layer.provide(ChatConfig.layer(overrides))))

/** Forks `effect` and lets it run as far as it can. */
const started = <A>(effect: Effect.Effect<A>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(effect)
    yield* Effect.yieldNow
    return fiber
  })

const loopback = ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"]

describe("Sessions", () => {
  it.effect("takes connections under the limits", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      assert.isUndefined(sessions.refusal("10.0.0.1"))
      assert.isUndefined(sessions.refusal(undefined))
      sessions.add(session("10.0.0.1"))
      sessions.add(session("10.0.0.2"))
      assert.isUndefined(sessions.refusal("10.0.0.1"))
      assert.strictEqual(sessions.live.size, 2)
    }).pipe(withSessions({ maxConnections: 3, maxPerIp: 2 })))

  it.effect("refuses every connection once maxConnections are in", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      sessions.add(session("10.0.0.1"))
      sessions.add(session(undefined))
      const full = { _tag: "Refused", why: "full", limit: 2 } as const
      assert.deepStrictEqual(sessions.refusal("10.0.0.3"), full)
      assert.deepStrictEqual(sessions.refusal("127.0.0.1"), full)
      assert.deepStrictEqual(sessions.refusal(undefined), full)
    }).pipe(withSessions({ maxConnections: 2 })))

  it.effect("refuses a non-loopback address with maxPerIp connections in", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      sessions.add(session("10.0.0.1"))
      assert.isUndefined(sessions.refusal("10.0.0.1"))
      sessions.add(session("10.0.0.1"))
      assert.deepStrictEqual(sessions.refusal("10.0.0.1"), { _tag: "Refused", why: "address", limit: 2 })
      assert.isUndefined(sessions.refusal("2001:db8::1"))
      assert.isUndefined(sessions.refusal("10.0.0.2"))
      assert.isUndefined(sessions.refusal(undefined))
    }).pipe(withSessions({ maxPerIp: 2 })))

  it.effect("exempts loopback addresses from the per-IP limit", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      for (const ip of loopback) {
        sessions.add(session(ip))
        sessions.add(session(ip))
        assert.isUndefined(sessions.refusal(ip), ip)
      }
    }).pipe(withSessions({ maxPerIp: 1 })))

  it.effect("limits loopback addresses too with limitLoopback", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      for (const ip of loopback) {
        sessions.add(session(ip))
        assert.deepStrictEqual(sessions.refusal(ip), { _tag: "Refused", why: "address", limit: 1 }, ip)
      }
    }).pipe(withSessions({ maxPerIp: 1, limitLoopback: true })))

  it.effect("has no per-IP limit with maxPerIp 0", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      for (let i = 0; i < 5; i++) sessions.add(session("10.0.0.1"))
      assert.isUndefined(sessions.refusal("10.0.0.1"))
    }).pipe(withSessions({ maxPerIp: 0, limitLoopback: true })))

  it.effect("refuses everything once stopped", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      sessions.stop()
      assert.deepStrictEqual(sessions.refusal("10.0.0.1"), { _tag: "Refused", why: "stopping", limit: 0 })
      assert.deepStrictEqual(sessions.refusal(undefined), { _tag: "Refused", why: "stopping", limit: 0 })
    }).pipe(withSessions()))

  it.effect("frees a place on remove, once however often a session is removed", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const a = session("10.0.0.1")
      sessions.add(a)
      assert.strictEqual(sessions.refusal("10.0.0.1")?.why, "full")
      sessions.remove(a)
      assert.isUndefined(sessions.refusal("10.0.0.1"))
      sessions.remove(a)
      sessions.add(session("10.0.0.2"))
      assert.strictEqual(sessions.refusal("10.0.0.3")?.why, "full", "a second remove freed a second place")
      assert.strictEqual(sessions.live.size, 1)
    }).pipe(withSessions({ maxConnections: 1 })))

  it.effect("frees an address's place on remove", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const a = session("10.0.0.1")
      const b = session("10.0.0.1")
      sessions.add(a)
      sessions.add(b)
      assert.strictEqual(sessions.refusal("10.0.0.1")?.why, "address")
      sessions.remove(a)
      sessions.remove(a)
      assert.isUndefined(sessions.refusal("10.0.0.1"))
      sessions.add(session("10.0.0.1"))
      assert.strictEqual(sessions.refusal("10.0.0.1")?.why, "address")
      sessions.remove(session(undefined))
      assert.strictEqual(sessions.live.size, 2, "removing an unknown session changes nothing")
    }).pipe(withSessions({ maxPerIp: 2 })))

  it.effect("finds a session by nickname, ignoring case", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const anon = session("10.0.0.1")
      const alice = session("10.0.0.2", "Alice")
      sessions.add(anon)
      sessions.add(alice)
      assert.strictEqual(sessions.findNick("alice"), alice)
      assert.strictEqual(sessions.findNick("ALICE"), alice)
      assert.isUndefined(sessions.findNick("bob"))
      sessions.remove(alice)
      assert.isUndefined(sessions.findNick("alice"))
    }).pipe(withSessions()))

  it.effect("awaitEmpty completes at once when no session is left", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      assert.isDefined((yield* started(sessions.awaitEmpty)).pollUnsafe())
      const a = session("10.0.0.1")
      sessions.add(a)
      sessions.remove(a)
      assert.isDefined((yield* started(sessions.awaitEmpty)).pollUnsafe())
    }).pipe(withSessions()))

  it.effect("awaitEmpty completes only once the last session is removed", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const a = session("10.0.0.1")
      const b = session("10.0.0.2")
      sessions.add(a)
      sessions.add(b)
      const waiter = yield* started(sessions.awaitEmpty)
      assert.isUndefined(waiter.pollUnsafe())
      sessions.remove(a)
      yield* Effect.yieldNow
      assert.isUndefined(waiter.pollUnsafe())
      sessions.remove(b)
      yield* Effect.yieldNow
      assert.isDefined(waiter.pollUnsafe())
    }).pipe(withSessions()))

  it.effect("gives distinct ids", () =>
    Effect.gen(function*() {
      const sessions = yield* Sessions
      const got = Array.from({ length: 100 }, () => sessions.nextId())
      assert.strictEqual(new Set(got).size, 100)
    }).pipe(withSessions()))
})

describe("Admission", () => {
  it("counts connections without an address against maxConnections only", () => {
    const admission = new Admission({ maxConnections: 2, maxPerIp: 1, limitLoopback: true })
    admission.add(undefined)
    assert.isUndefined(admission.refusal("10.0.0.1"))
    admission.add("10.0.0.1")
    assert.strictEqual(admission.refusal("10.0.0.2")?.why, "full")
    admission.remove(undefined)
    assert.strictEqual(admission.refusal("10.0.0.1")?.why, "address")
    admission.remove("10.0.0.1")
    assert.isUndefined(admission.refusal("10.0.0.1"))
  })
})
