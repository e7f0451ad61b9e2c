import { assert, describe, it } from "@effect/vitest"
import { fixtures } from "./support/fixtures.js"

const { connect, join, server } = fixtures()

describe("ChatServer", () => {
  it("traces each connection's opening and goodbye, and its own shutdown", async () => {
    const s = await server()
    const alice = await join(s.port, "alice")
    alice.send("/quit")
    await alice.eof()
    await s.stop()
    assert.deepStrictEqual(
      s.spans.filter((name) => name === "Session.open" || name === "Session.goodbye" || name === "ChatServer.shutdown"),
      ["Session.open", "Session.goodbye", "ChatServer.shutdown"]
    )
  })

  it("greets, takes a nickname and puts the client in #lobby", async () => {
    const { port } = await server()
    const alice = await connect(port)
    assert.strictEqual(await alice.next(), "-!- Welcome to hubbub, a group chat server.")
    assert.match(await alice.next(), /^-!- Choose a nickname/)
    alice.send("alice")
    assert.match(await alice.next(), /^-!- Welcome, alice!/)
    assert.strictEqual(await alice.next(), "-!- alice has joined #lobby")
    assert.strictEqual(await alice.next(), "-!- Members of #lobby (1): alice")

    const bob = await connect(port)
    bob.send("/nick bob")
    await bob.until("-!- Members of #lobby (2): alice, bob")
    assert.strictEqual(await alice.next(), "-!- bob has joined #lobby")
  })

  it("delivers every room message to every member, sender included, in one order", async () => {
    const { port } = await server()
    const clients = await Promise.all(["a", "b", "c", "d"].map((n) => join(port, n)))
    // everyone has seen everyone join before the burst starts
    await Promise.all(clients.slice(0, 3).map((c) => c.until("-!- d has joined")))
    for (const c of clients) c.unread()
    const perClient = 50
    clients.forEach((c, i) => {
      for (let k = 0; k < perClient; k++) c.send(`m${i}-${k}`)
    })
    const total = perClient * clients.length
    const seen = await Promise.all(clients.map(async (c) => {
      const got: Array<string> = []
      while (got.length < total) got.push(await c.until(/^<\w> m\d-\d+$/))
      return got
    }))
    for (const s of seen) assert.deepStrictEqual(s, seen[0])
    // each sender's own messages stay in the order they were sent
    for (let i = 0; i < clients.length; i++) {
      const mine = seen[0].filter((l) => l.includes(` m${i}-`))
      assert.deepStrictEqual(mine, Array.from({ length: perClient }, (_, k) => `<${"abcd"[i]}> m${i}-${k}`))
    }
  })

  it("keeps nicknames valid and unique ignoring case", async () => {
    const { port } = await server()
    const alice = await join(port, "alice")
    const other = await connect(port)
    await other.until("Choose a nickname")
    other.send("not valid!")
    assert.match(await other.next(), /^-!- Invalid nickname "not valid!"/)
    other.send("x".repeat(25))
    assert.match(await other.next(), /^-!- Invalid nickname/)
    other.send("ALICE")
    assert.strictEqual(await other.next(), "-!- Nickname ALICE is already in use. Choose another nickname:")
    other.send("/join #dev")
    assert.strictEqual(await other.next(), "-!- Choose a nickname first (for example: alice).")
    other.send("bob")
    await other.until("Members of #lobby (2): alice, bob")

    other.send("/nick Alice")
    assert.strictEqual(await other.until(/^-!- Nickname/), "-!- Nickname Alice is already in use.")
    other.send("/nick robert")
    assert.strictEqual(await alice.until(/now known/), "-!- bob is now known as robert")
    assert.strictEqual(await other.until(/now known/), "-!- bob is now known as robert")
    // the old nick is free again
    const bob = await join(port, "bob")
    bob.send("/who")
    assert.strictEqual(await bob.until(/^-!- Members of/), "-!- Members of #lobby (3): alice, bob, robert")
  })

  it("keeps rooms apart and tells each room who comes and goes", async () => {
    const { port } = await server()
    const alice = await join(port, "alice")
    const bob = await join(port, "bob")
    const carol = await join(port, "carol")
    bob.send("/join Dev")
    assert.strictEqual(await alice.until(/bob has left/), "-!- bob has left #lobby (moved to #dev)")
    assert.strictEqual(await bob.until(/^-!- Members of #dev/), "-!- Members of #dev (1): @bob")
    carol.send("/join #dev")
    assert.strictEqual(await bob.until(/carol/), "-!- carol has joined #dev")

    alice.send("lobby only")
    bob.send("dev only")
    assert.strictEqual(await carol.until(/^</), "<bob> dev only")
    assert.strictEqual(await alice.until(/^</), "<alice> lobby only")
    alice.send("/rooms")
    assert.strictEqual(await alice.until(/^-!- Rooms/), "-!- Rooms (2): #dev (2), #lobby (1)")
    bob.send("/who")
    assert.strictEqual(await bob.until(/^-!- Members/), "-!- Members of #dev (2): @bob, carol")
    // nothing from #dev reached #lobby, nothing from #lobby reached #dev
    assert.notInclude(alice.lines.join("\n"), "dev only")
    assert.notInclude(carol.lines.join("\n"), "lobby only")
    assert.notInclude(bob.lines.join("\n"), "lobby only")
    bob.send("/join dev")
    assert.strictEqual(await bob.until(/already/), "-!- You are already in #dev.")
  })

  it("does not announce comings and goings in rooms over --announce-max-members", async () => {
    const { port } = await server({ announceMaxMembers: 2 })
    const alice = await join(port, "alice")
    const bob = await join(port, "bob")
    assert.strictEqual(await alice.until(/joined/), "-!- bob has joined #lobby")
    const carol = await join(port, "carol")
    carol.send("/nick caroline")
    assert.strictEqual(await carol.until(/known as/), "-!- You are now known as caroline")
    carol.send("hello all")
    // alice hears carol speak but was not told of her arrival or her new name
    assert.strictEqual(await alice.until(/^<|-!-/), "<caroline> hello all")
    // moving into a quiet room still switches rooms in order
    const dave = await join(port, "dave")
    bob.send("/join #side")
    await bob.until(/Members of #side/)
    dave.send("/join side")
    assert.strictEqual(await dave.until(/Members of #side/), "-!- Members of #side (2): @bob, dave")
    assert.strictEqual(await bob.until(/dave/), "-!- dave has joined #side")
    bob.send("in side")
    assert.strictEqual(await dave.until(/^</), "<bob> in side")
    carol.send("/quit")
    alice.send("/who")
    assert.strictEqual(await alice.until(/^-!- Members/), "-!- Members of #lobby (1): alice")
    assert.isFalse(alice.saw(/carol has joined|is now known as caroline|dave has joined #lobby|dave has left/))
  })

  it("supports /me, /msg, /help, // and reports unknown commands", async () => {
    const { port } = await server()
    const alice = await join(port, "alice")
    const bob = await join(port, "bob")
    alice.send("/me waves")
    assert.strictEqual(await bob.until(/^\*/), "* alice waves")
    alice.send("/msg BOB psst, secret")
    assert.strictEqual(await bob.until(/^\*alice\*/), "*alice* psst, secret")
    assert.strictEqual(await alice.until(/Message to/), "-!- Message to bob: psst, secret")
    alice.send("/msg nobody hello")
    assert.strictEqual(await alice.until(/No such/), "-!- No such nickname: nobody.")
    alice.send("//slash")
    assert.strictEqual(await bob.until(/^<alice>/), "<alice> /slash")
    alice.send("/bogus")
    assert.strictEqual(await alice.until(/Unknown/), "-!- Unknown command /bogus. Type /help for the list.")
    alice.send("/help")
    const help = await alice.until(/\/msg NICK TEXT/)
    assert.match(help, /^-!- /)
    // the private message went to bob alone
    assert.notInclude(bob.lines.join("\n"), "Message to")
  })

  it("says goodbye on quit and /quit, closes, and tells the room why", async () => {
    const { port } = await server()
    const alice = await join(port, "alice")
    const bob = await join(port, "bob")
    bob.send("/quit see you")
    assert.strictEqual(await bob.until(/Goodbye/), "-!- Goodbye, bob.")
    await bob.eof()
    assert.strictEqual(await alice.until(/bob has left/), "-!- bob has left #lobby (quit: see you)")

    const carol = await join(port, "carol")
    carol.send("quit")
    assert.strictEqual(await carol.until(/Goodbye/), "-!- Goodbye, carol.")
    await carol.eof()
    assert.strictEqual(await alice.until(/carol has left/), "-!- carol has left #lobby (quit)")

    const early = await connect(port)
    await early.until("Choose a nickname")
    early.send("quit")
    assert.strictEqual(await early.until(/Goodbye/), "-!- Goodbye.")
    await early.eof()
  })

  it("removes a client that vanishes, and tells its room", async () => {
    const { port } = await server()
    const alice = await join(port, "alice")
    const bob = await join(port, "bob")
    bob.socket.write("half a li")
    bob.reset()
    assert.strictEqual(await alice.until(/bob has left/), "-!- bob has left #lobby (connection reset)")
    const carol = await join(port, "carol")
    carol.send("last words")
    carol.socket.end()
    // a half-closed client still gets its line delivered and can read the answers
    assert.strictEqual(await alice.until(/^<carol>/), "<carol> last words")
    assert.strictEqual(await carol.until(/Goodbye/), "-!- Goodbye, carol.")
    assert.strictEqual(await alice.until(/carol has left/), "-!- carol has left #lobby (connection closed)")
    alice.send("/who")
    assert.strictEqual(await alice.until(/^-!- Members/), "-!- Members of #lobby (1): alice")
  })

  it("discards an overlong line with a notice and goes on", async () => {
    const { port } = await server({ maxLineBytes: 100 })
    const alice = await join(port, "alice")
    const bob = await join(port, "bob")
    alice.socket.write("x".repeat(1000))
    alice.socket.write("y".repeat(1000) + "\nafter\n")
    assert.strictEqual(await alice.until(/too long/), "-!- Line too long (more than 100 bytes); it was discarded.")
    assert.strictEqual(await bob.until(/^<alice>/), "<alice> after")
    alice.send("z".repeat(100))
    assert.strictEqual(await bob.until(/^<alice>/), `<alice> ${"z".repeat(100)}`)
    assert.notInclude(bob.lines.join("\n"), "xxx")
  })

  it("disconnects a client that never reads, while the others get everything", async () => {
    const { logs, port, sessions } = await server({ outboxBytes: 256 * 1024, floodRate: 0 })
    const sender = await join(port, "sender")
    const reader = await join(port, "reader")
    const stuck = await join(port, "stuck")
    stuck.socket.pause()
    const payload = "p".repeat(1000)
    let sent = 0
    const kicked = /^-!- stuck has left #lobby \(disconnected: too slow\)$/
    // bounded: at most 20 MB, in rounds the reader keeps up with
    // memory held for the stuck client: the limit, plus at most the one batch being written
    let held = 0
    for (let round = 0; round < 400 && !reader.saw(kicked); round++) {
      const lines = Array.from({ length: 50 }, (_, i) => `${sent + i} ${payload}`)
      sender.send(...lines)
      sent += lines.length
      await reader.until((l) => l.startsWith(`<sender> ${sent - 1} `), 10_000)
      for (const s of sessions.live.values()) if (s.nick === "stuck") held = Math.max(held, s.outboxBytes)
    }
    assert.isAtMost(held, 2 * 256 * 1024)
    assert.isTrue(reader.saw(kicked), `stuck was not disconnected after ${sent} lines`)
    stuck.socket.resume()
    sender.send("after the kick")
    await reader.until("<sender> after the kick")
    const got = reader.lines.filter((l) => l.startsWith("<sender> ") && l !== "<sender> after the kick")
    assert.strictEqual(got.length, sent)
    got.forEach((l, i) => assert.isTrue(l.startsWith(`<sender> ${i} `)))
    // the stuck client, reading again, finds the reason at the end of what it got
    await stuck.eof(10_000)
    assert.match(stuck.lines.at(-1)!, /^-!- Disconnected: you are not reading fast enough/)
    // the operator is told, once, with the client's address
    const slow = logs.filter((l) => l.level === "Warn" && /slow client/.test(l.message))
    assert.strictEqual(slow.length, 1, JSON.stringify(logs))
    assert.match(String(slow[0].annotations.peer), /^127\.0\.0\.1:\d+$/)
  })
})
