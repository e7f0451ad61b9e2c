import { assert, describe, it } from "@effect/vitest"
import { Option } from "effect"
import { fixtures } from "./support/fixtures.js"

const { connect, irc, join, server } = fixtures()

const ircServer = (overrides: Parameters<typeof server>[0] = {}) =>
  server({ ircPort: Option.some(0), serverName: "irc.test", floodRate: 0, ...overrides })

/** An IRC client that negotiated `caps` before registering as `nick`. */
const tagged = async (port: number, nick: string, caps: string) => {
  const client = await connect(port)
  client.send("CAP LS 302", `CAP REQ :${caps}`, `NICK ${nick}`, `USER ${nick} 0 * :${nick}`, "CAP END")
  await client.until(`:irc.test CAP * ACK :${caps}`)
  await client.until(new RegExp(` 376 ${nick} `))
  return client
}

const isoTime = /^@time=(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)/

/** Waits until every client has seen everything it was sent before now. */
const settle = async (...clients: ReadonlyArray<Awaited<ReturnType<typeof connect>>>) => {
  for (const client of clients) {
    client.send("PING :settled")
    await client.until(/PONG .*settled/)
  }
}

describe("IRCv3 server-time and message-tags", () => {
  it("stamps each message with its time for server-time, adds its msgid and relays client-only tags for message-tags, and shows TAGMSG only to those that asked", async () => {
    const { ircPort, port } = await ircServer()
    const alice = await tagged(ircPort, "alice", "server-time message-tags echo-message")
    const carol = await tagged(ircPort, "carol", "server-time")
    const bob = await irc(ircPort, "bob")
    for (const [client, nick] of [[alice, "alice"], [carol, "carol"], [bob, "bob"]] as const) {
      client.send("JOIN #a")
      await client.until(new RegExp(` 366 ${nick} #a `))
    }
    const tom = await join(port, "tom")
    tom.send("/join #a")
    await tom.until(/Members of #a/)

    const before = Date.now()
    bob.send("PRIVMSG #a :hello")
    const seenByAlice = await alice.until(/PRIVMSG #a :hello$/)
    const [, time] = isoTime.exec(seenByAlice)!
    assert.isAtLeast(Date.parse(time!), before - 1000)
    assert.isAtMost(Date.parse(time!), Date.now() + 1000)
    assert.match(seenByAlice, /^@time=\S+;msgid=[-0-9A-Za-z_]{11,} :bob!bob@hubbub PRIVMSG #a :hello$/)
    // server-time alone: the time, and no other tag.
    assert.match(await carol.until(/PRIVMSG #a :hello$/), /^@time=[^;\s]+ :bob!bob@hubbub PRIVMSG #a :hello$/)
    await tom.until("<bob> hello")

    // alice's own message comes back (echo-message) with the id every other client is shown.
    const dave = await tagged(ircPort, "dave", "message-tags")
    dave.send("JOIN #a")
    await dave.until(/ 366 dave #a /)
    alice.send("@+draft/reply=abc;+typing=active;not-client=x PRIVMSG #a :answer")
    const echoed = await alice.until(/PRIVMSG #a :answer$/)
    const shown = await dave.until(/PRIVMSG #a :answer$/)
    const idOf = (line: string) => /msgid=([^;\s]+)/.exec(line)![1]
    assert.strictEqual(idOf(echoed), idOf(shown))
    assert.match(shown, /^@msgid=\S+;\+draft\/reply=abc;\+typing=active :alice!alice@hubbub PRIVMSG #a :answer$/)
    assert.notInclude(shown, "not-client")
    assert.strictEqual(await bob.until(/PRIVMSG #a :answer$/), ":alice!alice@hubbub PRIVMSG #a :answer")

    // TAGMSG: only to message-tags clients; ignored from a client that did not negotiate it.
    alice.send("@+typing=active TAGMSG #a")
    assert.match(await dave.until(/TAGMSG/), /^@msgid=\S+;\+typing=active :alice!alice@hubbub TAGMSG #a$/)
    bob.send("@+typing=active TAGMSG #a")
    alice.send("@+typing=paused TAGMSG bob", "@+typing=done TAGMSG dave")
    assert.match(await dave.until(/TAGMSG dave/), /^@msgid=\S+;\+typing=done :alice!alice@hubbub TAGMSG dave$/)
    await settle(alice, bob, carol, dave)
    tom.send("/who")
    await tom.until(/Members of #a/)
    for (const client of [bob, carol]) assert.isFalse(client.lines.some((line) => line.includes("TAGMSG")))
    assert.isFalse(dave.lines.some((line) => line.includes("bob!bob@hubbub TAGMSG")))
    assert.isFalse(tom.lines.some((line) => line.includes("typing")))

    // A private message carries them too.
    bob.send("PRIVMSG dave :psst")
    assert.match(await dave.until(/PRIVMSG dave :psst/), /^@msgid=\S+ :bob!bob@hubbub PRIVMSG dave :psst$/)
  })

  it("takes tags up to their limits besides a full 512-byte line, and answers 417 past them", async () => {
    const { ircPort } = await ircServer()
    const alice = await tagged(ircPort, "alice", "message-tags")
    const bob = await tagged(ircPort, "bob", "message-tags")
    for (const [client, nick] of [[alice, "alice"], [bob, "bob"]] as const) {
      client.send("JOIN #a")
      await client.until(new RegExp(` 366 ${nick} #a `))
    }
    const text = "x".repeat(510 - "PRIVMSG #a :".length)
    // 4094 bytes of tags (without the @ and the space), client-only or not: the most a client sends.
    alice.send(`@foo=bar;+big=${"a".repeat(4081)} PRIVMSG #a :${text}`)
    const shown = await bob.until(/PRIVMSG #a :x+$/)
    assert.include(shown, `+big=${"a".repeat(4081)}`)
    alice.send(`@foo=bar;+big=${"a".repeat(4082)} PRIVMSG #a :too many client tags`)
    assert.strictEqual(await alice.until(/ 417 /), ":irc.test 417 alice :Input line was too long")
    alice.send(`@+a=b PRIVMSG #a :${text}y`)
    assert.strictEqual(await alice.until(/ 417 /), ":irc.test 417 alice :Input line was too long")
    alice.send(`@other=${"b".repeat(4100)} PRIVMSG #a :too many tags`)
    assert.strictEqual(await alice.until(/ 417 /), ":irc.test 417 alice :Input line was too long")
    await settle(alice, bob)
    assert.isFalse(bob.lines.some((line) => line.includes("too many")))
  })
})

describe("what members of a channel do, for the IRC clients that ask", () => {
  it("tags an identified sender's messages (account-tag), says who joins (extended-join), who identifies or logs out (account-notify), renames its real name (setname) and is invited (invite-notify)", async () => {
    const { ircPort } = await ircServer()
    const bob = await irc(ircPort, "bob")
    bob.send("JOIN #a")
    await bob.until(/ 366 bob #a /)
    const alice = await tagged(ircPort, "alice", "account-tag extended-join account-notify setname invite-notify")
    alice.send("JOIN #a")
    await alice.until(/ 366 alice #a /)
    const carol = await irc(ircPort, "carol")
    carol.send("JOIN #a")
    await carol.until(/ 366 carol #a /)
    assert.strictEqual(await alice.until(/ JOIN #a/), ":carol!carol@hubbub JOIN #a * :carol the tester")

    bob.send("PRIVMSG NickServ :REGISTER bob-password")
    assert.strictEqual(await alice.until(/ ACCOUNT /), ":bob!bob@hubbub ACCOUNT bob")
    bob.send("PRIVMSG #a :signed")
    assert.strictEqual(await alice.until(/:signed$/), "@account=bob :bob!bob@hubbub PRIVMSG #a :signed")
    assert.strictEqual(await carol.until(/:signed$/), ":bob!bob@hubbub PRIVMSG #a :signed")
    carol.send("PRIVMSG #a :unsigned")
    assert.strictEqual(await alice.until(/:unsigned$/), ":carol!carol@hubbub PRIVMSG #a :unsigned")

    carol.send("SETNAME :Carol Cee")
    assert.strictEqual(await alice.until(/ SETNAME /), ":carol!carol@hubbub SETNAME :Carol Cee")
    alice.send("WHOIS carol")
    assert.match(await alice.until(/ 311 /), / :Carol Cee$/)
    carol.send(`SETNAME :${"x".repeat(101)}`, "SETNAME :")
    assert.strictEqual(await carol.until(/^FAIL/), "FAIL SETNAME INVALID_REALNAME :A real name is 1 to 100 bytes")
    assert.strictEqual(await carol.until(/^FAIL/), "FAIL SETNAME INVALID_REALNAME :A real name is 1 to 100 bytes")

    const eve = await irc(ircPort, "eve")
    bob.send("INVITE eve #a")
    assert.strictEqual(await alice.until(/ INVITE /), ":bob!bob@hubbub INVITE eve #a")
    assert.strictEqual(await eve.until(/ INVITE /), ":bob!bob@hubbub INVITE eve #a")

    const dave = await irc(ircPort, "dave")
    dave.send("PRIVMSG NickServ :REGISTER dave-password", "JOIN #a")
    assert.strictEqual(await alice.until(/dave.* JOIN #a/), "@account=dave :dave!dave@hubbub JOIN #a dave :dave the tester")
    bob.send("PRIVMSG NickServ :LOGOUT")
    assert.strictEqual(await alice.until(/ ACCOUNT \*/), ":bob!bob@hubbub ACCOUNT *")

    // None of it for clients that did not ask.
    await settle(alice, bob, carol, dave)
    for (const client of [bob, carol, dave]) {
      assert.isFalse(client.lines.some((line) => /^:\S+ (ACCOUNT|SETNAME) /.test(line) || line.includes("INVITE eve")), client.lines.join("\n"))
      assert.isFalse(client.lines.some((line) => line.startsWith("@")))
    }
  })
})

describe("bots", () => {
  it("lets a client say it is a bot (MODE +B), which WHOIS (335), WHO (B) and the bot tag show, until -B", async () => {
    const { ircPort, port } = await ircServer()
    const alice = await tagged(ircPort, "alice", "message-tags")
    alice.send("JOIN #a")
    await alice.until(/ 366 alice #a /)
    const bob = await irc(ircPort, "bob")
    assert.isTrue(bob.lines.some((line) => / 005 bob .*\bBOT=B\b/.test(line)))
    bob.send("JOIN #a", "MODE bob +iB", "MODE bob +B", "MODE bob")
    // A change is echoed as IRCv3 bot-mode says; one that changes nothing, and a query, are answered with 221.
    assert.strictEqual(await bob.until(/ MODE bob /), ":bob!bob@hubbub MODE bob :+B")
    assert.strictEqual(await bob.next(), ":irc.test 221 bob +B")
    assert.strictEqual(await bob.next(), ":irc.test 221 bob +B")
    bob.send("PRIVMSG #a :beep")
    assert.match(await alice.until(/:beep$/), /^@bot;msgid=\S+ :bob!bob@hubbub PRIVMSG #a :beep$/)
    alice.send("WHOIS bob", "WHO #a")
    assert.strictEqual(await alice.until(/ 335 /), ":irc.test 335 alice bob :is a bot")
    assert.match(await alice.until(/ 352 .* bob /), / bob HB :0 /)
    const tom = await join(port, "tom")
    tom.send("/whois bob")
    await tom.until("-!-   is a bot")
    bob.send("MODE bob -B", "PRIVMSG #a :human again")
    assert.strictEqual(await bob.until(/ MODE bob /), ":bob!bob@hubbub MODE bob :-B")
    assert.match(await alice.until(/:human again$/), /^@msgid=\S+ :bob!bob@hubbub PRIVMSG #a :human again$/)
  })
})

describe("STATUSMSG", () => {
  it("sends PRIVMSG @#room to the room's operators alone, and +#room to its voiced members too, each shown it as to @#room or +#room", async () => {
    const { ircPort, port } = await ircServer()
    const alice = await irc(ircPort, "alice")
    alice.send("JOIN #a")
    await alice.until(/ 366 alice #a /)
    const bob = await irc(ircPort, "bob")
    const carol = await irc(ircPort, "carol")
    const dave = await irc(ircPort, "dave")
    for (const [client, nick] of [[bob, "bob"], [carol, "carol"], [dave, "dave"]] as const) {
      client.send("JOIN #a")
      await client.until(new RegExp(` 366 ${nick} #a `))
    }
    const tom = await join(port, "tom")
    tom.send("/join #a")
    await tom.until(/Members of #a/)
    alice.send("MODE #a +v bob", "MODE #a +o tom")
    await tom.until(/alice gives .* to tom in #a/)
    await carol.until(/MODE #a \+o tom/)

    dave.send("PRIVMSG @#a :ops only", "PRIVMSG +#a :voices too")
    assert.strictEqual(await alice.until(/ops only/), ":dave!dave@hubbub PRIVMSG @#a :ops only")
    assert.strictEqual(await tom.until(/ops only/), "[@#a] <dave> ops only")
    assert.strictEqual(await alice.until(/voices too/), ":dave!dave@hubbub PRIVMSG +#a :voices too")
    assert.strictEqual(await bob.until(/voices too/), ":dave!dave@hubbub PRIVMSG +#a :voices too")
    await settle(alice, bob, carol, dave)
    assert.isFalse(bob.lines.some((line) => line.includes("ops only")))
    assert.isFalse(carol.lines.some((line) => line.includes("ops only") || line.includes("voices too")))
    assert.isTrue(alice.lines.some((line) => / 005 alice .*\bSTATUSMSG=@\+/.test(line)))

    // Not in the room: refused as a message to it would be; an unknown room likewise.
    const eve = await irc(ircPort, "eve")
    eve.send("PRIVMSG @#a :let me in", "PRIVMSG @#nowhere :hello")
    assert.match(await eve.until(/ 404 | 442 /), / 404 eve #a /)
    assert.match(await eve.until(/ 403 /), / 403 eve #nowhere /)
    await settle(alice, eve)
    assert.isFalse(alice.lines.some((line) => line.includes("let me in")))
  })

  it("echoes PRIVMSG @#room to an echo-message sender as it went, with the msgid its recipients got (and its label when labeled); others are shown no echo", async () => {
    const { ircPort } = await ircServer()
    const alice = await irc(ircPort, "alice")
    alice.send("JOIN #a")
    await alice.until(/ 366 alice #a /)
    const erin = await tagged(ircPort, "erin", "server-time message-tags echo-message batch labeled-response")
    const frank = await tagged(ircPort, "frank", "message-tags")
    const dave = await irc(ircPort, "dave")
    for (const [client, nick] of [[erin, "erin"], [frank, "frank"], [dave, "dave"]] as const) {
      client.send("JOIN #a")
      await client.until(new RegExp(` 366 ${nick} #a `))
    }
    alice.send("MODE #a +o frank")
    await frank.until(/MODE #a \+o frank/)

    erin.send("PRIVMSG @#a :for ops")
    const echoed = await erin.until(/for ops/)
    assert.match(echoed, /^@time=\S+;msgid=\S+ :erin!erin@hubbub PRIVMSG @#a :for ops$/)
    const shown = await frank.until(/for ops/)
    const idOf = (line: string) => /msgid=([^;\s]+)/.exec(line)![1]
    assert.strictEqual(idOf(echoed), idOf(shown))
    assert.strictEqual(await alice.until(/for ops/), ":erin!erin@hubbub PRIVMSG @#a :for ops")

    erin.send("@label=s1 NOTICE +#a :labeled")
    assert.match(await erin.until(/labeled$/), /^@label=s1;time=\S+;msgid=\S+ :erin!erin@hubbub NOTICE \+#a :labeled$/)

    // Without echo-message, a sender is shown nothing of its own.
    dave.send("PRIVMSG @#a :from dave")
    await alice.until(/from dave/)
    await settle(dave)
    assert.isFalse(dave.lines.some((line) => line.includes("from dave")))
  })
})
