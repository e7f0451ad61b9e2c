import { assert, describe, it } from "@effect/vitest"
import { Option } from "effect"
import { fixtures } from "./support/fixtures.js"

const { connect, irc, join, server } = fixtures()

/** A server with IRC on a free port, flood control off. */
const ircServer = (overrides: Parameters<typeof server>[0] = {}) =>
  server({ ircPort: Option.some(0), serverName: "irc.test", floodRate: 0, ...overrides })

/** An IRC client that negotiated `caps` before registering as `nick`. */
const capable = async (port: number, nick: string, caps: string) => {
  const client = await connect(port)
  client.send("CAP LS 302", `CAP REQ :${caps}`, `NICK ${nick}`, `USER ${nick} 0 * :${nick}`, "CAP END")
  await client.until(new RegExp(` 376 ${nick} `))
  return client
}

describe("IRC conformance (as modern.ircdocs.horse and IRCv3 say)", () => {
  it("answers a key or a limit a channel does not take with 696, a missing one with 461, and sets nothing", async () => {
    const { ircPort, port } = await ircServer()
    const alice = await irc(ircPort, "alice")
    alice.send("JOIN #a")
    await alice.until(/ 366 /)
    alice.send("MODE #a +k :has spaces", `MODE #a +k :${"long".repeat(10)}`, "MODE #a +k :")
    for (let i = 0; i < 3; i++) assert.match(await alice.next(), /^:irc\.test 696 alice #a k \* :A key is /)
    alice.send("MODE #a +l :0", "MODE #a +l :-1", "MODE #a +l :abc", "MODE #a +l :", "MODE #a +l :a b", "MODE #a +l", "MODE #a")
    for (const shown of ["0", "-1", "abc", "\\*", "\\*"]) assert.match(await alice.next(), new RegExp(`^:irc\\.test 696 alice #a l ${shown} :A limit is `))
    assert.strictEqual(await alice.next(), ":irc.test 461 alice MODE :Not enough parameters")
    assert.strictEqual(await alice.next(), ":irc.test 324 alice #a +n")
    assert.match(await alice.next(), / 329 alice #a /)
    // The valid changes of the same line are made.
    alice.send("MODE #a +tl 0")
    assert.match(await alice.next(), /^:irc\.test 696 alice #a l 0 /)
    assert.strictEqual(await alice.next(), ":alice!alice@hubbub MODE #a +t")
    const ann = await join(port, "ann")
    ann.send("/join #a", "/mode +l nope")
    await ann.until("-!- Mode l of #a not changed: A limit is a whole number of members from 1 to 100000.")
  })

  it("echoes a bot's own MODE +B and -B (IRCv3 bot-mode)", async () => {
    const { ircPort } = await ircServer()
    const bot = await irc(ircPort, "bot")
    bot.send("MODE bot +B", "MODE bot -B", "MODE bot -B")
    assert.strictEqual(await bot.next(), ":bot!bot@hubbub MODE bot :+B")
    assert.strictEqual(await bot.next(), ":bot!bot@hubbub MODE bot :-B")
    assert.strictEqual(await bot.next(), ":irc.test 221 bot +")
  })

  it("answers HELP and HELPOP with 704, 705 and 706, on a command too, and 524 for a subject it has no help on", async () => {
    const { ircPort } = await ircServer()
    const alice = await irc(ircPort, "alice")
    alice.send("HELP")
    assert.strictEqual(await alice.next(), ":irc.test 704 alice index :hubbub help")
    assert.match(await alice.next(), /^:irc\.test 705 alice index :hubbub speaks IRC: /)
    assert.strictEqual(await alice.until(/ 706 /), ":irc.test 706 alice index :End of /HELP")
    alice.send("HELPOP privmsg", "HELP NOSUCHCOMMAND")
    assert.match(await alice.next(), /^:irc\.test 704 alice privmsg :PRIVMSG <target>/)
    assert.strictEqual(await alice.next(), ":irc.test 706 alice privmsg :End of /HELP")
    assert.strictEqual(await alice.next(), ":irc.test 524 alice NOSUCHCOMMAND :No help available on this topic")
  })

  it("answers USER with an empty real name with 461", async () => {
    const { ircPort } = await ircServer()
    const client = await connect(ircPort)
    client.send("NICK foo", "USER foo 0 * :")
    assert.strictEqual(await client.until(/ 461 /), ":irc.test 461 * USER :Not enough parameters")
  })

  it("shows a secret channel's names with @, and answers NAMES of several channels with one 366 naming them all", async () => {
    const { ircPort } = await ircServer()
    const alice = await irc(ircPort, "alice")
    alice.send("JOIN #a,#b", "MODE #b +s")
    await alice.until(/ MODE #b \+s$/)
    alice.send("NAMES #a,#B,#none")
    assert.strictEqual(await alice.next(), ":irc.test 353 alice = #a :@alice")
    assert.strictEqual(await alice.next(), ":irc.test 353 alice @ #B :@alice")
    assert.strictEqual(await alice.next(), ":irc.test 366 alice #a,#B,#none :End of /NAMES list")
    const bob = await irc(ircPort, "bob")
    bob.send("JOIN #b", "NAMES #b")
    assert.strictEqual(await bob.until(/ 353 /), ":irc.test 353 bob @ #b :@alice bob")
    assert.strictEqual(await bob.until(/ 353 /), ":irc.test 353 bob @ #b :@alice bob")
    assert.strictEqual(await bob.next(), ":irc.test 366 bob #b :End of /NAMES list")
  })

  it("confirms SETNAME to its sender in no channel", async () => {
    const { ircPort } = await ircServer()
    const foo = await capable(ircPort, "foo", "setname")
    foo.send("SETNAME :Foo Bar", "WHOIS foo")
    assert.strictEqual(await foo.next(), ":foo!foo@hubbub SETNAME :Foo Bar")
    assert.match(await foo.until(/ 311 /), / :Foo Bar$/)
  })

  it("tells LUSERS's 265 and 266 the most users at once since the start", async () => {
    const { ircPort } = await ircServer()
    const alice = await irc(ircPort, "alice")
    const bob = await irc(ircPort, "bob")
    bob.send("QUIT")
    await bob.until(/^ERROR /)
    const lusers = async () => {
      alice.send("PING :before", "LUSERS")
      await alice.until(/ PONG .*before/)
      return [await alice.until(/ 265 /), await alice.until(/ 266 /)]
    }
    let shown = await lusers()
    // The goodbye may still be on its way: until it is, both are counted.
    while (shown[0] !== ":irc.test 265 alice 1 2 :Current local users 1, max 2") shown = await lusers()
    assert.strictEqual(shown[1], ":irc.test 266 alice 1 2 :Current global users 1, max 2")
  })

  it("takes KICK #a,#b bar,baz as a channel for each nickname, and one channel for several nicknames", async () => {
    const { ircPort } = await ircServer()
    const foo = await irc(ircPort, "foo")
    foo.send("JOIN #chan,#other")
    await foo.until(/ 366 foo #other /)
    const others = await Promise.all(["bar", "baz", "qux"].map((nick) => irc(ircPort, nick)))
    for (const client of others) {
      client.send("JOIN #chan,#other")
      await client.until(new RegExp(` 366 ${client.nick} #other `))
    }
    const qux = others[2]!
    foo.send("KICK #chan,#other bar,baz :bye", "KICK #chan,#other bar :uneven")
    assert.strictEqual(await qux.until(/ KICK /), ":foo!foo@hubbub KICK #chan bar :bye")
    assert.strictEqual(await qux.until(/ KICK /), ":foo!foo@hubbub KICK #other baz :bye")
    assert.strictEqual(await foo.until(/ 461 /), ":irc.test 461 foo KICK :Not enough parameters")
    foo.send("KICK #chan baz,qux :out")
    assert.strictEqual(await qux.until(/ KICK /), ":foo!foo@hubbub KICK #chan baz :out")
    assert.strictEqual(await qux.until(/ KICK /), ":foo!foo@hubbub KICK #chan qux :out")
  })
})
