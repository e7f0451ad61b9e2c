import { assert, describe, it } from "@effect/vitest"
import { Duration, Option } from "effect"
import type { TestClient } from "./support/TestClient.js"
import { fixtures } from "./support/fixtures.js"

const { connect, join, later, server } = fixtures()
/** Two clients keep chatting: each sends `count` numbered lines, and each must get all of both, in order. */
const chat = async (a: TestClient, b: TestClient, tag: string, count = 20) => {
  for (let i = 0; i < count; i++) {
    a.send(`${tag} a${i}`)
    b.send(`${tag} b${i}`)
  }
  const pattern = new RegExp(`^<(${a.nick}|${b.nick})> ${tag} `)
  for (const c of [a, b]) {
    const got: Array<string> = []
    while (got.length < 2 * count) got.push(await c.until(pattern))
    for (const [sender, who] of [[a, "a"], [b, "b"]] as const) {
      assert.deepStrictEqual(
        got.filter((l) => l.startsWith(`<${sender.nick}>`)),
        Array.from({ length: count }, (_, i) => `<${sender.nick}> ${tag} ${who}${i}`)
      )
    }
  }
}
const controls = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]/

describe("hardening", () => {
  it("relays no terminal controls and lets no client forge a line", async () => {
    const { port, logs } = await server()
    const alice = await join(port, "alice")
    const eve = await join(port, "eve")
    eve.socket.write("red \x1b[31malert\x1b[0m \x1b]0;pwned\x07 bell\x07 nul\x00 c1\x9b2J del\x7f\n")
    eve.socket.write("fine\r-!- alice is now known as admin\r<alice> send me your password\n")
    eve.socket.write(Buffer.from([0x62, 0x61, 0x64, 0xfe, 0x80, 0x0a]))
    eve.socket.write("\u202Eevil\u202C and \u200Binvisible\n")
    eve.send("/quit \x1b[2Jgone")
    const got: Array<string> = []
    while (!got.some((l) => l.includes("eve has left"))) got.push(await alice.next())
    const relayed = got.filter((l) => l.startsWith("<eve>") || l.includes("eve has left"))
    assert.deepStrictEqual(relayed, [
      "<eve> red alert  bell nul c12J del",
      "<eve> fine",
      "<eve> -!- alice is now known as admin",
      "<eve> <alice> send me your password",
      "<eve> bad\uFFFD\uFFFD",
      "<eve> evil and invisible",
      "-!- eve has left #lobby (quit: gone)"
    ])
    for (const line of got) assert.notMatch(line, controls)
    assert.deepStrictEqual(logs.filter((l) => l.level !== "Warn"), [])
  })

  it("holds a flooder back without dropping its lines, while the others chat undisturbed", async () => {
    const { port, counters } = await server({ floodRate: 100, floodBurst: 10 })
    const alice = await join(port, "alice")
    const bob = await join(port, "bob")
    const flooder = await join(port, "flooder")
    flooder.send(...Array.from({ length: 200 }, (_, i) => `f${i}`))
    await chat(alice, bob, "during")
    // every flooded line arrives, in order, just later
    await alice.seen(/^<flooder> f199$/, 10_000)
    assert.deepStrictEqual(alice.lines.filter((l) => l.startsWith("<flooder>")), Array.from({ length: 200 }, (_, i) => `<flooder> f${i}`))
    assert.strictEqual(counters.floodDisconnects, 0)
  })

  it("does not read a flooder's socket while it is held back, and cuts off one that never pauses", async () => {
    const { port, counters, logs } = await server({ floodRate: 50, floodBurst: 30, floodTimeout: Duration.seconds(1) })
    const alice = await join(port, "alice")
    const bob = await join(port, "bob")
    const flooder = await join(port, "flooder")
    const before = counters.bytesIn
    // 8 MB offered; TCP pushes back long before the server has read it
    const line = "x".repeat(1000) + "\n"
    for (let i = 0; i < 8000 && !flooder.ended; i++) flooder.socket.write(line)
    await chat(alice, bob, "meanwhile")
    assert.isBelow(counters.bytesIn - before, 2 * 1024 * 1024)
    assert.match(await flooder.until(/Disconnected/, 10_000), /^-!- Disconnected: flooding/)
    assert.strictEqual(await alice.until(/flooder has left/), "-!- flooder has left #lobby (disconnected: flooding)")
    await chat(alice, bob, "after")
    const warnings = logs.filter((l) => l.level === "Warn")
    assert.strictEqual(warnings.length, 1, JSON.stringify(warnings))
    assert.match(warnings[0].message, /flood control/)
    assert.match(String(warnings[0].annotations.peer), /^127\.0\.0\.1:\d+$/)
  })

  it("logs one warning per offender, and no more than 20 in 10 s however many offend", async () => {
    const { port, logs } = await server({ maxLineBytes: 10 })
    const offenders = await Promise.all(Array.from({ length: 30 }, (_, i) => join(port, `o${i}`)))
    for (const o of offenders) o.send("far too long for the limit", "and again, too long")
    await Promise.all(offenders.map((o) => o.until(/too long/)))
    const warnings = logs.filter((l) => l.level === "Warn")
    assert.strictEqual(warnings.length, 20)
    // one per offender: twenty different peers
    assert.strictEqual(new Set(warnings.map((w) => w.annotations.peer)).size, 20)
  })

  it("refuses connections over the global and the per-IP limit with a notice", async () => {
    const { port, counters } = await server({ maxConnections: 4, maxPerIp: 3, limitLoopback: true })
    const alice = await join(port, "alice")
    const bob = await join(port, "bob")
    const carol = await join(port, "carol")
    const fourth = await connect(port)
    assert.strictEqual(await fourth.next(), "-!- Too many connections from your address (limit 3).")
    await fourth.eof()
    bob.send("/quit")
    await bob.eof()
    await alice.until(/bob has left/)
    const dave = await join(port, "dave")
    await chat(carol, dave, "limits")
    assert.strictEqual(counters.refused, 1)
  })

  it("refuses connections over the global limit; loopback is exempt from the per-IP limit by default", async () => {
    const { port } = await server({ maxConnections: 3, maxPerIp: 1 })
    const alice = await join(port, "alice")
    const bob = await join(port, "bob")
    await join(port, "carol")
    const fourth = await connect(port)
    assert.strictEqual(await fourth.next(), "-!- Server full (3 connections); try again later.")
    await fourth.eof()
    await chat(alice, bob, "full")
  })

  it("stays responsive through a burst of 1,000 connections", async () => {
    const { port } = await server()
    const alice = await join(port, "alice")
    const crowd = await Promise.all(Array.from({ length: 1000 }, () => connect(port)))
    crowd.forEach((c, i) => c.send(`c${i}`))
    const fresh = await join(port, "fresh")
    fresh.send("made it")
    assert.strictEqual(await alice.until(/^<fresh>/, 10_000), "<fresh> made it")
    for (const c of crowd) c.reset()
  })

  it("closes a connection that picks no nickname in time", async () => {
    const { port, logs } = await server({ registerTimeout: Duration.millis(300) })
    const lurker = await connect(port)
    await lurker.until("Choose a nickname")
    lurker.socket.write("sl")
    assert.strictEqual(await lurker.until(/Disconnected/), "-!- Disconnected: no nickname chosen within 300ms.")
    await lurker.eof()
    assert.isTrue(logs.some((l) => l.level === "Warn" && /registration timeout/.test(l.message)))
  })

  it("closes an idle client (a slowloris that never finishes a line) when --idle-timeout is set", async () => {
    const { port, counters } = await server({ idleTimeout: Option.some(Duration.millis(400)) })
    const alice = await join(port, "alice")
    const loris = await join(port, "loris")
    let sent = 0
    // the slowloris drips bytes of a line it never ends; alice stays active meanwhile
    const drip = setInterval(() => {
      if (!loris.ended) loris.socket.write("z", () => sent++)
      alice.send("still here")
    }, 50)
    later(() => clearInterval(drip))
    assert.match(await loris.until(/Disconnected/), /^-!- Disconnected: no message for 400ms\.$/)
    await loris.eof()
    assert.strictEqual(await alice.until(/loris has left/), "-!- loris has left #lobby (disconnected: idle)")
    assert.isAbove(sent, 3)
    assert.strictEqual(counters.timeouts, 1)
  })

  it("treats a write the client does not take within --write-timeout as a slow client", async () => {
    const { port } = await server({ writeTimeout: Duration.millis(500), outboxBytes: 64 << 20, floodRate: 0 })
    const sender = await join(port, "sender")
    const reader = await join(port, "reader")
    const stuck = await join(port, "stuck")
    stuck.socket.pause()
    const payload = "s".repeat(1000)
    const kicked = /^-!- stuck has left #lobby \(disconnected: too slow\)$/
    for (let i = 0; i < 400 && !reader.saw(kicked); i++) {
      sender.send(...Array.from({ length: 50 }, (_, k) => `${i}.${k} ${payload}`))
      await reader.until((l) => l.startsWith(`<sender> ${i}.49 `), 10_000)
    }
    await reader.seen(kicked)
  })

  it("survives resets mid-line and with megabytes queued, without an error log", async () => {
    const { port, logs, sessions } = await server({ outboxBytes: 64 << 20, floodRate: 0 })
    const alice = await join(port, "alice")
    const bob = await join(port, "bob")
    const stuck = await join(port, "stuck")
    stuck.socket.pause()
    const payload = "q".repeat(1000)
    const queued = () => [...sessions.live.values()].find((s) => s.nick === "stuck")!.outboxBytes
    // until more than a megabyte waits for the stuck client in the server (bounded: 20 MB)
    for (let i = 0; i < 400 && queued() < 1 << 20; i++) {
      alice.send(...Array.from({ length: 50 }, (_, k) => `${i}.${k} ${payload}`))
      await bob.until((l) => l.startsWith(`<alice> ${i}.49 `), 10_000)
    }
    assert.isAbove(queued(), 1 << 20)
    stuck.reset()
    assert.strictEqual(await alice.until(/stuck has left/), "-!- stuck has left #lobby (connection reset)")
    const midline = await join(port, "midline")
    midline.socket.write("never fini")
    midline.reset()
    assert.strictEqual(await alice.until(/midline has left/), "-!- midline has left #lobby (connection reset)")
    await chat(alice, bob, "still")
    assert.deepStrictEqual(logs, [])
    assert.strictEqual(sessions.live.size, 2)
  })
})
