import { assert, describe, it } from "@effect/vitest"
import type { Event } from "../../src/protocol/Event.js"
import { RedisUnavailable, shownUrl } from "../../src/hub/HubError.js"
import { historyEntry, historyOf, RedisWire } from "../../src/hub/redis/RedisWire.js"

describe("RedisWire: events between servers", () => {
  const here = new RedisWire("host:9001")
  const there = new RedisWire("host:9002")

  it("names this server's sessions for the cluster, and takes the names of its own back", () => {
    const events: ReadonlyArray<Event> = [
      { _tag: "Chat", room: "#a", from: "ann", text: "hi", session: "s1" },
      { _tag: "Joined", room: "#a", nick: "ann", session: "s1" },
      { _tag: "Private", to: "host:9002/s7", nick: "ben", from: "ann", text: "psst" },
      { _tag: "Notice", text: "for everyone" }
    ]
    const payload = here.encode(events, 1234)
    assert.deepStrictEqual(JSON.parse(payload), {
      at: 1234,
      events: [
        { _tag: "Chat", room: "#a", from: "ann", text: "hi", session: "host:9001/s1" },
        { _tag: "Joined", room: "#a", nick: "ann", session: "host:9001/s1" },
        { _tag: "Private", to: "host:9002/s7", nick: "ben", from: "ann", text: "psst" },
        { _tag: "Notice", text: "for everyone" }
      ]
    })
    // Back home, its own sessions have their own ids again; elsewhere they keep their cluster names.
    assert.deepStrictEqual(here.decode(payload).events, events)
    const abroad = there.decode(payload)
    assert.strictEqual(abroad.at, 1234)
    assert.deepStrictEqual(abroad.events[0], { _tag: "Chat", room: "#a", from: "ann", text: "hi", session: "host:9001/s1" })
    assert.deepStrictEqual(abroad.events[2], { _tag: "Private", to: "s7", nick: "ben", from: "ann", text: "psst" })
  })

  it("tells which server a session is on", () => {
    assert.strictEqual(here.nodeOf("s1"), "host:9001")
    assert.strictEqual(here.nodeOf("host:9002/s7"), "host:9002")
    assert.strictEqual(here.global("s1"), "host:9001/s1")
    assert.strictEqual(here.global("host:9002/s7"), "host:9002/s7")
    assert.strictEqual(here.local("host:9001/s1"), "s1")
  })

  it("keeps chat and actions as history, and gives the last of them back oldest first", () => {
    assert.isUndefined(historyEntry({ _tag: "Notice", room: "#a", text: "not kept" }, 1))
    const entry = (text: string, at: number) => historyEntry({ _tag: "Chat", room: "#a", from: "ann", text }, at)!
    const action = historyEntry({ _tag: "Action", room: "#a", from: "ben", text: "waves" }, 3)!
    // XREVRANGE: the newest entry (a batch) first, each entry's messages as repeated fields.
    const entries = [
      ["3-0", ["h", entry("three", 3), "h", action]],
      ["2-0", ["h", entry("two", 2)]],
      ["1-0", ["h", entry("one", 1), "h", "not json"]]
    ] as const
    assert.deepStrictEqual(historyOf(entries, 3), [
      { at: 2, from: "ann", text: "two" },
      { at: 3, from: "ann", text: "three" },
      { at: 3, from: "ben", text: "waves", action: true }
    ])
    assert.deepStrictEqual(historyOf(entries, 10).map((e) => e.text), ["one", "two", "three", "waves"])
  })
})

describe("shownUrl", () => {
  it("shows a Redis URL without its password", () => {
    assert.strictEqual(shownUrl("redis://user:secret@db.example:6380/2"), "redis://user:***@db.example:6380/2")
    assert.strictEqual(shownUrl("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379")
    assert.strictEqual(new RedisUnavailable({ url: "redis://:pw@h:1", reason: "connection refused" }).message, "cannot reach Redis at redis://:***@h:1: connection refused")
  })
})
