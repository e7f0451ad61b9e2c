import { assert, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Option } from "effect"
import { TestClock } from "effect/testing"
import { Stats } from "../../src/observe/Stats.js"
import { Sessions } from "../../src/session/Sessions.js"
import { connect, connectIrc, type MemoryClient, withServices } from "../support/MemoryClient.js"

/** Waits until the server has let the client's connection go. */
const closedBy = (client: { readonly closed: Deferred.Deferred<void> }) => TestClock.withLive(Deferred.await(client.closed).pipe(Effect.timeout("5 seconds")))

/** Telnet's Ctrl-C (IAC IP, IAC DO TIMING-MARK): the client is answered WILL TIMING-MARK before `goodbye`. */
const ctrlC = (client: MemoryClient, goodbye: string) =>
  Effect.gen(function*() {
    client.sendBytes(Uint8Array.of(255, 244, 255, 253, 6))
    yield* client.until(goodbye)
    const all = Buffer.concat(client.bytes)
    const mark = all.indexOf(Buffer.from([255, 251, 6]))
    assert.isAbove(mark, -1, "no WILL TIMING-MARK")
    assert.isBelow(mark, all.indexOf(goodbye))
  })

describe("a session over an in-memory connection", () => {
  it.effect("greets, registers, relays chat and answers commands", () =>
    Effect.gen(function*() {
      const alice = yield* connect
      assert.strictEqual(yield* alice.until("-!-"), "-!- Welcome to hubbub, a group chat server.")
      yield* alice.join("alice")
      const bob = yield* (yield* connect).join("bob")
      yield* alice.until("-!- bob has joined #lobby")
      bob.send("hello", "/me waves", "/msg alice psst", "/topic tea time", "/join", "/who")
      assert.strictEqual(yield* alice.until(/^</), "<bob> hello")
      assert.strictEqual(yield* alice.until(/^\*/), "* bob waves")
      assert.strictEqual(yield* alice.until(/^\*bob\*/), "*bob* psst")
      assert.strictEqual(yield* bob.until("Message to"), "-!- Message to alice: psst")
      assert.strictEqual(yield* alice.until("topic"), "-!- bob set the topic of #lobby to: tea time")
      assert.strictEqual(yield* bob.until("Usage"), "-!- Usage: /join ROOM [KEY]")
      assert.strictEqual(yield* bob.until("Members of"), "-!- Members of #lobby (2): alice, bob")
      const sessions = yield* Sessions
      assert.deepStrictEqual<unknown>([...sessions.live.values()].map((s) => s.nick).sort(), ["alice", "bob"])
    }).pipe(withServices()))

  it.effect("shows a room's topic to whoever joins it", () =>
    Effect.gen(function*() {
      const alice = yield* (yield* connect).join("alice")
      alice.send("/join dev", "/topic shipping")
      yield* alice.until("set the topic of #dev")
      const bob = yield* (yield* connect).join("bob")
      bob.send("/join #dev")
      assert.strictEqual(yield* bob.until("Members of #dev"), "-!- Members of #dev (2): @alice, bob")
      assert.strictEqual(yield* bob.until("Topic"), "-!- Topic of #dev: shipping")
      bob.send("/topic -")
      assert.strictEqual(yield* alice.until("cleared"), "-!- bob cleared the topic of #dev")
      bob.send("/topic")
      assert.strictEqual(yield* bob.until("No topic"), "-!- No topic is set for #dev.")
    }).pipe(withServices()))

  it.effect("says goodbye on quit, tells the room, and closes", () =>
    Effect.gen(function*() {
      const alice = yield* (yield* connect).join("alice")
      const bob = yield* (yield* connect).join("bob")
      bob.send("/quit lunch")
      assert.strictEqual(yield* bob.until("Goodbye"), "-!- Goodbye, bob.")
      assert.strictEqual(yield* alice.until("bob has left"), "-!- bob has left #lobby (quit: lunch)")
      yield* closedBy(bob)
    }).pipe(withServices()))

  it.effect("delivers a half-closed client's last line and says goodbye; a reset leaves at once", () =>
    Effect.gen(function*() {
      const alice = yield* (yield* connect).join("alice")
      const carol = yield* (yield* connect).join("carol")
      carol.send("last words")
      carol.end()
      assert.strictEqual(yield* alice.until(/^<carol>/), "<carol> last words")
      assert.strictEqual(yield* carol.until("Goodbye"), "-!- Goodbye, carol.")
      assert.strictEqual(yield* alice.until("carol has left"), "-!- carol has left #lobby (connection closed)")
      const dave = yield* (yield* connect).join("dave")
      dave.reset()
      assert.strictEqual(yield* alice.until("dave has left"), "-!- dave has left #lobby (connection reset)")
      yield* closedBy(dave)
    }).pipe(withServices()))

  it.effect("ends a session whose input is done as a connection closed, not reset: its goodbye and its room told so", () =>
    Effect.gen(function*() {
      const alice = yield* (yield* connect).join("alice")
      const erin = yield* (yield* connect).join("erin")
      erin.done()
      assert.strictEqual(yield* erin.until("Goodbye"), "-!- Goodbye, erin.")
      assert.strictEqual(yield* alice.until("erin has left"), "-!- erin has left #lobby (connection closed)")
      yield* closedBy(erin)
    }).pipe(withServices()))

  it.effect("takes telnet's Ctrl-C as a quit, answering its timing mark first", () =>
    Effect.gen(function*() {
      const bob = yield* (yield* connect).join("bob")
      yield* ctrlC(bob, "-!- Goodbye, bob.")
    }).pipe(withServices()))

  it.effect("answers the timing mark of a Ctrl-C before a nickname too", () =>
    Effect.gen(function*() {
      const lurker = yield* connect
      yield* lurker.until("Choose a nickname")
      yield* ctrlC(lurker, "-!- Goodbye.")
      yield* closedBy(lurker)
    }).pipe(withServices()))

  it.effect("closes a connection that chooses no nickname within --register-timeout", () =>
    Effect.gen(function*() {
      const lurker = yield* connect
      yield* lurker.until("Choose a nickname")
      yield* TestClock.adjust("29 seconds")
      lurker.send("!!")
      yield* lurker.until("Invalid nickname")
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* lurker.until("Disconnected"), "-!- Disconnected: no nickname chosen within 30s.")
      yield* closedBy(lurker)
      assert.strictEqual((yield* Stats).counters.timeouts, 1)
    }).pipe(withServices()))

  it.effect("keeps a registered client past --register-timeout", () =>
    Effect.gen(function*() {
      const alice = yield* (yield* connect).join("alice")
      yield* TestClock.adjust("1 minute")
      alice.send("still here")
      assert.strictEqual(yield* alice.until(/^</), "<alice> still here")
    }).pipe(withServices()))

  it.effect("closes a client that completes no line for --idle-timeout, however much it drips", () =>
    Effect.gen(function*() {
      const alice = yield* (yield* connect).join("alice")
      const loris = yield* (yield* connect).join("loris")
      for (let i = 0; i < 5; i++) {
        loris.sendBytes(new TextEncoder().encode("z"))
        alice.send(`still here ${i}`)
        yield* alice.until(`still here ${i}`)
        yield* TestClock.adjust("2 seconds")
      }
      assert.strictEqual(yield* loris.until("Disconnected"), "-!- Disconnected: no message for 10s.")
      assert.strictEqual(yield* alice.until("loris has left"), "-!- loris has left #lobby (disconnected: idle)")
      alice.send("and now")
      yield* alice.until("and now")
    }).pipe(withServices({ idleTimeout: Option.some(Duration.seconds(10)) })))

  it.effect("holds a flooder back without dropping a line, and cuts off one that never pauses", () =>
    Effect.gen(function*() {
      const alice = yield* (yield* connect).join("alice")
      const flooder = yield* (yield* connect).join("flooder")
      flooder.send(...Array.from({ length: 30 }, (_, i) => `f${i}`))
      // 10 lines a second (its nickname took one token of the first ten): three seconds for thirty
      yield* TestClock.adjust("2 seconds")
      assert.isBelow(alice.lines.filter((l) => l.startsWith("<flooder>")).length, 30)
      yield* TestClock.adjust("1200 millis")
      assert.strictEqual(yield* alice.until("f29"), "<flooder> f29")
      assert.deepStrictEqual(
        alice.lines.filter((l) => l.startsWith("<flooder>")),
        Array.from({ length: 30 }, (_, i) => `<flooder> f${i}`)
      )
      // it never pauses: held back for the flood timeout, it is cut off
      for (let i = 0; i < 12; i++) {
        flooder.send(...Array.from({ length: 20 }, (_, k) => `g${i}.${k}`))
        yield* TestClock.adjust("1 second")
      }
      assert.match(yield* flooder.until("Disconnected"), /^-!- Disconnected: flooding \(more than 10 lines or 1000 bytes a second for 5s\)\.$/)
      assert.strictEqual(yield* alice.until("flooder has left"), "-!- flooder has left #lobby (disconnected: flooding)")
      assert.strictEqual((yield* Stats).counters.floodDisconnects, 1)
    }).pipe(withServices({
      floodRate: 10,
      floodBurst: 10,
      maxLineBytes: 100,
      floodTimeout: Duration.seconds(5)
    })))

  it.effect("throttles bytes that end no line, too", () =>
    Effect.gen(function*() {
      const stats = yield* Stats
      const flooder = yield* (yield* connect).join("flooder")
      const before = stats.counters.bytesIn
      // a line's worth of bytes costs a line: 10 lines a second is 1000 bytes
      for (let i = 0; i < 30; i++) flooder.sendBytes(new Uint8Array(500).fill(0x78))
      yield* flooder.until("too long")
      yield* Effect.yieldNow
      const read = stats.counters.bytesIn - before
      assert.isAtMost(read, 10 * 500 + 500)
      yield* TestClock.adjust("1 second")
      yield* Effect.yieldNow
      assert.isAbove(stats.counters.bytesIn - before, read)
    }).pipe(withServices({ floodRate: 10, floodBurst: 10, maxLineBytes: 100 })))

  it.effect("disconnects a client that leaves a write untaken for --write-timeout", () =>
    Effect.gen(function*() {
      const alice = yield* (yield* connect).join("alice")
      const stuck = yield* (yield* connect).join("stuck")
      stuck.pause()
      // more than the writer keeps in flight, so that the outbox backs up
      for (let i = 0; i < 100; i++) alice.send(`${i} ${"x".repeat(1000)}`)
      yield* alice.until(/^<alice> 99 /)
      yield* TestClock.adjust("29 seconds")
      assert.isFalse(alice.lines.some((l) => l.includes("stuck has left")))
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* alice.until("stuck has left"), "-!- stuck has left #lobby (disconnected: too slow)")
      assert.strictEqual((yield* Stats).counters.slowDisconnects, 1)
      // reading again, it gets what was in flight and the reason
      stuck.resume()
      assert.strictEqual(yield* stuck.until("Disconnected"), "-!- Disconnected: you did not read for 30s.")
      yield* closedBy(stuck)
    }).pipe(withServices({ floodRate: 0 })))

  it.effect("cuts off a client whose outbox overflows: it gets what was in flight, then the reason", () =>
    Effect.gen(function*() {
      const alice = yield* (yield* connect).join("alice")
      const stuck = yield* (yield* connect).join("stuck")
      stuck.pause()
      const cut = /^-!- stuck has left #lobby \(disconnected: too slow\)$/
      for (let i = 0; i < 300 && !alice.saw(cut); i++) {
        alice.send(`${i} ${"x".repeat(1000)}`)
        yield* alice.until(`<alice> ${i} `)
      }
      assert.isTrue(alice.saw(cut))
      stuck.resume()
      yield* closedBy(stuck)
      assert.match(stuck.lines.at(-1)!, /^-!- Disconnected: you are not reading fast enough \(more than 65536 bytes/)
      // what it got before the reason is what was in flight: a prefix of what was said, in order
      const got = stuck.lines.filter((l) => l.startsWith("<alice> ")).map((l) => Number(l.split(" ")[1]))
      assert.deepStrictEqual(got, Array.from({ length: got.length }, (_, i) => i))
    }).pipe(withServices({ floodRate: 0, outboxBytes: 64 * 1024 })))

  it.effect("closes at the operator's word, telling the client and its room why", () =>
    Effect.gen(function*() {
      const alice = yield* (yield* connect).join("alice")
      const bob = yield* (yield* connect).join("bob")
      const sessions = yield* Sessions
      sessions.findNick("BOB")!.close({ _tag: "Kicked", message: "spamming" })
      assert.strictEqual(yield* bob.until("disconnected"), "-!- You have been disconnected by the operator: spamming")
      assert.strictEqual(yield* alice.until("bob has left"), "-!- bob has left #lobby (kicked: spamming)")
      yield* closedBy(bob)
      assert.isUndefined(sessions.findNick("bob"))
    }).pipe(withServices()))

  it.effect("refuses a connection over the limit with one notice, and takes one again when a place frees up", () =>
    Effect.gen(function*() {
      const alice = yield* (yield* connect).join("alice")
      const refused = yield* connect
      assert.strictEqual(yield* refused.until("-!-"), "-!- Server full (1 connections); try again later.")
      yield* closedBy(refused)
      alice.send("/quit")
      yield* closedBy(alice)
      yield* (yield* connect).join("bob")
      assert.strictEqual((yield* Stats).counters.refused, 1)
    }).pipe(withServices({ maxConnections: 1 })))
})

describe("an IRC session over an in-memory connection", () => {
  it.effect("is pinged after --ping-interval of silence, kept while it answers, and cut off when it does not", () =>
    Effect.gen(function*() {
      const alice = yield* connectIrc
      alice.send("NICK alice", "USER alice 0 * :Alice")
      yield* alice.until(/ 376 /)
      yield* TestClock.adjust("119 seconds")
      alice.send("PING :early")
      yield* alice.until("PONG")
      yield* TestClock.adjust("119 seconds")
      assert.isFalse(alice.saw(/^PING/), "pinged although it spoke within the interval")
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* alice.until(/^PING/), "PING :irc.test")
      yield* TestClock.adjust("60 seconds")
      alice.send("PONG :irc.test")
      yield* TestClock.adjust("60 seconds")
      yield* TestClock.adjust("60 seconds")
      assert.isFalse(alice.saw(/^ERROR/))
      // silent from now on: pinged once more, then cut off an interval later
      yield* TestClock.adjust("60 seconds")
      assert.strictEqual(alice.lines.filter((l) => l.startsWith("PING")).length, 2)
      yield* TestClock.adjust("120 seconds")
      assert.strictEqual(yield* alice.until(/^ERROR/), "ERROR :Ping timeout: 2m")
      yield* closedBy(alice)
      assert.strictEqual((yield* Stats).counters.timeouts, 1)
    }).pipe(withServices()))

  it.effect("gets ERROR with the reason when it registers too late", () =>
    Effect.gen(function*() {
      const lurker = yield* connectIrc
      lurker.send("NICK lurker")
      yield* TestClock.adjust("30 seconds")
      assert.strictEqual(yield* lurker.until(/^ERROR/), "ERROR :Registration timeout: 30s")
      yield* closedBy(lurker)
    }).pipe(withServices()))
})
