import { assert, describe, it } from "@effect/vitest"
import { Option } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fixtures } from "./support/fixtures.js"
import { ServerProcess } from "./support/process.js"

const { connect, irc, join, later, server } = fixtures()

const ircServer = (overrides: Parameters<typeof server>[0] = {}) =>
  server({ ircPort: Option.some(0), serverName: "irc.test", floodRate: 0, ...overrides })

describe("what the server says of itself, and IRC's list commands", () => {
  it("answers MOTD, VERSION, TIME, LUSERS, ADMIN and INFO with their numerics, and /motd and /version in text", async () => {
    const { ircPort, port } = await ircServer({ motd: ["Be kind.", "No spam."] })
    const ann = await join(port, "ann")
    ann.send("/join #den")
    await ann.until("-!- Members of #den (1): @ann")
    const bob = await irc(ircPort, "bob")
    assert.deepStrictEqual(bob.lines.filter((l) => / 37[256] /.test(l)), [
      ":irc.test 375 bob :- irc.test Message of the day -",
      ":irc.test 372 bob :- Be kind.",
      ":irc.test 372 bob :- No spam.",
      ":irc.test 376 bob :End of /MOTD command"
    ])
    bob.send("MOTD", "VERSION", "TIME", "LUSERS", "ADMIN", "INFO", "motd irc.test")
    await bob.until(":irc.test 372 bob :- Be kind.")
    await bob.until(":irc.test 376 bob :End of /MOTD command")
    assert.match(await bob.until(/ 351 /), /^:irc\.test 351 bob hubbub-\S+\. irc\.test :a group chat server$/)
    assert.match(await bob.next(), /^:irc\.test 005 bob CASEMAPPING=ascii .* :are supported by this server$/)
    assert.match(await bob.next(), /^:irc\.test 005 bob .*ELIST=MNU.* :are supported by this server$/)
    assert.match(await bob.until(/ 391 /), /^:irc\.test 391 bob irc\.test :\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/)
    assert.strictEqual(await bob.until(/ 251 /), ":irc.test 251 bob :There are 2 users and 0 invisible on 1 servers")
    assert.strictEqual(await bob.next(), ":irc.test 254 bob 2 :channels formed")
    assert.strictEqual(await bob.next(), ":irc.test 255 bob :I have 2 clients and 1 servers")
    assert.strictEqual(await bob.next(), ":irc.test 265 bob 2 2 :Current local users 2, max 2")
    assert.strictEqual(await bob.next(), ":irc.test 266 bob 2 2 :Current global users 2, max 2")
    assert.strictEqual(await bob.until(/ 256 /), ":irc.test 256 bob irc.test :Administrative info")
    assert.match(await bob.until(/ 371 /), /^:irc\.test 371 bob :hubbub \S+: a group chat server/)
    await bob.until(":irc.test 374 bob :End of /INFO list")
    // A server named after the command is this one: MOTD again.
    await bob.until(":irc.test 376 bob :End of /MOTD command")

    ann.send("/motd", "/version", "/motd please")
    await ann.until("-!- Message of the day of irc.test:")
    await ann.until("-!-   No spam.")
    assert.match(await ann.until(/ runs hubbub /), /^-!- irc\.test runs hubbub \S+\.$/)
    await ann.until("-!- Message of the day of irc.test:")
  })

  it("answers LINKS, TRACE, MAP and STATS, and the commands a single server has no use for with the numerics IRC servers give, never 421", async () => {
    const { ircPort } = await ircServer()
    const bob = await irc(ircPort, "bob")
    bob.send("MAP", "STATS u", "STATS m", "STATS", "RULES", "SAJOIN bob #a", "SERVICE x * *.test 0 0 :a bot")
    assert.strictEqual(await bob.until(/ 006 /), ":irc.test 006 bob :irc.test")
    assert.strictEqual(await bob.next(), ":irc.test 007 bob :End of /MAP")
    assert.match(await bob.next(), /^:irc\.test 242 bob :Server Up 0 days 00:00:\d\d$/)
    assert.strictEqual(await bob.next(), ":irc.test 219 bob u :End of /STATS report")
    assert.strictEqual(await bob.next(), ":irc.test 219 bob m :End of /STATS report")
    assert.strictEqual(await bob.next(), ":irc.test 461 bob STATS :Not enough parameters")
    assert.match(await bob.next(), /^:irc\.test 434 bob :RULES File is missing/)
    assert.match(await bob.next(), /^:irc\.test 481 bob :Permission Denied- SAJOIN is not supported on this server/)
    assert.strictEqual(await bob.next(), ":irc.test 462 bob :You may not reregister")
    bob.send("LINKS", "TRACE", "USERS", "SUMMON alice", "SERVLIST", "SQUERY NickServ :help", "REHASH", "DIE", "SQUIT x :bye")
    assert.match(await bob.until(/ 364 /), /^:irc\.test 364 bob irc\.test irc\.test :0 hubbub \S+$/)
    assert.strictEqual(await bob.next(), ":irc.test 365 bob * :End of /LINKS list")
    assert.match(await bob.next(), /^:irc\.test 262 bob irc\.test hubbub-\S+ :End of TRACE$/)
    assert.strictEqual(await bob.next(), ":irc.test 446 bob :USERS has been disabled")
    assert.strictEqual(await bob.next(), ":irc.test 445 bob :SUMMON has been disabled")
    assert.strictEqual(await bob.next(), ":irc.test 235 bob * * :End of service listing")
    assert.match(await bob.next(), /^:irc\.test 408 bob \* :No such service/)
    for (let i = 0; i < 3; i++) assert.match(await bob.next(), /^:irc\.test 481 bob :Permission Denied- (REHASH|DIE|SQUIT) is not available/)
    assert.isFalse(bob.lines.some((line) => / 421 /.test(line)))
  })

  it("answers every server command irssi's and WeeChat's default commands send without 421", async () => {
    const { ircPort } = await ircServer()
    const bob = await irc(ircPort, "bob")
    const sent = [
      "ACCEPT *", "ADMIN", "AWAY :lunch", "AWAY", "CAP LIST", "CONNECT x", "DIE", "HELP", "INFO", "INVITE bob #a", "ISON bob", "JOIN #a", "KICK #a nobody",
      "KILL nobody :x", "KNOCK #a", "LINKS", "LIST", "LUSERS", "MAP", "MODE #a +b", "MONITOR L", "MOTD", "NAMES #a", "NOTICE bob :x", "OPER a b",
      "PING x", "PRIVMSG #a :x", "REHASH", "REMOVE #a nobody", "RESTART", "RULES", "SAJOIN bob #b", "SAMODE #a +m", "SANICK bob b2", "SAPART bob #a",
      "SAQUIT bob :x", "SERVICE x * * 0 0 :x", "SERVLIST", "SETNAME :Bob", "SILENCE", "SQUERY x :y", "SQUIT x :y", "STATS u", "SUMMON x",
      "TIME", "TOPIC #a", "TRACE", "USERHOST bob", "USERS", "VERSION", "WALLOPS :x", "WHO #a", "WHOIS bob", "WHOWAS nobody", "PART #a"
    ]
    bob.send(...sent, "PING :done")
    await bob.until(/PONG .*done/)
    assert.deepStrictEqual(bob.lines.filter((line) => / 421 /.test(line)), [])
  })

  it("lists the rooms a LIST asks for (names, masks, !masks, >N and <N), parts them all on JOIN 0, and answers NAMES with the client's own", async () => {
    const { ircPort, port } = await ircServer()
    const ann = await irc(ircPort, "ann")
    ann.send("JOIN #dev,#devops,#chat")
    await ann.until(/ 366 ann #chat /)
    const tom = await join(port, "tom")
    const bob = await irc(ircPort, "bob")
    bob.send("JOIN #chat,#dev")
    await bob.until(/ 366 bob #dev /)
    const listed = async (filter: string) => {
      bob.send(`LIST ${filter}`)
      const rooms: Array<string> = []
      for (;;) {
        const line = await bob.until(/ 32[23] /)
        if (line.includes(" 323 ")) return rooms
        rooms.push(line.split(" ").slice(3, 5).join(" "))
      }
    }
    assert.deepStrictEqual(await listed("#chat,#DEV"), ["#chat 2", "#dev 2"])
    assert.deepStrictEqual(await listed("#dev*"), ["#dev 2", "#devops 1"])
    assert.deepStrictEqual(await listed("!#dev*,>0"), ["#chat 2", "#lobby 1"])
    assert.deepStrictEqual(await listed("<1"), [])
    assert.deepStrictEqual(await listed("#nothere"), [])

    bob.send("NAMES")
    assert.strictEqual(await bob.until(/ 353 /), ":irc.test 353 bob = #chat :@ann bob")
    await bob.until(":irc.test 366 bob #chat :End of /NAMES list")
    assert.strictEqual(await bob.until(/ 353 /), ":irc.test 353 bob = #dev :@ann bob")
    await bob.until(":irc.test 366 bob #dev :End of /NAMES list")

    bob.send("JOIN 0", "NAMES")
    await bob.until(/^:bob!\S+ PART #chat/)
    await bob.until(/^:bob!\S+ PART #dev/)
    await bob.until(":irc.test 366 bob * :End of /NAMES list")
    await ann.until(/^:bob!\S+ PART #dev/)

    tom.send("/rooms #dev*,>0", "/rooms <1")
    await tom.until("-!- Rooms (2): #dev (1), #devops (1)")
    await tom.until("-!- No rooms.")
  })

  it("shows the message of the day from --motd FILE, and stops with one line when the file cannot be read", async () => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "hubbub-motd-"))
    later(() => Fs.rmSync(dir, { recursive: true, force: true }))
    const file = Path.join(dir, "motd.txt")
    Fs.writeFileSync(file, "Welcome to our chat.\r\nBe kind.\x07\n")
    const good = ServerProcess.start(["--port", "0", "--no-console", "--motd", file])
    later(() => good.kill())
    const ann = await join(await good.port(), "ann")
    ann.send("/motd")
    await ann.until("-!- Message of the day of")
    await ann.until("-!-   Welcome to our chat.")
    await ann.until("-!-   Be kind.")

    const missing = ServerProcess.start(["--port", "0", "--motd", Path.join(dir, "nope.txt")])
    later(() => missing.kill())
    assert.strictEqual((await missing.exit()).code, 1)
    assert.deepStrictEqual(missing.stderr.filter((l) => l !== ""), [`hubbub: cannot read --motd ${Path.join(dir, "nope.txt")}: no such file`])
  })
})

describe("IRCv3 capabilities", () => {
  it("echo-message echoes a client's own messages (channel, private, notice, action); multi-prefix shows @+ in NAMES and WHO; userhost-in-names the prefixes", async () => {
    const { ircPort } = await ircServer()
    const bob = await irc(ircPort, "bob")
    const alice = await connect(ircPort)
    alice.send("CAP LS 302", "CAP REQ :echo-message multi-prefix", "NICK alice", "USER alice 0 * :Alice", "CAP END")
    await alice.until(":irc.test CAP * ACK :echo-message multi-prefix")
    await alice.until(/ 376 alice /)
    alice.send("JOIN #a", "MODE #a +v alice")
    await alice.until(/ MODE #a \+v alice$/)
    bob.send("JOIN #a")
    await bob.until(/ 366 bob #a /)
    alice.send("NAMES #a", "WHO #a")
    assert.strictEqual(await alice.until(/ 353 /), ":irc.test 353 alice = #a :@+alice bob")
    assert.match(await alice.until(/ 352 alice #a \S+ \S+ \S+ alice /), / alice H@\+ :0 Alice$/)
    // Without multi-prefix, the highest status alone; with userhost-in-names, as prefixes are.
    bob.send("NAMES #a")
    assert.strictEqual(await bob.until(/ 353 /), ":irc.test 353 bob = #a :@alice bob")
    bob.send("CAP REQ :userhost-in-names", "NAMES #a")
    await bob.until(":irc.test CAP bob ACK :userhost-in-names")
    assert.strictEqual(await bob.until(/ 353 /), ":irc.test 353 bob = #a :@alice!alice@hubbub bob!bob@hubbub")

    alice.send("PRIVMSG #a :hello", "PRIVMSG bob :psst", "NOTICE bob :fyi", "PRIVMSG bob :\x01ACTION waves\x01")
    assert.strictEqual(await alice.until(/PRIVMSG #a/), ":alice!alice@hubbub PRIVMSG #a :hello")
    assert.strictEqual(await alice.until(/PRIVMSG bob :psst/), ":alice!alice@hubbub PRIVMSG bob :psst")
    assert.strictEqual(await alice.until(/NOTICE bob/), ":alice!alice@hubbub NOTICE bob :fyi")
    assert.strictEqual(await alice.until(/ACTION/), ":alice!alice@hubbub PRIVMSG bob :\x01ACTION waves\x01")
    // bob, without echo-message, is not shown his own.
    bob.send("PRIVMSG #a :hi alice", "PING :done")
    await alice.until(":bob!bob@hubbub PRIVMSG #a :hi alice")
    await bob.until(/PONG/)
    assert.isFalse(bob.lines.some((line) => line.startsWith(":bob!bob@hubbub PRIVMSG")))
  })
})

describe("WHOX", () => {
  it("answers WHO with %fields as 354 lines of those fields in WHOX's order, with the client's token, and advertises WHOX", async () => {
    const { ircPort } = await ircServer()
    const ann = await irc(ircPort, "ann")
    assert.isTrue(ann.lines.some((line) => / 005 ann .*\bWHOX\b/.test(line)))
    ann.send("JOIN #a", "PRIVMSG NickServ :REGISTER ann-password")
    await ann.until(/ 366 ann #a /)
    await ann.until(/NickServ.*registered/)
    const bob = await irc(ircPort, "bob")
    bob.send("JOIN #a", "AWAY :out")
    await bob.until(/ 306 /)
    bob.send("WHO #a %rafnuhct,42")
    assert.strictEqual(await bob.until(/ 354 .* ann /), ":irc.test 354 bob 42 #a ~ann hubbub ann H@ ann :ann the tester")
    assert.strictEqual(await bob.next(), ":irc.test 354 bob 42 #a ~bob hubbub bob G 0 :bob the tester")
    assert.strictEqual(await bob.next(), ":irc.test 315 bob #a :End of /WHO list")
    bob.send("WHO ann %ns")
    assert.strictEqual(await bob.until(/ 354 /), ":irc.test 354 bob irc.test ann")
    // Not WHOX: the classic 352.
    bob.send("WHO ann")
    assert.match(await bob.until(/ 35[24] /), /^:irc\.test 352 bob \* ~ann hubbub irc\.test ann H :0 ann the tester$/)
  })
})

describe("away-notify", () => {
  it("tells a client that asked for it when someone it shares a channel with goes away or comes back, once however many channels they share", async () => {
    const { ircPort, port } = await ircServer()
    const alice = await connect(ircPort)
    alice.send("CAP LS 302", "CAP REQ :away-notify", "NICK alice", "USER alice 0 * :Alice", "CAP END")
    await alice.until(/ 376 alice /)
    const bob = await irc(ircPort, "bob")
    const carol = await irc(ircPort, "carol")
    for (const [client, nick] of [[alice, "alice"], [bob, "bob"]] as const) {
      client.send("JOIN #a,#b")
      await client.until(new RegExp(` 366 ${nick} #b `))
    }
    carol.send("JOIN #a")
    await carol.until(/ 366 carol #a /)
    const tom = await join(port, "tom")
    tom.send("/join #a")
    await tom.until("-!- Members of #a (4): @alice, bob, carol, tom")

    bob.send("AWAY :lunch", "AWAY")
    assert.strictEqual(await alice.until(/^:\S+ AWAY/), ":bob!bob@hubbub AWAY :lunch")
    assert.strictEqual(await alice.until(/^:\S+ AWAY/), ":bob!bob@hubbub AWAY")
    tom.send("/away phone")
    assert.strictEqual(await alice.until(/^:\S+ AWAY/), ":tom!tom@hubbub AWAY :phone")
    // Once each, though bob shares two channels with alice; and nothing for carol, who did not ask.
    alice.send("PING :done")
    await alice.until(/PONG/)
    assert.strictEqual(alice.lines.filter((line) => /^:\S+ AWAY( |$)/.test(line)).length, 3)
    carol.send("PING :done")
    await carol.until(/PONG/)
    assert.isFalse(carol.lines.some((line) => /^:\S+ AWAY( |$)/.test(line)))

    // Away as it joins: its AWAY comes right after its JOIN.
    carol.send("AWAY :brb", "JOIN #b")
    await alice.until(":carol!carol@hubbub JOIN #b")
    assert.strictEqual(await alice.next(), ":carol!carol@hubbub AWAY :brb")
  })
})
