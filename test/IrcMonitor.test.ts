import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { fixtures } from "./support/fixtures.js"
import { type Ports, serverPairs } from "./support/pairs.js"
import { RedisServer } from "./support/RedisServer.js"
import type { TestClient } from "./support/TestClient.js"

const { connect, join, server } = fixtures()

let redis: RedisServer
beforeAll(async () => {
  redis = await RedisServer.start()
})
afterAll(() => redis?.stop())

const { one: oneServer, two: twoServers } = serverPairs(server, () => redis, "monitor")

/** An IRC client registered as `nick`, having negotiated `caps` first when given. */
const ircAs = async (port: number, nick: string, caps?: string) => {
  const client = await connect(port)
  if (caps !== undefined) client.send("CAP LS 302", `CAP REQ :${caps}`)
  client.send(`NICK ${nick}`, `USER ${nick} 0 * :${nick}`)
  if (caps !== undefined) {
    await client.until(` ACK :${caps}`)
    client.send("CAP END")
  }
  await client.until(new RegExp(` 376 ${nick} `))
  return client
}

/** Waits until the client has seen everything it was sent before now (from its own server). */
const settle = async (client: TestClient) => {
  client.send("PING :settled")
  await client.until(/PONG .*settled/)
}

const suite = (name: string, servers: () => Promise<readonly [Ports, Ports]>) =>
  describe(`MONITOR (${name})`, () => {
    it("answers + with 730 for those online and 731 for the others, then tells as they register, rename and quit", async () => {
      const [a, b] = await servers()
      const bob = await ircAs(b.ircPort, "bob")
      const alice = await ircAs(a.ircPort, "alice")
      alice.send("MONITOR + bob,carol,Robert")
      assert.strictEqual(await alice.until(/ 73[01] /), `:${a.name} 730 alice :bob!bob@hubbub`)
      assert.strictEqual(await alice.until(/ 73[01] /), `:${a.name} 731 alice :carol,Robert`)

      // Registering, on any server and any protocol.
      const carol = await ircAs(b.ircPort, "carol")
      assert.strictEqual(await alice.until(/ 73[01] /), `:${a.name} 730 alice :carol!carol@hubbub`)
      const robert = await join(b.port, "robert")
      assert.strictEqual(await alice.until(/ 73[01] /), `:${a.name} 730 alice :robert!robert@hubbub`)

      // Renaming away from a watched nickname and to one.
      bob.send("NICK bobby")
      assert.strictEqual(await alice.until(/ 73[01] /), `:${a.name} 731 alice :bob`)
      bob.send("NICK bob")
      assert.strictEqual(await alice.until(/ 73[01] /), `:${a.name} 730 alice :bob!bob@hubbub`)

      // Quitting, or losing the connection.
      carol.send("QUIT :bye")
      assert.strictEqual(await alice.until(/ 73[01] /), `:${a.name} 731 alice :carol`)
      robert.reset()
      assert.strictEqual(await alice.until(/ 73[01] /), `:${a.name} 731 alice :robert`)

      alice.send("MONITOR S")
      assert.strictEqual(await alice.until(/ 73[01] /), `:${a.name} 730 alice :bob!bob@hubbub`)
      assert.strictEqual(await alice.until(/ 73[01] /), `:${a.name} 731 alice :carol,Robert`)
    })

    it("lists (L), takes out (-) and clears (C), ignoring case, each nickname once", async () => {
      const [a, b] = await servers()
      const alice = await ircAs(a.ircPort, "alice")
      alice.send("MONITOR L")
      assert.strictEqual(await alice.next(), `:${a.name} 733 alice :End of MONITOR list`)

      alice.send("MONITOR + Bob,bob,BOB,dave,not!a,nick,#room,9lives", "MONITOR L")
      assert.strictEqual(await alice.until(/ 73[0-3] /), `:${a.name} 731 alice :Bob,dave,nick`)
      assert.strictEqual(await alice.until(/ 73[0-3] /), `:${a.name} 732 alice :Bob,dave,nick`)
      assert.strictEqual(await alice.next(), `:${a.name} 733 alice :End of MONITOR list`)

      // Watched as Bob, told as the holder spells it; a change of case is no coming or going.
      const bob = await ircAs(b.ircPort, "bOb")
      assert.strictEqual(await alice.until(/ 73[0-3] /), `:${a.name} 730 alice :bOb!bOb@hubbub`)
      bob.send("NICK BOB")
      await bob.until(/NICK :BOB$/)
      await ircAs(b.ircPort, "dave")
      assert.strictEqual(await alice.until(/ 73[0-3] /), `:${a.name} 730 alice :dave!dave@hubbub`)

      alice.send("MONITOR - BOB,Nick", "MONITOR L")
      assert.strictEqual(await alice.until(/ 73[0-3] /), `:${a.name} 732 alice :dave`)
      await alice.until(/ 733 /)
      bob.send("QUIT")
      alice.send("MONITOR C", "MONITOR L")
      assert.strictEqual(await alice.until(/ 73[0-3] /), `:${a.name} 733 alice :End of MONITOR list`)
      alice.send("MONITOR S", "MONITOR X", "MONITOR +")
      assert.strictEqual(await alice.until(/FAIL|^:\S+ [0-9]{3} /), "FAIL MONITOR INVALID_PARAMS X :MONITOR takes +, -, C, L or S")
      assert.strictEqual(await alice.next(), `:${a.name} 461 alice MONITOR :Not enough parameters`)
      // Nothing of bob's quit, nor an answer to S with an empty list.
      assert.isFalse(alice.lines.some((line) => / 73[01] alice :(?:bob|BOB)/.test(line)))
    })

    it("keeps at most 100 nicknames (MONITOR=100), answering 734 with those that did not fit", async () => {
      const [a, b] = await servers()
      const alice = await ircAs(a.ircPort, "alice")
      assert.isTrue(alice.lines.some((line) => new RegExp(` 005 alice .*\\bMONITOR=100\\b`).test(line)))
      const names = Array.from({ length: 105 }, (_, i) => `w${i + 1}`)
      alice.send(`MONITOR + ${names.slice(0, 60).join(",")}`)
      await alice.until(/ 731 alice :w1,/)
      await ircAs(b.ircPort, "w102")
      alice.send(`MONITOR + w1,${names.slice(60).join(",")}`)
      assert.strictEqual(await alice.until(/ 734 /), `:${a.name} 734 alice 100 w101,w102,w103,w104,w105 :Monitor list is full.`)
      assert.strictEqual(await alice.until(/ 731 /), `:${a.name} 731 alice :w1,${names.slice(60, 100).join(",")}`)
      alice.send("MONITOR L")
      const listed = (await alice.until(/ 732 /)).split(" :")[1]!.split(",")
      assert.strictEqual(listed.length, 100)
      await alice.until(/ 733 /)
      // Not watched: w102 is not told of.
      alice.send("MONITOR - w1", "MONITOR + w102")
      assert.strictEqual(await alice.until(/ 73[0-4] /), `:${a.name} 730 alice :w102!w102@hubbub`)
    })

    it("tells a watcher nothing of nicknames it does not watch", async () => {
      const [a, b] = await servers()
      const alice = await ircAs(a.ircPort, "alice", "extended-monitor away-notify")
      alice.send("MONITOR + bob")
      await alice.until(/ 731 alice :bob/)
      const carol = await ircAs(b.ircPort, "carol")
      carol.send("AWAY :gone", "NICK caroline", "QUIT")
      await carol.eof()
      // After carol's doings on the same server: what alice watches arrives after anything of carol's would have.
      await ircAs(b.ircPort, "bob")
      await alice.until(/ 730 alice :bob!/)
      await settle(alice)
      assert.deepStrictEqual(alice.lines.filter((line) => /carol/i.test(line)), [])
    })

    it("shows extended-monitor watchers what a watched nickname changes of itself while they share no channel", async () => {
      const [a, b] = await servers()
      const alice = await ircAs(a.ircPort, "alice", "extended-monitor away-notify setname")
      const dan = await ircAs(a.ircPort, "dan", "away-notify")
      const erin = await ircAs(a.ircPort, "erin", "extended-monitor")
      for (const watcher of [alice, dan, erin]) {
        watcher.send("MONITOR + bob")
        await watcher.until(/ 731 \S+ :bob/)
      }
      const bob = await ircAs(b.ircPort, "bob", "setname")
      await alice.until(/ 730 alice :bob!/)
      bob.send("AWAY :lunch")
      assert.strictEqual(await alice.until(/^:bob!/), ":bob!bob@hubbub AWAY :lunch")
      bob.send("SETNAME :Bob B")
      assert.strictEqual(await alice.until(/^:bob!/), ":bob!bob@hubbub SETNAME :Bob B")
      bob.send("AWAY")
      assert.strictEqual(await alice.until(/^:bob!/), ":bob!bob@hubbub AWAY")

      // Once they share a channel, the channel tells it, once.
      for (const [client, nick] of [[alice, "alice"], [bob, "bob"]] as const) {
        client.send("JOIN #x")
        await client.until(new RegExp(` 366 ${nick} #x `))
      }
      await alice.until(/^:bob!bob@hubbub JOIN #x$/)
      bob.send("AWAY :again")
      assert.strictEqual(await alice.until(/^:bob!/), ":bob!bob@hubbub AWAY :again")
      bob.send("NICK robert")
      await alice.until(/ 731 alice :bob$/)
      assert.deepStrictEqual(alice.lines.filter((line) => / AWAY\b/.test(line)), [":bob!bob@hubbub AWAY :lunch", ":bob!bob@hubbub AWAY", ":bob!bob@hubbub AWAY :again"])

      // Without extended-monitor, or without away-notify: no AWAY of a nickname in no shared channel.
      for (const watcher of [dan, erin]) {
        await watcher.until(/ 731 \S+ :bob$/)
        assert.deepStrictEqual(watcher.lines.filter((line) => /^:bob!/.test(line)), [])
      }
    })
  })

suite("one server", oneServer)
suite("two servers through Redis", twoServers)

describe("MONITOR across servers", () => {
  it("tells watchers on either server of nicknames on the other, as they come, go and as a server stops", async () => {
    const [a, b] = await twoServers()
    const alice = await ircAs(a.ircPort, "alice")
    const bob = await ircAs(b.ircPort, "bob")
    alice.send("MONITOR + bob,carol")
    bob.send("MONITOR + alice,dave")
    assert.strictEqual(await alice.until(/ 73[01] /), ":a.test 730 alice :bob!bob@hubbub")
    assert.strictEqual(await bob.until(/ 73[01] /), ":b.test 730 bob :alice!alice@hubbub")
    await alice.until(/ 731 alice :carol/)
    await bob.until(/ 731 bob :dave/)

    const dave = await ircAs(a.ircPort, "dave")
    assert.strictEqual(await bob.until(/ 73[01] /), ":b.test 730 bob :dave!dave@hubbub")
    const carol = await ircAs(b.ircPort, "carol")
    assert.strictEqual(await alice.until(/ 73[01] /), ":a.test 730 alice :carol!carol@hubbub")
    dave.send("NICK david")
    assert.strictEqual(await bob.until(/ 73[01] /), ":b.test 731 bob :dave")
    carol.send("QUIT")
    assert.strictEqual(await alice.until(/ 73[01] /), ":a.test 731 alice :carol")

    // Server b stops: its users are gone for the watchers on a.
    await b.stop()
    assert.strictEqual(await alice.until(/ 73[01] /), ":a.test 731 alice :bob")
  })
})
