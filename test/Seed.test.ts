import { assert, describe, it } from "@effect/vitest"
import { Option } from "effect"
import { Nick, seedNick } from "../src/protocol/Names.js"
import { Schema } from "effect"
import { fixtures } from "./support/fixtures.js"
import { TestClient } from "./support/TestClient.js"

const { irc, join, later, server } = fixtures()

const seedServer = () => server({ seedPort: Option.some(0), ircPort: Option.some(0), serverName: "irc.test", floodRate: 0 })

/** A client of the Python server hubbub grew from: it says nothing first, and is known by its port. */
const seedClient = async (port: number) => {
  const client = await TestClient.connect(port)
  later(() => client.reset())
  return client
}
const addressOf = (client: TestClient) => `seed-${client.socket.localPort}`

describe("the seed protocol", () => {
  it("sends every message back to every seed client, the sender's included, as ACK <text>", async () => {
    const { seedPort, port } = await seedServer()
    const bob = await join(port, "bob")
    const a = await seedClient(seedPort)
    await bob.until(`-!- ${addressOf(a)} has joined #lobby`)
    const b = await seedClient(seedPort)
    await bob.until(`-!- ${addressOf(b)} has joined #lobby`)
    a.send("hello")
    assert.strictEqual(await a.next(), "ACK hello")
    assert.strictEqual(await b.next(), "ACK hello")
    assert.strictEqual(await bob.until(/^</), `<${addressOf(a)}> hello`)
    // no greeting, no notices: the first bytes a seed client ever reads are an ACK
    assert.isTrue(a.all.startsWith("ACK hello\n"), JSON.stringify(a.all))
  })

  it("takes what one read brings without a line end as one message, as the original did", async () => {
    const { seedPort } = await seedServer()
    const a = await seedClient(seedPort)
    await new Promise((resolve) => a.socket.write("no line end", resolve))
    assert.strictEqual(await a.next(), "ACK no line end")
    a.socket.write("two\nlines\n")
    assert.strictEqual(await a.next(), "ACK two")
    assert.strictEqual(await a.next(), "ACK lines")
  })

  it("brings lobby members' messages as ACK <nick> text, from text and IRC users alike", async () => {
    const { seedPort, ircPort, port } = await seedServer()
    const a = await seedClient(seedPort)
    const bob = await join(port, "bob")
    const carol = await irc(ircPort, "carol")
    carol.send("JOIN #lobby")
    await carol.until(/366/)
    bob.send("hi from netcat", "/me waves")
    carol.send("PRIVMSG #lobby :hi from irc")
    assert.strictEqual(await a.next(), "ACK <bob> hi from netcat")
    assert.strictEqual(await a.next(), "ACK * bob waves")
    assert.strictEqual(await a.next(), "ACK <carol> hi from irc")
    a.send("and back")
    assert.strictEqual(await carol.until(/PRIVMSG #lobby :and back/), `:${addressOf(a)}!${addressOf(a)}@hubbub PRIVMSG #lobby :and back`)
  })

  it("names a client seed-PORT, a nickname every protocol can address, IPv6 or not", async () => {
    for (const [peer, nick] of [["127.0.0.1:54321", "seed-54321"], ["::1:40000", "seed-40000"], ["::ffff:127.0.0.1:5", "seed-5"]]) {
      assert.strictEqual(seedNick(peer), nick)
      assert.isTrue(Schema.is(Nick)(nick))
    }
    const { seedPort, ircPort, port } = await seedServer()
    const a = await seedClient(seedPort)
    const bob = await join(port, "bob")
    bob.send(`/msg ${addressOf(a)} psst`)
    const carol = await irc(ircPort, "carol")
    carol.send(`PRIVMSG ${addressOf(a)} :hello`, `WHOIS ${addressOf(a)}`)
    await carol.until(new RegExp(` 311 carol ${addressOf(a)} `))
    await bob.until(`-!- Message to ${addressOf(a)}: psst`)
    await a.until("ACK *bob* psst")
    await a.until("ACK *carol* hello")
    // Nobody else may pass for a seed client.
    bob.send(`/nick ${addressOf(a)}x`)
    await bob.until(`-!- Nickname ${addressOf(a)}x is kept for the seed protocol's clients (seed-PORT).`)
    carol.send("NICK seed-77")
    await carol.until(/ 432 carol seed-77 /)
  })

  it("answers quit with Disconnect!!! and closes; the lobby is told", async () => {
    const { seedPort, port } = await seedServer()
    const bob = await join(port, "bob")
    const a = await seedClient(seedPort)
    const address = addressOf(a)
    await bob.until(`${address} has joined`)
    await new Promise((resolve) => a.socket.write("quit", resolve))
    await a.received(/^Disconnect!!!$/)
    await a.eof()
    assert.strictEqual(await bob.until(/has left/), `-!- ${address} has left #lobby (quit)`)
  })

  it("sanitizes and bounds what seed clients send", async () => {
    const { seedPort, port } = await server({ seedPort: Option.some(0), maxLineBytes: 20, floodRate: 0 })
    const bob = await join(port, "bob")
    const a = await seedClient(seedPort)
    await bob.until("has joined")
    a.send("red\x1b[31m alert\u202e", "x".repeat(50), "short")
    assert.strictEqual(await a.next(), "ACK red alert")
    assert.strictEqual(await a.next(), "Line too long (more than 20 bytes); it was discarded.")
    assert.strictEqual(await a.next(), "ACK short")
    assert.strictEqual(await bob.until(/^</), `<${addressOf(a)}> red alert`)
  })
})
