import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Option } from "effect"
import { fixtures } from "./support/fixtures.js"
import { temporaryFolders } from "./support/folders.js"
import { RedisServer } from "./support/RedisServer.js"
import { WsClient } from "./support/WsClient.js"

const { connect, irc, join, later, server } = fixtures()
const freshFolder = temporaryFolders("hubbub-history-")

let redis: RedisServer
beforeAll(async () => {
  redis = await RedisServer.start()
})
afterAll(() => redis?.stop())

const options = { ircPort: Option.some(0), floodRate: 0, serverName: "irc.test" } as const
const ircServer = (overrides: Parameters<typeof server>[0] = {}) => server({ ...options, ...overrides })

type Client = Awaited<ReturnType<typeof connect>>

/** An IRC client that negotiated `caps` before registering as `nick`, in `rooms`. */
const tagged = async (port: number, nick: string, caps = "batch server-time message-tags draft/chathistory", rooms: ReadonlyArray<string> = []) => {
  const client = await connect(port)
  client.send("CAP LS 302", `CAP REQ :${caps}`, `NICK ${nick}`, `USER ${nick} 0 * :${nick}`, "CAP END")
  await client.until(new RegExp(` 376 ${nick} `))
  for (const room of rooms) {
    client.send(`JOIN ${room}`)
    await client.until(new RegExp(` 366 ${nick} ${room} `))
  }
  return client
}

/** The lines of the next batch a client is sent: its opening, what is in it, its close. */
const batch = async (client: Client) => {
  const opening = await client.until(/ BATCH \+/)
  const ref = /BATCH \+(\S+)/.exec(opening)![1]!
  const inside: Array<string> = []
  for (;;) {
    const line = await client.next()
    if (line.endsWith(` BATCH -${ref}`)) return { opening, inside }
    inside.push(line)
  }
}

const textOf = (line: string) => line.slice(line.lastIndexOf(" :") + 2)
const idOf = (line: string) => /msgid=([^;\s]+)/.exec(line)![1]!
const timeOf = (line: string) => /time=([^;\s]+)/.exec(line)![1]!

/** bob says `count` numbered lines in `room`, and they have been relayed. */
const say = async (bob: Client, room: string, count: number, first = 1) => {
  for (let i = first; i < first + count; i++) bob.send(`PRIVMSG ${room} :line ${i}`)
  bob.send("PING :said")
  await bob.until(/PONG .*said/)
}

describe("IRCv3 draft/chathistory", () => {
  it("pages through a room's past with LATEST, BEFORE, AFTER, AROUND and BETWEEN, by msgid and by timestamp, in chathistory batches", async () => {
    const { ircPort } = await ircServer({ history: 50 })
    const bob = await irc(ircPort, "bob")
    bob.send("JOIN #h")
    await bob.until(/ 366 bob #h /)
    await say(bob, "#h", 10)
    const alice = await tagged(ircPort, "alice", undefined, ["#h"])
    // What joining showed first.
    assert.strictEqual((await batch(alice)).inside.length, 10)

    alice.send("CHATHISTORY LATEST #h * 4")
    const latest = await batch(alice)
    assert.match(latest.opening, /^:irc\.test BATCH \+\S+ chathistory #h$/)
    assert.deepStrictEqual(latest.inside.map(textOf), ["line 7", "line 8", "line 9", "line 10"])
    for (const line of latest.inside) assert.match(line, /^@batch=\S+;time=\S+;msgid=\S+ :bob!bob@hubbub PRIVMSG #h :line \d+$/)

    alice.send(`CHATHISTORY BEFORE #h msgid=${idOf(latest.inside[0]!)} 3`)
    assert.deepStrictEqual((await batch(alice)).inside.map(textOf), ["line 4", "line 5", "line 6"])
    alice.send(`CHATHISTORY AFTER #h msgid=${idOf(latest.inside[0]!)} 2`)
    assert.deepStrictEqual((await batch(alice)).inside.map(textOf), ["line 8", "line 9"])
    alice.send(`CHATHISTORY AROUND #h msgid=${idOf(latest.inside[1]!)} 3`)
    assert.deepStrictEqual((await batch(alice)).inside.map(textOf), ["line 7", "line 8", "line 9"])
    alice.send(`CHATHISTORY BETWEEN #h msgid=${idOf(latest.inside[0]!)} msgid=${idOf(latest.inside[3]!)} 10`)
    assert.deepStrictEqual((await batch(alice)).inside.map(textOf), ["line 8", "line 9"])
    // Backwards: the newest first taken (still shown oldest first).
    alice.send(`CHATHISTORY BETWEEN #h msgid=${idOf(latest.inside[3]!)} msgid=${idOf(latest.inside[0]!)} 1`)
    assert.deepStrictEqual((await batch(alice)).inside.map(textOf), ["line 9"])

    // An id no message of this server's could have (its time before ids, or far ahead) is refused, not read as a time.
    alice.send("CHATHISTORY BEFORE #h msgid=nonexistent 2")
    assert.strictEqual(await alice.until(/^FAIL/), "FAIL CHATHISTORY INVALID_PARAMS BEFORE :That is no message id of this server")

    // By time: a timestamp after everything gives nothing after it, everything before it.
    const future = new Date(Date.now() + 60_000).toISOString()
    alice.send(`CHATHISTORY AFTER #h timestamp=${future} 5`)
    assert.deepStrictEqual((await batch(alice)).inside, [])
    alice.send(`CHATHISTORY BEFORE #h timestamp=${future} 2`)
    const last = (await batch(alice)).inside
    assert.deepStrictEqual(last.map(textOf), ["line 9", "line 10"])
    // Times are exclusive: a millisecond before line 9's takes it and what came after it.
    alice.send(`CHATHISTORY LATEST #h timestamp=${new Date(Date.parse(timeOf(last[0]!)) - 1).toISOString()} 10`)
    assert.includeMembers((await batch(alice)).inside.map(textOf), ["line 9", "line 10"])

    alice.send("CHATHISTORY TARGETS timestamp=2020-01-01T00:00:00.000Z timestamp=" + future + " 10")
    const targets = await batch(alice)
    assert.match(targets.opening, / draft\/chathistory-targets$/)
    assert.match(targets.inside[0]!, /^@batch=\S+ :irc\.test CHATHISTORY TARGETS #h \d{4}-\d\d-\d\dT\S+Z$/)

    // A nickname's: private messages are not kept, so nothing.
    alice.send("CHATHISTORY LATEST bob * 10")
    const query = await batch(alice)
    assert.match(query.opening, / chathistory bob$/)
    assert.deepStrictEqual(query.inside, [])
  })

  it("refuses what it cannot answer with FAIL, and shows no room's past to whoever is not in it", async () => {
    const { ircPort, port } = await ircServer({ history: 50 })
    const bob = await irc(ircPort, "bob")
    bob.send("JOIN #secret", "MODE #secret +s")
    await bob.until(/ 366 bob #secret /)
    await say(bob, "#secret", 3)
    const mallory = await tagged(ircPort, "mallory")
    mallory.send("CHATHISTORY LATEST #secret * 10")
    assert.strictEqual(await mallory.until(/^FAIL/), "FAIL CHATHISTORY INVALID_TARGET LATEST #secret :You are not in that channel")
    mallory.send(`CHATHISTORY BEFORE #secret timestamp=${new Date().toISOString()} 10`)
    assert.strictEqual(await mallory.until(/^FAIL/), "FAIL CHATHISTORY INVALID_TARGET BEFORE #secret :You are not in that channel")
    mallory.send("CHATHISTORY LATEST #secret")
    assert.strictEqual(await mallory.until(/^FAIL/), "FAIL CHATHISTORY NEED_MORE_PARAMS LATEST :Not enough parameters for CHATHISTORY")
    mallory.send("CHATHISTORY FORWARD #secret * 10")
    assert.strictEqual(await mallory.until(/^FAIL/), "FAIL CHATHISTORY INVALID_PARAMS FORWARD :Unknown CHATHISTORY subcommand")
    mallory.send("CHATHISTORY BEFORE #h yesterday 10", "CHATHISTORY LATEST #h * lots", "CHATHISTORY BEFORE #h msgid=nope 5")
    assert.strictEqual(await mallory.until(/^FAIL/), "FAIL CHATHISTORY INVALID_PARAMS BEFORE yesterday :A reference is msgid=ID or timestamp=TIME")
    assert.strictEqual(await mallory.until(/^FAIL/), "FAIL CHATHISTORY INVALID_PARAMS LATEST :The limit must be a whole number, 1 or more")
    // Not in #h either: a bad id is no way to learn a room exists.
    assert.strictEqual(await mallory.until(/^FAIL/), "FAIL CHATHISTORY INVALID_TARGET BEFORE #h :You are not in that channel")
    // TARGETS lists only the asker's rooms.
    mallory.send(`CHATHISTORY TARGETS timestamp=2020-01-01T00:00:00.000Z timestamp=${new Date(Date.now() + 60_000).toISOString()} 10`)
    assert.deepStrictEqual((await batch(mallory)).inside, [])
    // Nor in text: /history is the room one is in.
    const eve = await join(port, "eve")
    eve.send("/history 5")
    await eve.until("-!- No messages kept in #lobby.")
    eve.send("/history 500")
    await eve.until(/Usage: \/history \[COUNT\]/)
    assert.isFalse(eve.lines.some((line) => line.includes("line 1")))
  })

  it("gives a text client /history N, and a tagged IRC client the history on join in a batch with each line's own time", async () => {
    const { ircPort, port } = await ircServer({ history: 50 })
    const tom = await join(port, "tom")
    tom.send("one", "two", "three")
    await tom.until("<tom> three")
    tom.send("/history 2")
    assert.match(await tom.until(/<tom> two/), /^-!- \[\d\d:\d\d\] <tom> two$/)
    assert.match(await tom.next(), /^-!- \[\d\d:\d\d\] <tom> three$/)

    const alice = await tagged(ircPort, "alice", "batch server-time")
    alice.send("JOIN #lobby")
    await alice.until(/ 366 alice #lobby /)
    const joined = await batch(alice)
    assert.match(joined.opening, / chathistory #lobby$/)
    assert.deepStrictEqual(joined.inside.map(textOf), ["one", "two", "three"])
    for (const line of joined.inside) {
      assert.match(line, /^@batch=\S+;time=\S+ :tom!tom@hubbub PRIVMSG #lobby :\w+$/)
      assert.isAtMost(Date.parse(timeOf(line)), Date.now())
    }
  })

  it("reaches past what the hub keeps into the store, and across a restart", async () => {
    const dataDir = freshFolder()
    const first = await ircServer({ history: 3, store: { _tag: "Sqlite", dataDir } })
    const bob = await irc(first.ircPort, "bob")
    bob.send("JOIN #h")
    await bob.until(/ 366 bob #h /)
    await say(bob, "#h", 12)
    const alice = await tagged(first.ircPort, "alice", undefined, ["#h"])
    await batch(alice)
    alice.send("CHATHISTORY LATEST #h * 10")
    const seen = (await batch(alice)).inside
    assert.deepStrictEqual(seen.map(textOf), Array.from({ length: 10 }, (_, i) => `line ${i + 3}`))
    await first.stop()

    const second = await ircServer({ history: 3, store: { _tag: "Sqlite", dataDir } })
    const carol = await tagged(second.ircPort, "carol", undefined, ["#h"])
    await batch(carol)
    carol.send(`CHATHISTORY BEFORE #h msgid=${idOf(seen[2]!)} 3`)
    const before = (await batch(carol)).inside
    assert.deepStrictEqual(before.map(textOf), ["line 2", "line 3", "line 4"])
    // The same ids as before the restart.
    assert.strictEqual(idOf(before[2]!), idOf(seen[1]!))
  })
})

describe("chathistory across servers", () => {
  it("gives one message the same msgid on every server, finds it from either, and refuses a non-member on the other server too", async () => {
    const redisPrefix = "chathistory-1:"
    const start = (name: string) => ircServer({ history: 50, redisUrl: Option.some(redis.url), nodeId: name, redisPrefix })
    const a = await start("a")
    const b = await start("b")
    const alice = await tagged(a.ircPort, "alice", "batch server-time message-tags draft/chathistory echo-message", ["#x"])
    const bob = await tagged(b.ircPort, "bob", undefined, ["#x"])
    await alice.until(/bob!bob@hubbub JOIN #x/)
    alice.send("PRIVMSG #x :across")
    const mine = await alice.until(/PRIVMSG #x :across$/)
    const theirs = await bob.until(/PRIVMSG #x :across$/)
    assert.strictEqual(idOf(theirs), idOf(mine))
    alice.send("PRIVMSG #x :and more")
    await bob.until(/PRIVMSG #x :and more$/)

    bob.send(`CHATHISTORY AFTER #x msgid=${idOf(mine)} 5`)
    assert.deepStrictEqual((await batch(bob)).inside.map(textOf), ["and more"])
    const mallory = await tagged(b.ircPort, "mallory")
    mallory.send("CHATHISTORY LATEST #x * 5")
    assert.strictEqual(await mallory.until(/^FAIL/), "FAIL CHATHISTORY INVALID_TARGET LATEST #x :You are not in that channel")
  })
})

describe("the page's history", () => {
  it("gives each chat message its id, and pages by id: the messages before one, and the newest after one", async () => {
    const { httpPort, port } = await server({ httpPort: Option.some(0), floodRate: 0, history: 50 })
    const page = await WsClient.join(httpPort, "webby")
    later(() => page.reset())
    const tom = await join(port, "tom")
    tom.send("one", "two", "three", "four")
    const ids: Array<string> = []
    for (const text of ["one", "two", "three", "four"]) {
      const chat = await page.until((m) => m.type === "chat" && m.text === text)
      assert.match((chat as { id?: string }).id ?? "", /^[-0-9A-Za-z_]{11,}$/)
      ids.push((chat as { id: string }).id)
    }
    type Shown = { readonly type: "history"; readonly asked?: boolean; readonly entries: ReadonlyArray<{ readonly text: string; readonly id?: string }> }
    const asked = async () => (await page.until((m) => m.type === "history" && m.asked === true)) as Shown
    page.send({ type: "history", before: ids[3]!, limit: 2 })
    assert.deepStrictEqual((await asked()).entries.map((e) => e.text), ["two", "three"])
    page.send({ type: "history", after: ids[0]! })
    const after = await asked()
    assert.deepStrictEqual(after.entries.map((e) => e.text), ["two", "three", "four"])
    assert.deepStrictEqual(after.entries.map((e) => e.id), ids.slice(1))
    page.send({ type: "history", before: ids[0]!, limit: 10 })
    assert.deepStrictEqual((await asked()).entries, [])
    page.send({ type: "history", limit: Number.NaN })
    assert.deepInclude(await page.until((m) => m.type === "error"), { type: "error", code: "BadMessage" })
  })
})
