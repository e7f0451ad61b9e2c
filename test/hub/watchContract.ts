import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { Hub } from "../../src/hub/Hub.js"
import type { Event } from "../../src/protocol/Event.js"
import type { Nick, Room } from "../../src/protocol/Names.js"
import type { Probe } from "../support/Probe.js"
import { attached } from "./contract.js"

/** What a watcher was told of nicknames coming and going, in order: `+nick` online, `-nick` offline. */
const told = (probe: Probe): ReadonlyArray<string> =>
  probe.events.flatMap((e) =>
    e._tag === "Answer" && e.reply._tag === "Monitored" && (e.reply.what === "online" || e.reply.what === "offline")
      ? e.reply.nicks.map((nick) => `${e.reply._tag === "Monitored" && e.reply.what === "online" ? "+" : "-"}${nick}`)
      : []
  )

/** What a watcher was handed of what a nickname changed of itself (IRC's extended-monitor), by its `change`. */
const changes = (probe: Probe): ReadonlyArray<string> =>
  probe.events.flatMap((e) => e._tag === "MemberChanged" && e.to !== undefined ? [e.change] : [])

const away = (nick: string, change: string) => ({ nick, change, what: "away" as const, value: "out" })

/**
 * The hub's part of IRC's MONITOR (`Hub.watch`), checked against a real instance of a hub layer:
 * each session's list, and what its watchers are told. Every check waits for what it expects (a
 * hub across processes delivers later), and shows that something did not arrive by a later marker.
 */
export const watchContract = (name: string, makeHub: () => Layer.Layer<Hub, unknown>) =>
  describe(`${name}: watching nicknames (IRC's MONITOR)`, () => {
    it.live("keeps each session's list: each nickname once ignoring case, as named, at most 100, and none once it leaves", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        yield* attached("s1", "ann", "#a")
        assert.deepStrictEqual(yield* hub.watch("s1", ["Bob", "bob", "cat"] as Array<Nick>), [])
        assert.deepStrictEqual<ReadonlyArray<string>>(yield* hub.watching("s1"), ["Bob", "cat"])
        const many = Array.from({ length: 120 }, (_, i) => `n${i}` as Nick)
        assert.deepStrictEqual(yield* hub.watch("s1", many), many.slice(98))
        assert.strictEqual((yield* hub.watching("s1")).length, 100)
        yield* hub.unwatch("s1", ["BOB", "n0", "nobody"])
        assert.deepStrictEqual<ReadonlyArray<string>>((yield* hub.watching("s1")).slice(0, 2), ["cat", "n1"])
        yield* hub.unwatch("s1")
        assert.deepStrictEqual(yield* hub.watching("s1"), [])
        yield* hub.watch("s1", ["bob"] as Array<Nick>)
        yield* hub.leave("s1", "bye")
        assert.deepStrictEqual(yield* hub.watching("s1"), [])
      }).pipe(Effect.provide(makeHub())))

    it.live("tells watchers as a nickname is taken, changed and freed, and nothing of the others", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        const ann = yield* attached("s1", "ann", "#a")
        const cat = yield* attached("s4", "cat", "#c")
        yield* hub.watch("s1", ["BOB", "bobby", "ann"] as Array<Nick>)
        yield* hub.watch("s4", ["bob"] as Array<Nick>)
        yield* hub.claimNick("s2", "bob" as Nick)
        yield* hub.claimNick("s3", "dan" as Nick)
        yield* hub.claimNick("s2", "Bob" as Nick)
        yield* hub.claimNick("s2", "bobby" as Nick)
        yield* hub.claimNick("s3", "don" as Nick)
        yield* hub.leave("s2", "bye")
        yield* ann.untilEvent((e) => e._tag === "Answer" && e.reply._tag === "Monitored" && e.reply.nicks.includes("bobby") && e.reply.what === "offline")
        // A change of case is no coming or going; each is told as its holder spelled it then.
        assert.deepStrictEqual(told(ann), ["+bob", "-Bob", "+bobby", "-bobby"])
        yield* cat.untilEvent((e) => e._tag === "Answer" && e.reply._tag === "Monitored" && e.reply.what === "offline")
        assert.deepStrictEqual(told(cat), ["+bob", "-Bob"])
        // A watcher that left is told nothing more.
        yield* hub.leave("s4", "bye")
        yield* hub.claimNick("s5", "bob" as Nick)
        yield* ann.untilEvent((e) => e._tag === "Answer" && e.reply._tag === "Monitored" && e.reply.what === "online" && e.reply.nicks.includes("bob") && told(ann).length > 4)
        assert.deepStrictEqual(told(cat), ["+bob", "-Bob"])
      }).pipe(Effect.provide(makeHub())))

    it.live("hands a watcher what a nickname changes of itself while they share no room", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        const ann = yield* attached("s1", "ann", "#a")
        yield* attached("s2", "bob", "#b")
        yield* hub.watch("s1", ["bob"] as Array<Nick>)
        yield* hub.tellWatchers("s2", away("bob", "c1"))
        yield* ann.untilEvent((e) => e._tag === "MemberChanged" && e.change === "c1")
        yield* hub.join("s1", "#b" as Room)
        yield* hub.tellWatchers("s2", away("bob", "c2"))
        // Taken in #b before it parts: a hub across processes hears the change and the line in this order.
        yield* hub.publish({ _tag: "Chat", room: "#b", from: "bob", text: "marker" })
        yield* ann.until("<bob> marker")
        yield* hub.part("s1", "#b" as Room, "")
        yield* hub.tellWatchers("s2", away("bob", "c3"))
        yield* ann.untilEvent((e) => e._tag === "MemberChanged" && e.change === "c3")
        assert.deepStrictEqual(changes(ann), ["c1", "c3"])
        const seen = ann.events.find((e): e is Extract<Event, { _tag: "MemberChanged" }> => e._tag === "MemberChanged")
        assert.deepStrictEqual<unknown>(seen, { _tag: "MemberChanged", to: "s1", nick: "bob", change: "c1", what: "away", value: "out" })
      }).pipe(Effect.provide(makeHub())))
  })
