import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Stream } from "effect"
import { defaults } from "../../src/ChatConfig.js"
import { Hub } from "../../src/hub/Hub.js"
import * as HubMemory from "../../src/hub/HubMemory.js"
import type { Event } from "../../src/protocol/Event.js"
import { noModes } from "../../src/protocol/Modes.js"
import type { Nick, Room } from "../../src/protocol/Names.js"
import { Probe } from "../support/Probe.js"

/**
 * The hub contract: what every hub layer must do, checked against a real
 * instance of it. `makeHub` builds a fresh hub for a test; rooms with more
 * than `announceMaxMembers` members are quiet. A hub that spans processes
 * delivers later than an in-memory one, so every check waits for what it
 * expects (on the real clock, bounded) and, to show that something did not
 * arrive, for a later marker.
 */
export const hubContract = (
  name: string,
  makeHub: (announceMaxMembers: number, history?: number) => Layer.Layer<Hub, unknown>
) =>
  describe(`${name}: the hub contract`, () => {
    const withHub = (announceMaxMembers = 0, history?: number) => Effect.provide(makeHub(announceMaxMembers, history))

    const say = (room: string, from: string, text: string): Event => ({ _tag: "Chat", room, from, text })

    /** A subscribed member of `room`, once it has seen its own arrival. */
    const member = (id: string, nick: string, room: string) =>
      Effect.tap(attached(id, nick, room), (probe) => probe.until(`-!- ${nick} has joined ${room}`))

    it.live("delivers a room's events to its members in one order, and nothing of other rooms", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        const a = yield* member("s1", "ann", "#a")
        const b = yield* member("s2", "ben", "#a")
        const c = yield* member("s3", "cat", "#b")
        for (let i = 0; i < 20; i++) {
          yield* hub.publish(say("#a", i % 2 === 0 ? "ann" : "ben", `m${i}`))
          if (i % 5 === 0) yield* hub.publish(say("#b", "cat", `elsewhere ${i}`))
        }
        yield* hub.publish(say("#b", "cat", "marker"))
        yield* Effect.all([a.until("<ben> m19"), b.until("<ben> m19"), c.until("<cat> marker")])
        const chat = (p: Probe) => p.lines.filter((l) => l.startsWith("<"))
        assert.deepStrictEqual(chat(a), Array.from({ length: 20 }, (_, i) => `<${i % 2 === 0 ? "ann" : "ben"}> m${i}`))
        assert.deepStrictEqual(chat(b), chat(a))
        assert.deepStrictEqual(chat(c), ["<cat> elsewhere 0", "<cat> elsewhere 5", "<cat> elsewhere 10", "<cat> elsewhere 15", "<cat> marker"])
      }).pipe(withHub()))

    it.live("counts its users, servers and rooms", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        yield* member("s1", "ann", "#a")
        yield* member("s2", "ben", "#a")
        yield* member("s3", "cat", "#b")
        // #lobby always exists.
        assert.deepStrictEqual(yield* hub.census, { users: 3, servers: 1, rooms: 3 })
        yield* hub.leave("s3", "bye")
        assert.deepStrictEqual(yield* hub.census, { users: 2, servers: 1, rooms: 2 })
      }).pipe(withHub()))

    it.live("tells what a session says of itself, why it is away, and where it is (WHO, WHOIS), until it leaves", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        yield* member("s1", "ann", "#a")
        const ben = yield* member("s2", "ben", "#a")
        yield* hub.join("s2", "#b" as Room)
        const profile = { user: "~ann", realName: "Ann A", server: "irc.test", signon: 1000, secure: false }
        yield* hub.describe("s1", profile)
        yield* hub.identified("s1", "ann")
        yield* hub.describe("s1", { ...profile, away: "lunch" })
        assert.deepStrictEqual<unknown>(yield* hub.profiles(["ANN", "ben", "nobody"]), [
          { session: "s1", nick: "ann", profile: { ...profile, away: "lunch", account: "ann" } },
          { session: "s2", nick: "ben", profile: undefined }
        ])
        assert.deepStrictEqual<unknown>(yield* hub.findNick("Ann"), { session: "s1", nick: "ann", away: "lunch" })
        yield* hub.changeModes("s2", "#b" as Room, [{ on: true, mode: "s" }])
        yield* ben.until(/ben sets mode \+s on #b/)
        assert.deepStrictEqual<unknown>((yield* hub.whois("ben"))?.rooms, [["#a", "", false], ["#b", "@", true]])
        assert.deepStrictEqual<unknown>((yield* hub.whois("ann"))?.rooms, [["#a", "@", false]])
        assert.isUndefined(yield* hub.whois("nobody"))
        yield* hub.leave("s1", "bye")
        assert.deepStrictEqual(yield* hub.profiles(["ann"]), [])
        assert.deepStrictEqual<unknown>((yield* hub.whowas("ANN")).map(({ at: _, ...d }) => d), [{ nick: "ann", user: "~ann", realName: "Ann A", server: "irc.test" }])
        assert.deepStrictEqual(yield* hub.whowas("ben"), [])
        // A rename is a departure from the old nickname.
        yield* hub.describe("s2", { ...profile, user: "~ben", realName: "Ben" })
        yield* hub.claimNick("s2", "benny" as Nick)
        assert.deepStrictEqual<unknown>((yield* hub.whowas("ben")).map((d) => [d.nick, d.user]), [["ben", "~ben"]])
      }).pipe(withHub()))

    it.live("delivers what is addressed to one session to it alone, in order with its rooms' events", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        const a = yield* member("s1", "ann", "#a")
        const b = yield* member("s2", "ben", "#a")
        yield* hub.publish(say("#a", "ben", "one"))
        yield* hub.publish({ _tag: "Private", to: "s1", nick: "ann", from: "ben", text: "psst" })
        yield* hub.publish({ _tag: "Answer", to: "s1", reply: { _tag: "NoSuchNick", nick: "zed" } })
        yield* hub.publish(say("#a", "ben", "two"))
        yield* Effect.all([a.until("<ben> two"), b.until("<ben> two")])
        assert.deepStrictEqual(a.lines.slice(-4), ["<ben> one", "*ben* psst", "-!- No such nickname: zed.", "<ben> two"])
        assert.deepStrictEqual(b.lines.slice(-2), ["<ben> one", "<ben> two"])
      }).pipe(withHub()))

    it.live("delivers what is for everyone to every session", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        const a = yield* member("s1", "ann", "#a")
        const b = yield* member("s2", "ben", "#b")
        yield* hub.publish({ _tag: "Announcement", text: "maintenance at noon" })
        yield* Effect.all([a.until("-!- [operator] maintenance at noon"), b.until("-!- [operator] maintenance at noon")])
      }).pipe(withHub()))

    it.live("moves a session exactly at its own departure and arrival", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        const a = yield* member("s1", "ann", "#a")
        const b = yield* member("s2", "ben", "#a")
        const c = yield* member("s3", "cat", "#b")
        a.take()
        yield* hub.publish(say("#a", "ben", "before the move"))
        yield* hub.part("s1", "#a" as Room, "moved to #b")
        yield* hub.join("s1", "#b" as Room)
        yield* hub.publish(say("#a", "ben", "after ann left"))
        yield* hub.publish(say("#b", "cat", "welcome"))
        yield* Effect.all([a.until("<cat> welcome"), b.until("<ben> after ann left"), c.until("<cat> welcome")])
        assert.deepStrictEqual(a.take(), [
          "<ben> before the move",
          "-!- ann has left #a (moved to #b)",
          "-!- ann has joined #b",
          "<cat> welcome"
        ])
        assert.include(b.lines, "-!- ann has left #a (moved to #b)")
        assert.include(c.lines, "-!- ann has joined #b")
        assert.deepStrictEqual<unknown>(yield* hub.roomsOf("s1"), ["#b"])
      }).pipe(withHub()))

    it.live("keeps a session in several rooms at once", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        const a = yield* member("s1", "ann", "#a")
        yield* hub.join("s1", "#b" as Room)
        yield* a.until("-!- ann has joined #b")
        yield* hub.publish(say("#a", "x", "in a"))
        yield* hub.publish(say("#b", "y", "in b"))
        yield* a.until("<y> in b")
        assert.deepStrictEqual(a.lines.slice(-2), ["<x> in a", "<y> in b"])
        assert.sameMembers<string>([...(yield* hub.roomsOf("s1"))], ["#a", "#b"])
        const joined = yield* hub.join("s1", "#a" as Room)
        assert.isTrue(joined.already)
      }).pipe(withHub()))

    it.live("keeps nicknames unique ignoring case, and frees them on rename and leave", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        yield* hub.claimNick("s1", "Alice" as Nick)
        const taken = yield* Effect.flip(hub.claimNick("s2", "ALICE" as Nick))
        assert.strictEqual(taken.reason._tag, "NickInUse")
        yield* hub.claimNick("s1", "Alicia" as Nick)
        yield* hub.claimNick("s2", "alice" as Nick)
        assert.deepStrictEqual<unknown>(yield* hub.findNick("ALICIA"), { session: "s1", nick: "Alicia" })
        yield* hub.leave("s1", undefined)
        assert.isUndefined(yield* hub.findNick("alicia"))
        yield* hub.claimNick("s3", "alicia" as Nick)
      }).pipe(withHub()))

    it.live("tells a room of renames, and a session in a quiet room only itself", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        const a = yield* member("s1", "ann", "#a")
        const b = yield* member("s2", "ben", "#a")
        yield* hub.claimNick("s1", "anne" as Nick)
        yield* Effect.all([a.until("-!- ann is now known as anne"), b.until("-!- ann is now known as anne")])
      }).pipe(withHub()))

    it.live("gives rosters: how many, their nicknames in order, and the room's operator", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        yield* member("s1", "cat", "#a")
        yield* member("s2", "ann", "#a")
        yield* member("s3", "ben", "#a")
        const roster = yield* hub.roster("#a" as Room)
        assert.deepStrictEqual<unknown>({ ...roster, created: undefined }, {
          room: "#a",
          count: 3,
          nicks: ["ann", "ben", "cat"],
          operators: ["cat"],
          voiced: [],
          modes: noModes,
          created: undefined,
          bans: []
        })
        assert.isAbove(roster!.created, 0)
        assert.isUndefined(yield* hub.roster("#nowhere" as Room))
        const rooms = yield* hub.rooms
        assert.deepStrictEqual<unknown>(rooms.find((r) => r.room === "#a"), { room: "#a", members: 3, topic: undefined, modes: noModes, bans: [] })
      }).pipe(withHub()))

    it.live("names at most 100 members in a roster, the first to join", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        for (let i = 0; i < 120; i++) {
          yield* hub.claimNick(`s${i}`, `n${String(i).padStart(3, "0")}` as Nick)
          yield* hub.join(`s${i}`, "#big" as Room)
        }
        const roster = (yield* hub.roster("#big" as Room))!
        assert.strictEqual(roster.count, 120)
        assert.deepStrictEqual<unknown>(roster.nicks, Array.from({ length: 100 }, (_, i) => `n${String(i).padStart(3, "0")}`))
      }).pipe(withHub()))

    it.live("keeps a room's topic, tells the room of changes, and refuses those outside it", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        const a = yield* member("s1", "ann", "#a")
        yield* member("s2", "ben", "#b")
        const before = Date.now()
        const setter = yield* hub.setTopic("s1", "#a" as Room, "release on friday")
        yield* a.until("-!- ann set the topic of #a to: release on friday")
        assert.strictEqual(setter?.by, "ann")
        assert.isAtLeast(setter!.at, before)
        assert.isAtMost(setter!.at, Date.now())
        assert.strictEqual((yield* hub.rooms).find((r) => r.room === "#a")?.topic, "release on friday")
        assert.strictEqual(yield* hub.topic("#a" as Room), "release on friday")
        // Who set it and when go with it: to a query, and to whoever joins.
        assert.deepStrictEqual(yield* hub.topicInfo("#a" as Room), { text: "release on friday", setter })
        assert.isUndefined(yield* hub.setTopic("s1", "#a" as Room, "release on friday"), "the same again changes nothing")
        yield* hub.claimNick("s3", "cat" as Nick)
        const seen = yield* hub.join("s3", "#a" as Room)
        assert.deepStrictEqual([seen.topic, seen.topicSetter], ["release on friday", setter])
        const outsider = yield* Effect.flip(hub.setTopic("s2", "#a" as Room, "mine"))
        assert.strictEqual(outsider.reason._tag, "NotInRoom")
        const missing = yield* Effect.flip(hub.setTopic("s1", "#nowhere" as Room, "x"))
        assert.strictEqual(missing.reason._tag, "NoSuchRoom")
        yield* hub.setTopic("s1", "#a" as Room, undefined)
        yield* a.until("-!- ann cleared the topic of #a")
        assert.isUndefined((yield* hub.rooms).find((r) => r.room === "#a")?.topic)
        assert.isUndefined(yield* hub.topic("#a" as Room))
        assert.isUndefined(yield* hub.topic("#nowhere" as Room))
        assert.isUndefined(yield* hub.topicInfo("#a" as Room))
        assert.isUndefined(yield* hub.topicInfo("#nowhere" as Room))
        const joined = yield* hub.join("s2", "#a" as Room)
        assert.isUndefined(joined.topic)
        assert.isUndefined(joined.topicSetter)
      }).pipe(withHub()))

    it.live("refuses to part a room the session is not in, or one that does not exist", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        yield* member("s1", "ann", "#a")
        yield* member("s2", "ben", "#b")
        assert.strictEqual((yield* Effect.flip(hub.part("s1", "#b" as Room, "bye"))).reason._tag, "NotInRoom")
        assert.strictEqual((yield* Effect.flip(hub.part("s1", "#zzz" as Room, "bye"))).reason._tag, "NoSuchRoom")
        assert.strictEqual((yield* Effect.flip(hub.join("s9", "#a" as Room))).reason._tag, "NotRegistered")
      }).pipe(withHub()))

    it.live("tells only the session itself of comings and goings in a room over the announce limit", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        const probes = []
        for (let i = 1; i <= 3; i++) probes.push(yield* member(`s${i}`, `m${i}`, "#big"))
        const dave = yield* member("s4", "dave", "#small")
        yield* hub.part("s4", "#small" as Room, "moved to #big")
        yield* hub.join("s4", "#big" as Room)
        yield* hub.publish(say("#big", "m1", "hi"))
        yield* Effect.all([dave.until("<m1> hi"), probes[0].until("<m1> hi")])
        assert.deepStrictEqual(dave.lines.slice(-3), ["-!- dave has left #small (moved to #big)", "-!- dave has joined #big", "<m1> hi"])
        assert.notInclude(probes[0].lines, "-!- dave has joined #big")
      }).pipe(withHub(3)))

    it.live("tells rooms why a session left, and nothing when no reason is given; empty rooms go, the lobby stays", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        const a = yield* member("s1", "ann", "#lobby")
        yield* member("s2", "ben", "#lobby")
        yield* member("s3", "cat", "#side")
        yield* hub.leave("s2", "quit: lunch")
        yield* a.until("-!- ben has left #lobby (quit: lunch)")
        yield* hub.leave("s3", undefined)
        yield* hub.leave("s1", undefined)
        const rooms = yield* hub.rooms
        assert.deepStrictEqual<unknown>(rooms.map((r) => [r.room, r.members]), [["#lobby", 0]])
      }).pipe(withHub()))

    it.live("marks the departures of a session that leaves the server as quits, and a part as not", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        const a = yield* member("s1", "ann", "#a")
        yield* hub.join("s1", "#b" as Room)
        yield* member("s2", "ben", "#a")
        yield* hub.join("s2", "#b" as Room)
        yield* a.until("-!- ben has joined #b")
        yield* hub.part("s2", "#a" as Room, "")
        yield* hub.leave("s2", "quit: bye")
        yield* a.until("-!- ben has left #b (quit: bye)")
        const lefts = a.calls.flat().flatMap(({ event }) => event._tag === "Left" ? [[event.room, event.quit === true]] : [])
        assert.deepStrictEqual(lefts, [["#a", false], ["#b", true]])
        assert.include(a.lines, "-!- ben has left #a")
      }).pipe(withHub()))

    it.live("finds nicknames by mask, ignoring case, up to a limit", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        for (const [id, nick] of [["s1", "alice"], ["s2", "Albert"], ["s3", "bob"]]) {
          yield* hub.claimNick(id, nick as Nick).pipe(Effect.ignore)
        }
        const nicks = (found: ReadonlyArray<{ nick: string }>) => found.map((m) => m.nick).sort()
        assert.deepStrictEqual(nicks(yield* hub.matchNicks("AL*", 10)), ["Albert", "alice"])
        assert.deepStrictEqual(nicks(yield* hub.matchNicks("b?b", 10)), ["bob"])
        assert.deepStrictEqual(nicks(yield* hub.matchNicks("*", 10)), ["Albert", "alice", "bob"])
        assert.deepStrictEqual(nicks(yield* hub.matchNicks("al.*", 10)), [])
        assert.strictEqual((yield* hub.matchNicks("*", 2)).length, 2)
      }).pipe(withHub()))

    it.live("delivers a Closing for everyone to every session, and to one that subscribes after it", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        const a = yield* member("s1", "ann", "#a")
        yield* hub.publish({ _tag: "Closing", reason: { _tag: "Shutdown" } })
        yield* a.until("-!- Server shutting down. Goodbye.")
        const late = new Probe()
        yield* hub.subscribe("s9", late)
        yield* late.until("-!- Server shutting down. Goodbye.")
      }).pipe(withHub()))

    it.live("stops delivering to a session when its subscription's scope closes", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        const a = yield* member("s1", "ann", "#a")
        const gone = new Probe()
        yield* hub.claimNick("s2", "ben" as Nick)
        yield* Effect.scoped(Effect.gen(function*() {
          yield* hub.subscribe("s2", gone)
          yield* hub.join("s2", "#a" as Room)
          yield* gone.until("-!- ben has joined #a")
        }))
        yield* hub.publish(say("#a", "ann", "after"))
        yield* a.until("<ann> after")
        assert.notInclude(gone.lines, "<ann> after")
      }).pipe(withHub()))

    it.live("gives whoever joins a room its last messages, oldest first, as many as it keeps, while the room exists", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        yield* member("s1", "ann", "#a")
        yield* member("s2", "ben", "#b")
        for (let i = 1; i <= 5; i++) yield* hub.publish(say("#a", "ann", `m${i}`))
        yield* hub.publish({ _tag: "Action", room: "#a", from: "ann", text: "waves" })
        yield* hub.publish(say("#b", "ben", "elsewhere"))
        yield* hub.publish({ _tag: "Notice", room: "#a", text: "not a message" })
        yield* hub.claimNick("s3", "cat" as Nick)
        const joined = yield* hub.join("s3", "#a" as Room)
        assert.deepStrictEqual(
          joined.history.map((e) => [e.from, e.text, e.action === true]),
          [["ann", "m4", false], ["ann", "m5", false], ["ann", "waves", true]]
        )
        assert.isTrue(joined.history.every((e, i, all) => e.at > 0 && (i === 0 || all[i - 1].at <= e.at)))
        assert.deepStrictEqual((yield* hub.join("s3", "#a" as Room)).history, [], "already in: nothing again")
        // Emptied, the room is gone, and so is what was said in it.
        yield* hub.leave("s1", "quit")
        yield* hub.leave("s3", "quit")
        yield* hub.claimNick("s4", "dan" as Nick)
        assert.deepStrictEqual((yield* hub.join("s4", "#a" as Room)).history, [])
        assert.deepStrictEqual((yield* hub.join("s4", "#b" as Room)).history.map((e) => e.text), ["elsewhere"])
      }).pipe(withHub(0, 3)))

    it.live("gives a room what a store kept only where it has nothing, telling no one, and nothing to a room that does not exist", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        const a = yield* member("s1", "ann", "#a")
        yield* member("s2", "ben", "#b")
        yield* hub.publish(say("#b", "ben", "said here"))
        const kept = (text: string) => ({ topic: `kept ${text}`, history: [{ at: 1, from: "old", text }, { at: 2, from: "old", text: `${text} too`, action: true }] })
        yield* hub.restoreRoom("#a" as Room, { ...kept("for a"), topicSetter: { by: "old", at: 5000 } })
        yield* hub.restoreRoom("#b" as Room, kept("for b"))
        yield* hub.restoreRoom("#nowhere" as Room, kept("for nowhere"))
        yield* hub.claimNick("s3", "cat" as Nick)
        const joinedA = yield* hub.join("s3", "#a" as Room)
        assert.strictEqual(joinedA.topic, "kept for a")
        assert.deepStrictEqual(joinedA.topicSetter, { by: "old", at: 5000 })
        assert.deepStrictEqual(joinedA.history.map((e) => [e.from, e.text, e.action === true]), [["old", "for a", false], ["old", "for a too", true]])
        const joinedB = yield* hub.join("s3", "#b" as Room)
        assert.strictEqual(joinedB.topic, "kept for b")
        assert.isUndefined(joinedB.topicSetter, "a topic kept without its setter comes without")
        assert.deepStrictEqual(joinedB.history.map((e) => e.text), ["said here"], "a room's own history stays")
        // It has a topic now: a second one kept is not put over it.
        yield* hub.restoreRoom("#a" as Room, { topic: "another", history: [] })
        assert.strictEqual(yield* hub.topic("#a" as Room), "kept for a")
        assert.isUndefined(yield* hub.topic("#nowhere" as Room))
        yield* hub.publish(say("#a", "ann", "marker"))
        yield* a.until("<ann> marker")
        assert.isFalse(a.lines.some((line) => line.includes("kept")), "nobody is told")
      }).pipe(withHub(0, 10)))

    it.live("keeps no history when it is told to keep none", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        yield* member("s1", "ann", "#a")
        yield* hub.publish(say("#a", "ann", "one"))
        yield* hub.claimNick("s2", "ben" as Nick)
        assert.deepStrictEqual((yield* hub.join("s2", "#a" as Room)).history, [])
      }).pipe(withHub(0, 0)))

    it.live("gives every event to a stream of them (a bot)", () =>
      Effect.gen(function*() {
        const hub = yield* Hub
        yield* member("s1", "ann", "#a")
        const taken = yield* Effect.forkScoped(
          hub.events.pipe(Stream.filter(({ event }) => event._tag === "Chat"), Stream.take(2), Stream.runCollect)
        )
        yield* Effect.yieldNow
        yield* hub.publish(say("#a", "ann", "one"))
        yield* hub.publish(say("#a", "ann", "two"))
        const events = yield* Fiber.join(taken)
        assert.deepStrictEqual(events.map(({ event }) => (event as { text: string }).text), ["one", "two"])
      }).pipe(withHub()))
  })

/** Registers a session, subscribes a probe for it, and puts it in `room`: what a session does. */
export const attached = (id: string, nick: string, room: string) =>
  Effect.gen(function*() {
    const hub = yield* Hub
    const probe = new Probe()
    yield* hub.claimNick(id, nick as Nick)
    yield* hub.subscribe(id, probe)
    yield* hub.join(id, room as Room)
    return probe
  })

/** The memory hub with its settings: what the contract runs against first. */
export const memoryHub = (announceMaxMembers: number, history?: number) =>
  HubMemory.layer({ ...defaults, announceMaxMembers, ...(history === undefined ? {} : { history }) })
