import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Option } from "effect"
import { fixtures } from "./support/fixtures.js"
import { RedisServer } from "./support/RedisServer.js"

const { connect, irc, server } = fixtures()

let redis: RedisServer
beforeAll(async () => {
  redis = await RedisServer.start()
})
afterAll(() => redis?.stop())

const ircServer = (overrides: Parameters<typeof server>[0] = {}) =>
  server({ ircPort: Option.some(0), serverName: "irc.test", floodRate: 0, ...overrides })

type Client = Awaited<ReturnType<typeof connect>>

/** An IRC client that negotiated `caps` before registering as `nick`, then joined `rooms`. */
const tagged = async (port: number, nick: string, caps = "batch labeled-response", rooms: ReadonlyArray<string> = []) => {
  const client = await connect(port)
  client.send("CAP LS 302", `CAP REQ :${caps}`, `NICK ${nick}`, `USER ${nick} 0 * :${nick}`, "CAP END")
  await client.until(`:irc.test CAP * ACK :${caps}`)
  await client.until(new RegExp(` 376 ${nick} `))
  for (const room of rooms) {
    client.send(`JOIN ${room}`)
    await client.until(new RegExp(` 366 ${nick} ${room} `))
  }
  return client
}

/** The labeled-response batch a client is sent next for `label`: its reference and the lines in it. */
const batch = async (client: Client, label: string) => {
  const opening = await client.until(new RegExp(`^@label=${label} :irc\\.test BATCH \\+`))
  const ref = /BATCH \+([0-9A-Za-z-]+) labeled-response$/.exec(opening)![1]!
  const inside: Array<string> = []
  for (;;) {
    const line = await client.next()
    if (line === `:irc.test BATCH -${ref}`) return { ref, inside }
    inside.push(line)
  }
}

/** Waits until every client has seen everything it was sent before now. */
const settle = async (...clients: ReadonlyArray<Client>) => {
  for (const client of clients) {
    client.send("PING :settled")
    await client.until(/PONG .*settled/)
  }
}

describe("IRCv3 labeled-response", () => {
  it("is offered, and puts a labeled command's label on its one answer, on a batch of several, or on an ACK for none", async () => {
    const { ircPort } = await ircServer()
    const alice = await connect(ircPort)
    alice.send("CAP LS 302")
    assert.include((await alice.until(/ CAP \* LS /)).split(" "), "labeled-response")
    alice.send("CAP REQ :batch labeled-response", "NICK alice", "USER alice 0 * :alice", "CAP END")
    await alice.until(":irc.test CAP * ACK :batch labeled-response")
    await alice.until(/ 376 alice /)

    alice.send("@label=a2 PING x")
    assert.strictEqual(await alice.next(), "@label=a2 :irc.test PONG irc.test :x")
    alice.send("@label=a3 AWAY :x")
    assert.strictEqual(await alice.next(), "@label=a3 :irc.test 306 alice :You have been marked as being away")
    alice.send("@label=a1 MOTD")
    const { inside, ref } = await batch(alice, "a1")
    assert.isAtLeast(inside.length, 3)
    assert.match(inside[0]!, new RegExp(`^@batch=${ref} :irc\\.test 375 alice `))
    assert.match(inside.at(-1)!, new RegExp(`^@batch=${ref} :irc\\.test 376 alice `))
    for (const line of inside) assert.match(line, new RegExp(`^@batch=${ref} :irc\\.test 37[256] alice `))

    // No answer: an ACK. An error is the answer.
    alice.send("@label=n1 PONG :x")
    assert.strictEqual(await alice.next(), "@label=n1 :irc.test ACK")
    alice.send("@label=e1 PRIVMSG nobody :hi", "@label=e2 FROB", "@label=e3 JOIN")
    assert.strictEqual(await alice.next(), "@label=e1 :irc.test 401 alice nobody :No such nick/channel")
    assert.strictEqual(await alice.next(), "@label=e2 :irc.test 421 alice FROB :Unknown command")
    assert.strictEqual(await alice.next(), "@label=e3 :irc.test 461 alice JOIN :Not enough parameters")

    // Several in one read, labeled or not, each answered in order.
    alice.send("@label=p1 PING :one", "PING :two", "@label=p3;+other=tag PING :three")
    assert.strictEqual(await alice.next(), "@label=p1 :irc.test PONG irc.test :one")
    assert.strictEqual(await alice.next(), ":irc.test PONG irc.test :two")
    assert.strictEqual(await alice.next(), "@label=p3 :irc.test PONG irc.test :three")

    // A labeled QUIT: its answer is the goodbye.
    alice.send("@label=q1 QUIT :bye")
    assert.match(await alice.next(), /^@label=q1 ERROR :/)
    await alice.eof()
  })

  it("labels the echo of a labeled message for its sender alone (echo-message), with what else answers it in a batch", async () => {
    const { ircPort } = await ircServer()
    const alice = await tagged(ircPort, "alice", "batch labeled-response echo-message message-tags", ["#a"])
    const bob = await tagged(ircPort, "bob", "batch labeled-response message-tags", ["#a"])
    const carol = await irc(ircPort, "carol")
    carol.send("JOIN #a")
    await carol.until(/ 366 carol #a /)
    await alice.until(/carol!carol@hubbub JOIN #a/)

    alice.send("@label=m1 PRIVMSG #a :hello")
    assert.match(await alice.until(/:hello$/), /^@label=m1;msgid=\S+ :alice!alice@hubbub PRIVMSG #a :hello$/)
    assert.match(await bob.until(/:hello$/), /^@msgid=\S+ :alice!alice@hubbub PRIVMSG #a :hello$/)
    assert.strictEqual(await carol.until(/:hello$/), ":alice!alice@hubbub PRIVMSG #a :hello")

    alice.send("@label=m2;+typing=done TAGMSG #a")
    assert.match(await alice.until(/TAGMSG/), /^@label=m2;msgid=\S+;\+typing=done :alice!alice@hubbub TAGMSG #a$/)
    assert.match(await bob.until(/TAGMSG/), /^@msgid=\S+;\+typing=done :alice!alice@hubbub TAGMSG #a$/)

    alice.send("@label=m3 PRIVMSG bob :psst")
    assert.match(await alice.until(/:psst$/), /^@label=m3;msgid=\S+ :alice!alice@hubbub PRIVMSG bob :psst$/)
    assert.match(await bob.until(/:psst$/), /^@msgid=\S+ :alice!alice@hubbub PRIVMSG bob :psst$/)

    // The echo and bob's away message: one answer of two lines.
    bob.send("AWAY :lunch")
    await bob.until(/ 306 /)
    alice.send("@label=m4 PRIVMSG bob :there?")
    const { inside, ref } = await batch(alice, "m4")
    assert.strictEqual(inside.length, 2)
    assert.match(inside[0]!, new RegExp(`^@batch=${ref};msgid=\\S+ :alice!alice@hubbub PRIVMSG bob :there\\?$`))
    assert.strictEqual(inside[1], `@batch=${ref} :irc.test 301 alice bob :lunch`)

    // To itself: the message it is sent is not labeled, its echo is.
    alice.send("@label=m5 PRIVMSG alice :me")
    assert.match(await alice.until(/:me$/), /^@msgid=\S+ :alice!alice@hubbub PRIVMSG alice :me$/)
    assert.match(await alice.until(/:me$/), /^@label=m5;msgid=\S+ :alice!alice@hubbub PRIVMSG alice :me$/)

    // A TAGMSG to a nickname comes back to an echo-message sender too, labeled; one to itself twice, the echo labeled.
    alice.send("@label=m6;+typing=active TAGMSG bob")
    assert.match(await alice.until(/TAGMSG bob/), /^@label=m6;msgid=\S+;\+typing=active :alice!alice@hubbub TAGMSG bob$/)
    assert.match(await bob.until(/TAGMSG bob/), /^@msgid=\S+;\+typing=active :alice!alice@hubbub TAGMSG bob$/)
    alice.send("@label=m7;+typing=paused TAGMSG alice")
    assert.match(await alice.until(/TAGMSG alice/), /^@msgid=\S+;\+typing=paused :alice!alice@hubbub TAGMSG alice$/)
    assert.match(await alice.until(/TAGMSG alice/), /^@label=m7;msgid=\S+;\+typing=paused :alice!alice@hubbub TAGMSG alice$/)

    // Without echo-message nothing answers a message: an ACK; a TAGMSG to a nickname neither.
    bob.send("@label=b2;+typing=active TAGMSG alice")
    assert.strictEqual(await bob.until(/label=b2/), "@label=b2 :irc.test ACK")
    bob.send("@label=b1 PRIVMSG #a :quiet")
    assert.strictEqual(await bob.until(/label=b1/), "@label=b1 :irc.test ACK")
    assert.match(await alice.until(/:quiet$/), /^@msgid=\S+ :bob!bob@hubbub PRIVMSG #a :quiet$/)

    await settle(alice, bob, carol)
    for (const client of [bob, carol]) assert.isFalse(client.lines.some((line) => /label=m\d/.test(line)), client.lines.join("\n"))
    assert.isFalse(alice.lines.some((line) => line.includes("label=b1")))
    assert.isFalse(carol.lines.some((line) => line.startsWith("@")))
  })

  it("puts a labeled JOIN's answer in one batch, a history batch nested in it, and leaves out what others say meanwhile", async () => {
    const { ircPort } = await ircServer({ history: 50 })
    const bob = await tagged(ircPort, "bob", "batch", ["#a"])
    bob.send("PRIVMSG #a :earlier")
    const alice = await tagged(ircPort, "alice", "batch labeled-response server-time")
    alice.send("@label=j1 JOIN #a")
    bob.send("PRIVMSG #a :meanwhile")
    const { inside, ref } = await batch(alice, "j1")
    const ours = inside.filter((line) => line.startsWith(`@batch=${ref}`))
    assert.match(ours[0]!, new RegExp(`^@batch=${ref};time=\\S+ :alice!alice@hubbub JOIN #a$`))
    assert.match(ours[1]!, new RegExp(`^@batch=${ref} :irc\\.test 353 alice = #a :`))
    assert.match(ours[2]!, new RegExp(`^@batch=${ref} :irc\\.test 366 alice #a `))
    const opening = /^@batch=\S+ :irc\.test BATCH \+(\S+) chathistory #a$/.exec(ours[3]!)
    assert.isNotNull(opening)
    const history = opening![1]!
    assert.strictEqual(ours[4], `@batch=${ref} :irc.test BATCH -${history}`)
    const kept = inside.filter((line) => line.startsWith(`@batch=${history}`))
    assert.strictEqual(kept.length, 1)
    assert.match(kept[0]!, /:bob!bob@hubbub PRIVMSG #a :earlier$/)
    // bob's line while it joined is shown, in or after the batch, and never labeled.
    const meanwhile = alice.lines.find((line) => line.endsWith(":meanwhile"))
    assert.match(meanwhile ?? await alice.until(/:meanwhile$/), /^@time=\S+ :bob!bob@hubbub PRIVMSG #a :meanwhile$/)

    alice.send("@label=j2 PART #a")
    assert.match(await alice.until(/label=j2/), /^@label=j2;time=\S+ :alice!alice@hubbub PART #a$/)
  })

  it("shows no label to a client without labeled-response and batch, and reads past a label over 64 bytes", async () => {
    const { ircPort } = await ircServer()
    const plain = await irc(ircPort, "plain")
    plain.send("@label=z1 PING x")
    assert.strictEqual(await plain.until(/PONG/), ":irc.test PONG irc.test :x")
    const half = await tagged(ircPort, "half", "labeled-response")
    half.send("@label=z2 PING x", "@label=z3 PONG x", "PING :done")
    assert.strictEqual(await half.next(), ":irc.test PONG irc.test :x")
    assert.strictEqual(await half.next(), ":irc.test PONG irc.test :done")

    const alice = await tagged(ircPort, "alice")
    alice.send(`@label=${"x".repeat(65)} PING long`, `@label=${"y".repeat(64)} PING fits`, "@label= PING empty")
    assert.strictEqual(await alice.next(), ":irc.test PONG irc.test :long")
    assert.strictEqual(await alice.next(), `@label=${"y".repeat(64)} :irc.test PONG irc.test :fits`)
    assert.strictEqual(await alice.next(), ":irc.test PONG irc.test :empty")
    // Labels are counted in bytes: 22 three-byte characters are 66.
    alice.send(`@label=${"€".repeat(22)} PING euro`)
    assert.strictEqual(await alice.next(), ":irc.test PONG irc.test :euro")
  })
})

describe("labeled-response across servers", () => {
  it("labels the sender's echo and its answers when they come back through Redis, and only for the sender", async () => {
    const start = (name: string) => ircServer({ redisUrl: Option.some(redis.url), nodeId: name, redisPrefix: "labeled-1:" })
    const a = await start("a")
    const b = await start("b")
    const alice = await tagged(a.ircPort, "alice", "batch labeled-response echo-message", ["#x"])
    const bob = await tagged(b.ircPort, "bob", "batch labeled-response echo-message", ["#x"])
    await alice.until(/bob!bob@hubbub JOIN #x/)

    alice.send("@label=r1 PRIVMSG #x :across")
    assert.strictEqual(await alice.until(/:across$/), "@label=r1 :alice!alice@hubbub PRIVMSG #x :across")
    assert.strictEqual(await bob.until(/:across$/), ":alice!alice@hubbub PRIVMSG #x :across")
    alice.send("@label=r2 PRIVMSG bob :direct")
    assert.strictEqual(await alice.until(/:direct$/), "@label=r2 :alice!alice@hubbub PRIVMSG bob :direct")
    assert.strictEqual(await bob.until(/:direct$/), ":alice!alice@hubbub PRIVMSG bob :direct")
    alice.send("@label=r3 TOPIC #x :news")
    assert.strictEqual(await alice.until(/ TOPIC /), "@label=r3 :alice!alice@hubbub TOPIC #x :news")
    assert.strictEqual(await bob.until(/ TOPIC /), ":alice!alice@hubbub TOPIC #x :news")
    bob.send("@label=r4 JOIN #y")
    const { inside } = await batch(bob, "r4")
    assert.match(inside[0]!, /^@batch=\S+ :bob!bob@hubbub JOIN #y$/)
    assert.match(inside.at(-1)!, /^@batch=\S+ :irc\.test 366 bob #y /)
    await settle(alice, bob)
    assert.isFalse(bob.lines.some((line) => /label=r[123]/.test(line)))
    assert.isFalse(alice.lines.some((line) => line.includes("label=r4")))
  })
})
