import { assert, describe, it } from "@effect/vitest"
import { Duration, Option } from "effect"
import { fixtures } from "./support/fixtures.js"
import { TestClient } from "./support/TestClient.js"

const { connect, irc, join, later, server } = fixtures()

/** A server with IRC on a free port, flood control off unless asked. */
const ircServer = (overrides: Parameters<typeof server>[0] = {}) =>
  server({ ircPort: Option.some(0), serverName: "irc.test", floodRate: 0, ...overrides })

const ircConnect = async (port: number) => {
  const client = await TestClient.connect(port)
  later(() => client.reset())
  return client
}

/** The text of `length` characters that arrives in lines starting with `prefix`, each within 512 bytes with its CRLF. */
const relayed = async (client: TestClient, prefix: string, length: number) => {
  let text = ""
  while (text.length < length) {
    const line = await client.until((l) => l.startsWith(prefix))
    assert.isAtMost(Buffer.byteLength(line) + 2, 512)
    text += line.slice(prefix.length)
  }
  return text
}

describe("IRC", () => {
  it("registers with NICK and USER in either order, and welcomes with 001-005 and the MOTD", async () => {
    const { ircPort } = await ircServer()
    const alice = await ircConnect(ircPort)
    assert.strictEqual(await alice.next(), ":irc.test NOTICE * :*** Welcome to hubbub. Register with NICK and USER.")
    alice.socket.write("USER alice 0 * :Alice A\r\nNICK alice\r\n")
    assert.strictEqual(await alice.next(), ":irc.test 001 alice :Welcome to hubbub, alice")
    assert.match(await alice.next(), /^:irc\.test 002 alice :Your host is irc\.test, running hubbub-/)
    assert.match(await alice.next(), /^:irc\.test 003 alice :This server was created /)
    assert.match(await alice.next(), /^:irc\.test 004 alice irc\.test hubbub-\S+ Bgiow biklmnoqstv$/)
    const isupport = await alice.next()
    for (const token of ["CASEMAPPING=ascii", "CHANTYPES=#", "NICKLEN=24", "CHANNELLEN=33", "TOPICLEN=390", "LINELEN=512"]) {
      assert.include(isupport, ` ${token} `)
    }
    assert.match(isupport, /^:irc\.test 005 alice .* :are supported by this server$/)
    assert.match(await alice.next(), /^:irc\.test 005 alice .*ELIST=MNU.* :are supported by this server$/)
    assert.match(await alice.next(), /^:irc\.test 375 alice /)
    assert.match(await alice.next(), /^:irc\.test 372 alice /)
    assert.strictEqual(await alice.next(), ":irc.test 376 alice :End of /MOTD command")
    assert.strictEqual(alice.crlf, alice.lines.length, "every line ends in CRLF")

    const bob = await ircConnect(ircPort)
    bob.send("NICK bob", "USER bob 0 * :Bob")
    await bob.until(":irc.test 001 bob :Welcome to hubbub, bob")
  })

  it("holds registration during CAP LS 302 until CAP END, offers its capabilities, and NAKs a request with any other whole", async () => {
    const { ircPort } = await ircServer()
    const alice = await ircConnect(ircPort)
    await alice.next()
    alice.send("CAP LS 302", "NICK alice", "USER alice 0 * :Alice")
    assert.strictEqual(await alice.next(), ":irc.test CAP * LS :account-notify account-tag away-notify batch cap-notify draft/chathistory echo-message extended-join extended-monitor invite-notify labeled-response message-tags multi-prefix sasl=PLAIN server-time setname userhost-in-names")
    alice.send("CAP REQ :no-such-cap sasl")
    assert.strictEqual(await alice.next(), ":irc.test CAP * NAK :no-such-cap sasl")
    alice.send("CAP LIST")
    assert.strictEqual(await alice.next(), ":irc.test CAP * LIST :cap-notify")
    alice.send("CAP REQ :sasl")
    assert.strictEqual(await alice.next(), ":irc.test CAP * ACK :sasl")
    alice.send("CAP END")
    assert.strictEqual(await alice.next(), ":irc.test 001 alice :Welcome to hubbub, alice")
    alice.send("CAP LIST")
    assert.strictEqual(await alice.until(/ CAP /), ":irc.test CAP alice LIST :cap-notify sasl")
    alice.send("CAP FOO")
    assert.strictEqual(await alice.next(), ":irc.test 410 alice FOO :Invalid CAP command")
  })

  it("answers registration errors: 431, 432, 433 across protocols, 451, 421, 462, and ignores PASS", async () => {
    const { ircPort, port } = await ircServer()
    await join(port, "carol")
    const c = await ircConnect(ircPort)
    await c.next()
    c.send("PASS secret", "NICK")
    assert.strictEqual(await c.next(), ":irc.test 431 * :No nickname given")
    c.send("NICK bad!nick")
    assert.match(await c.next(), /^:irc\.test 432 \* bad!nick :Erroneous nickname/)
    c.send("JOIN #a")
    assert.strictEqual(await c.next(), ":irc.test 451 * :You have not registered")
    c.send("FROB")
    assert.strictEqual(await c.next(), ":irc.test 421 * FROB :Unknown command")
    c.send("NICK CAROL", "USER c 0 * :C")
    assert.strictEqual(await c.next(), ":irc.test 433 * CAROL :Nickname is already in use")
    c.send("NICK dave")
    assert.strictEqual(await c.next(), ":irc.test 001 dave :Welcome to hubbub, dave")
    await c.until(/ 376 /)
    c.send("USER again 0 * :x", "FROB x")
    assert.strictEqual(await c.next(), ":irc.test 462 dave :You may not reregister")
    assert.strictEqual(await c.next(), ":irc.test 421 dave FROB :Unknown command")

    // and the other way round: a netcat user cannot take an IRC user's nick
    const text = await connect(port)
    await text.until("Choose a nickname")
    text.send("Dave")
    assert.strictEqual(await text.next(), "-!- Nickname Dave is already in use. Choose another nickname:")
  })

  it("answers PING with PONG and its token, and a bare PING with 461", async () => {
    const { ircPort } = await ircServer()
    const alice = await irc(ircPort, "alice")
    alice.send("PING :abc def", "PING")
    assert.strictEqual(await alice.next(), ":irc.test PONG irc.test :abc def")
    assert.strictEqual(await alice.next(), ":irc.test 461 alice PING :Not enough parameters")
  })

  it("joins several channels at once, one error per invalid name, and echoes JOIN, 332, 333, 353 and 366", async () => {
    const { ircPort, port } = await ircServer()
    const bob = await join(port, "bob")
    bob.send("/join #b", "/topic the b room")
    await bob.until("-!- bob set the topic of #b to: the b room")
    const alice = await irc(ircPort, "alice")
    alice.send("JOIN #a,bad,#b,#no!pe")
    assert.strictEqual(await alice.next(), ":alice!alice@hubbub JOIN #a")
    assert.strictEqual(await alice.next(), ":irc.test 353 alice = #a :@alice")
    assert.strictEqual(await alice.next(), ":irc.test 366 alice #a :End of /NAMES list")
    assert.strictEqual(await alice.next(), ":irc.test 403 alice bad :No such channel")
    assert.strictEqual(await alice.next(), ":alice!alice@hubbub JOIN #b")
    assert.strictEqual(await alice.next(), ":irc.test 332 alice #b :the b room")
    assert.match(await alice.next(), /^:irc\.test 333 alice #b bob \d+$/)
    assert.strictEqual(await alice.next(), ":irc.test 353 alice = #b :alice @bob")
    assert.strictEqual(await alice.next(), ":irc.test 366 alice #b :End of /NAMES list")
    assert.strictEqual(await alice.next(), ":irc.test 403 alice #no!pe :No such channel")
    assert.strictEqual(await bob.until(/alice/), "-!- alice has joined #b")
    // joining again changes nothing
    alice.send("JOIN #a", "PING :done")
    assert.strictEqual(await alice.next(), ":irc.test PONG irc.test :done")
  })

  it("parts with a reason relayed, and answers 442 and 403 without relaying them", async () => {
    const { ircPort } = await ircServer()
    const alice = await irc(ircPort, "alice")
    const bob = await irc(ircPort, "bob")
    alice.send("JOIN #a,#b")
    await alice.until(/366 alice #b/)
    bob.send("JOIN #a")
    await bob.until(/366 bob #a/)
    await alice.until(":bob!bob@hubbub JOIN #a")
    alice.send("PART #a,#b :see you")
    assert.strictEqual(await alice.next(), ":alice!alice@hubbub PART #a :see you")
    assert.strictEqual(await alice.next(), ":alice!alice@hubbub PART #b :see you")
    assert.strictEqual(await bob.next(), ":alice!alice@hubbub PART #a :see you")
    alice.send("PART #a", "PART #nowhere", "PART")
    assert.strictEqual(await alice.next(), ":irc.test 442 alice #a :You're not on that channel")
    assert.strictEqual(await alice.next(), ":irc.test 403 alice #nowhere :No such channel")
    assert.strictEqual(await alice.next(), ":irc.test 461 alice PART :Not enough parameters")
    bob.send("PING :x")
    assert.strictEqual(await bob.next(), ":irc.test PONG irc.test :x")
  })

  it("answers NAMES with the name as given, also for a channel that does not exist", async () => {
    const { ircPort } = await ircServer()
    const alice = await irc(ircPort, "alice")
    alice.send("JOIN #a")
    await alice.until(/366/)
    alice.send("NAMES #A", "NAMES #nothing")
    assert.strictEqual(await alice.next(), ":irc.test 353 alice = #A :@alice")
    assert.strictEqual(await alice.next(), ":irc.test 366 alice #A :End of /NAMES list")
    assert.strictEqual(await alice.next(), ":irc.test 366 alice #nothing :End of /NAMES list")
  })

  it("shows, sets and clears topics, relaying them to the channel and its author", async () => {
    const { ircPort, port } = await ircServer()
    const alice = await irc(ircPort, "alice")
    const bob = await join(port, "bob")
    alice.send("JOIN #lobby")
    await alice.until(/366 alice #lobby/)
    alice.send("TOPIC #lobby")
    assert.strictEqual(await alice.next(), ":irc.test 331 alice #lobby :No topic is set")
    const before = Math.floor(Date.now() / 1000)
    alice.send("TOPIC #lobby :hello all")
    assert.strictEqual(await alice.next(), ":alice!alice@hubbub TOPIC #lobby :hello all")
    assert.strictEqual(await bob.until(/topic/), "-!- alice set the topic of #lobby to: hello all")
    alice.send("TOPIC #lobby")
    assert.strictEqual(await alice.next(), ":irc.test 332 alice #lobby :hello all")
    // 333: who set it, and when in seconds.
    const [, at] = /^:irc\.test 333 alice #lobby alice (\d+)$/.exec(await alice.next()) ?? []
    assert.isAtLeast(Number(at), before)
    assert.isAtMost(Number(at), Date.now() / 1000)
    alice.send("TOPIC #lobby :")
    assert.strictEqual(await alice.next(), ":alice!alice@hubbub TOPIC #lobby :")
    assert.strictEqual(await bob.until(/topic/), "-!- alice cleared the topic of #lobby")
    alice.send("TOPIC #none", "TOPIC #none :x")
    assert.strictEqual(await alice.next(), ":irc.test 403 alice #none :No such channel")
    assert.strictEqual(await alice.next(), ":irc.test 403 alice #none :No such channel")
    bob.send("/join #b")
    await bob.until("Members of #b")
    alice.send("TOPIC #b :not mine")
    assert.strictEqual(await alice.until(/ 442 /), ":irc.test 442 alice #b :You're not on that channel")
  })

  it("relays PRIVMSG and NOTICE to channels and nicks, never back to the sender, with errors only for PRIVMSG", async () => {
    const { ircPort, port } = await ircServer()
    const alice = await irc(ircPort, "alice")
    const bob = await irc(ircPort, "bob")
    const carol = await join(port, "carol")
    for (const c of [alice, bob]) {
      c.send("JOIN #lobby")
      await c.until(/366 \w+ #lobby/)
    }
    await alice.until(":bob!bob@hubbub JOIN #lobby")
    alice.send("PRIVMSG #lobby :hello there", "NOTICE #lobby :a notice", "PRIVMSG #lobby :\x01ACTION waves\x01")
    assert.strictEqual(await bob.next(), ":alice!alice@hubbub PRIVMSG #lobby :hello there")
    assert.strictEqual(await bob.next(), ":alice!alice@hubbub NOTICE #lobby :a notice")
    assert.strictEqual(await bob.next(), ":alice!alice@hubbub PRIVMSG #lobby :\x01ACTION waves\x01")
    assert.strictEqual(await carol.until(/hello/), "<alice> hello there")
    assert.strictEqual(await carol.next(), "<alice> a notice")
    assert.strictEqual(await carol.next(), "* alice waves")

    alice.send("PRIVMSG bob :psst", "PRIVMSG carol :\x01ACTION nods\x01", "NOTICE carol :n")
    assert.strictEqual(await bob.next(), ":alice!alice@hubbub PRIVMSG bob :psst")
    assert.strictEqual(await carol.next(), "*alice* * alice nods")
    assert.strictEqual(await carol.next(), "*alice* n")

    carol.send("hi from netcat", "/me smiles", "/msg bob private")
    assert.strictEqual(await bob.next(), ":carol!carol@hubbub PRIVMSG #lobby :hi from netcat")
    assert.strictEqual(await bob.next(), ":carol!carol@hubbub PRIVMSG #lobby :\x01ACTION smiles\x01")
    assert.strictEqual(await bob.next(), ":carol!carol@hubbub PRIVMSG bob :private")

    alice.send(
      "PRIVMSG nobody :x",
      "PRIVMSG #nowhere :x",
      "PRIVMSG #lobby :",
      "PRIVMSG",
      "NOTICE nobody :x",
      "NOTICE #nowhere :x",
      "NOTICE #lobby :",
      "PING :end"
    )
    assert.strictEqual(await alice.until(/^:irc\.test /), ":irc.test 401 alice nobody :No such nick/channel")
    assert.strictEqual(await alice.next(), ":irc.test 403 alice #nowhere :No such channel")
    assert.strictEqual(await alice.next(), ":irc.test 412 alice :No text to send")
    assert.strictEqual(await alice.next(), ":irc.test 461 alice PRIVMSG :Not enough parameters")
    assert.strictEqual(await alice.next(), ":irc.test PONG irc.test :end")

    carol.send("/join #side")
    await carol.until("Members of #side")
    alice.send("PRIVMSG #side :let me in")
    assert.strictEqual(await alice.until(/ 404 /), ":irc.test 404 alice #side :Cannot send to channel")
    // nothing of alice's own ever came back to her
    assert.isFalse(alice.saw(/^:alice!alice@hubbub (PRIVMSG|NOTICE)/))
  })

  it("answers WHO for a channel, a nick and masks, with a lone 315 for nobody", async () => {
    const { ircPort, port } = await ircServer()
    const alice = await irc(ircPort, "alice")
    await join(port, "albert")
    await join(port, "bob")
    alice.send("JOIN #a")
    await alice.until(/366/)
    alice.send("WHO #a")
    assert.strictEqual(await alice.next(), ":irc.test 352 alice #a ~alice hubbub irc.test alice H@ :0 alice the tester")
    assert.strictEqual(await alice.next(), ":irc.test 315 alice #a :End of /WHO list")
    alice.send("WHO BOB")
    assert.strictEqual(await alice.next(), ":irc.test 352 alice * bob hubbub irc.test bob H :0 bob")
    assert.strictEqual(await alice.next(), ":irc.test 315 alice BOB :End of /WHO list")
    alice.send("WHO AL*")
    const found = [await alice.next(), await alice.next()].sort()
    assert.deepStrictEqual(found, [
      ":irc.test 352 alice * albert hubbub irc.test albert H :0 albert",
      ":irc.test 352 alice * ~alice hubbub irc.test alice H :0 alice the tester"
    ])
    assert.strictEqual(await alice.next(), ":irc.test 315 alice AL* :End of /WHO list")
    alice.send("WHO b?b", "WHO nobody")
    assert.match(await alice.next(), / 352 alice \* bob /)
    assert.strictEqual(await alice.next(), ":irc.test 315 alice b?b :End of /WHO list")
    assert.strictEqual(await alice.next(), ":irc.test 315 alice nobody :End of /WHO list")
  })

  it("answers MODE queries with 324 and 221, and LIST with the rooms that have members", async () => {
    const { ircPort } = await ircServer()
    const alice = await irc(ircPort, "alice")
    alice.send("JOIN #a")
    await alice.until(/366/)
    alice.send("MODE #a", "MODE #a b", "MODE #a +x", "MODE alice +i", "MODE bob", "MODE #zz", "LIST")
    assert.strictEqual(await alice.next(), ":irc.test 324 alice #a +n")
    assert.match(await alice.next(), /^:irc\.test 329 alice #a \d{10}$/)
    assert.strictEqual(await alice.next(), ":irc.test 368 alice #a :End of channel ban list")
    assert.strictEqual(await alice.next(), ":irc.test 472 alice x :is unknown mode char to me")
    assert.strictEqual(await alice.next(), ":irc.test 221 alice +")
    assert.strictEqual(await alice.next(), ":irc.test 502 alice :Can't change mode for other users")
    assert.strictEqual(await alice.next(), ":irc.test 403 alice #zz :No such channel")
    assert.strictEqual(await alice.next(), ":irc.test 321 alice Channel :Users Name")
    assert.strictEqual(await alice.next(), ":irc.test 322 alice #a 1 :")
    assert.strictEqual(await alice.next(), ":irc.test 323 alice :End of /LIST")
  })

  it("takes lines of 512 bytes with CRLF, relays each as one line cut to 512 bytes with its longer prefix, answers longer ones with 417 and stays connected", async () => {
    const { ircPort } = await ircServer()
    const alice = await irc(ircPort, "alice")
    const bob = await irc(ircPort, "bob")
    for (const c of [alice, bob]) {
      c.send("JOIN #a")
      await c.until(/366 \w+ #a/)
    }
    const head = "PRIVMSG #a :"
    const fits = "x".repeat(512 - 2 - head.length)
    alice.socket.write(`${head}${fits}\r\nPRIVMSG #a :next\r\n`)
    // Relayed with a longer prefix, it is cut to fit one line, as IRC servers do: never split.
    const line = await bob.until(/PRIVMSG #a :x/)
    assert.strictEqual(Buffer.byteLength(line) + 2, 512)
    assert.strictEqual(line, `:alice!alice@hubbub PRIVMSG #a :${fits.slice(0, 512 - 2 - ":alice!alice@hubbub PRIVMSG #a :".length)}`)
    assert.strictEqual(await bob.next(), ":alice!alice@hubbub PRIVMSG #a :next")
    // Cut between characters, never inside one; a private message and an action alike.
    const wide = "é".repeat(240)
    alice.socket.write(`PRIVMSG bob :${wide}\r\nPRIVMSG bob :\x01ACTION ${wide}\x01\r\n`)
    const privately = await bob.until(/PRIVMSG bob :é/)
    assert.isAtMost(Buffer.byteLength(privately) + 2, 512)
    assert.match(privately, /^:alice!alice@hubbub PRIVMSG bob :(é)+$/)
    assert.isAbove(Buffer.byteLength(privately) + 2, 510)
    const acted = await bob.until(/ACTION/)
    assert.isAtMost(Buffer.byteLength(acted) + 2, 512)
    assert.match(acted, /^:alice!alice@hubbub PRIVMSG bob :\x01ACTION (é)+\x01$/)
    alice.socket.write(`${head}${fits}y\r\nPING :still here\r\n`)
    assert.strictEqual(await alice.until(/417|PONG/), ":irc.test 417 alice :Input line was too long")
    assert.strictEqual(await alice.next(), ":irc.test PONG irc.test :still here")
  })

  it("splits a long text-protocol line into IRC lines of at most 512 bytes", async () => {
    const { ircPort, port } = await ircServer()
    const alice = await irc(ircPort, "alice")
    alice.send("JOIN #lobby")
    await alice.until(/366/)
    const carol = await join(port, "carol")
    const text = "é".repeat(700)
    carol.send(text)
    assert.strictEqual(await relayed(alice, ":carol!carol@hubbub PRIVMSG #lobby :", text.length), text)
  })

  it("reads byte-by-byte input", async () => {
    const { ircPort } = await ircServer()
    const alice = await ircConnect(ircPort)
    await alice.next()
    for (const byte of Buffer.from("NICK alice\r\nUSER a 0 * :A\r\nPING :one\r\n")) {
      alice.socket.write(Buffer.from([byte]))
      await new Promise((resolve) => setImmediate(resolve))
    }
    await alice.until(":irc.test 001 alice :Welcome to hubbub, alice")
    assert.strictEqual(await alice.until(/PONG/), ":irc.test PONG irc.test :one")
  })

  it("shows a quit once however many channels are shared, with its reason, and says ERROR to the quitter", async () => {
    const { ircPort, port } = await ircServer()
    const alice = await irc(ircPort, "alice")
    const bob = await irc(ircPort, "bob")
    const carol = await join(port, "carol")
    for (const c of [alice, bob]) {
      c.send("JOIN #lobby,#a,#b")
      await c.until(/366 \w+ #b/)
    }
    await alice.until(":bob!bob@hubbub JOIN #b")
    bob.send("NICK robert")
    assert.strictEqual(await bob.until(/NICK/), ":bob!bob@hubbub NICK :robert")
    assert.strictEqual(await alice.until(/NICK/), ":bob!bob@hubbub NICK :robert")
    bob.send("QUIT :off to lunch")
    assert.strictEqual(await bob.until(/ERROR/), "ERROR :Quit: off to lunch")
    await bob.eof()
    assert.strictEqual(await alice.until(/QUIT/), ":robert!robert@hubbub QUIT :quit: off to lunch")
    assert.strictEqual(await carol.until(/robert has left/), "-!- robert has left #lobby (quit: off to lunch)")
    alice.send("PING :after")
    assert.strictEqual(await alice.next(), ":irc.test PONG irc.test :after")
    assert.strictEqual(alice.lines.filter((l) => /^:\S+ (NICK|QUIT) /.test(l)).length, 2)
  })

  it("puts text, IRC and seed-protocol messages in one order for everyone in the room", async () => {
    const { ircPort, port, seedPort } = await ircServer({ seedPort: Option.some(0) })
    const ircs = await Promise.all(["i1", "i2"].map((n) => irc(ircPort, n)))
    for (const c of ircs) {
      c.send("JOIN #lobby")
      await c.until(/366 \w+ #lobby/)
    }
    const texts = await Promise.all(["t1", "t2"].map((n) => join(port, n)))
    const seed = await ircConnect(seedPort)
    await texts[1].until(/seed-\d+ has joined/)
    for (const c of [...ircs, ...texts]) c.unread()
    const per = 30
    for (let k = 0; k < per; k++) {
      ircs[0].send(`PRIVMSG #lobby :a${k}`)
      texts[0].send(`b${k}`)
      ircs[1].send(`PRIVMSG #lobby :c${k}`)
      texts[1].send(`d${k}`)
      seed.send(`e${k}`)
    }
    const words = async (c: TestClient, count: number) => {
      const got: Array<string> = []
      while (got.length < count) {
        const line = await c.until(/([a-e]\d+)$/)
        got.push(line.match(/([a-e]\d+)$/)![1])
      }
      return got
    }
    // IRC users do not get their own lines back; text and seed users do
    const seen = await Promise.all([
      words(ircs[0], 4 * per),
      words(ircs[1], 4 * per),
      words(texts[0], 5 * per),
      words(texts[1], 5 * per),
      words(seed, 5 * per)
    ])
    const all = seen[2]
    assert.deepStrictEqual(seen[3], all)
    assert.deepStrictEqual(seen[4], all)
    assert.deepStrictEqual(seen[0], all.filter((w) => !w.startsWith("a")))
    assert.deepStrictEqual(seen[1], all.filter((w) => !w.startsWith("c")))
    // each sender's own lines in the order it sent them
    for (const letter of "abcde") {
      assert.deepStrictEqual(all.filter((w) => w.startsWith(letter)), Array.from({ length: per }, (_, k) => `${letter}${k}`))
    }
  })

  it("bounds targets per line (407) and rooms per user (405), and advertises both", async () => {
    const { ircPort } = await ircServer()
    const alice = await irc(ircPort, "alice")
    assert.match(alice.lines.find((l) => / 005 /.test(l))!, / CHANLIMIT=#:50 TARGMAX=JOIN:10,PART:10,NAMES:10,KICK:4,PRIVMSG:4,NOTICE:4 /)
    alice.send(`JOIN ${Array.from({ length: 12 }, (_, i) => `#r${i}`).join(",")}`)
    await alice.until(/366 alice #r9 /)
    assert.strictEqual(await alice.next(), ":irc.test 407 alice #r10 :Too many targets")
    alice.send("PRIVMSG a,b,c,d,e :hi")
    assert.strictEqual(await alice.next(), ":irc.test 407 alice a,b,c,d,e :Too many targets")
    for (let from = 10; from < 50; from += 10) {
      alice.send(`JOIN ${Array.from({ length: 10 }, (_, i) => `#r${from + i}`).join(",")}`)
      await alice.until(new RegExp(`366 alice #r${from + 9} `))
    }
    alice.send("JOIN #one-too-many,#r3", "PING :x")
    assert.strictEqual(await alice.next(), ":irc.test 405 alice #one-too-many :You have joined too many channels")
    assert.strictEqual(await alice.next(), ":irc.test PONG irc.test :x")
  })

  it("cuts topics at 390 bytes and keeps every relayed line within 512 bytes", async () => {
    const { ircPort, port } = await ircServer()
    const alice = await irc(ircPort, "alice")
    alice.send("JOIN #lobby")
    await alice.until(/366/)
    const carol = await join(port, "carol")
    carol.send(`/topic ${"t".repeat(1000)}`)
    const topic = await alice.until(/ TOPIC /)
    assert.strictEqual(topic, `:carol!carol@hubbub TOPIC #lobby :${"t".repeat(390)}`)
    carol.send(`/quit ${"q".repeat(3000)}`)
    const quit = await alice.until(/ QUIT /)
    assert.isTrue(quit.startsWith(":carol!carol@hubbub QUIT :quit: qqq"))
    assert.strictEqual(Buffer.byteLength(quit) + 2, 512)
  })

  it("reads a name sent as a trailing parameter as one word, and lists no room for a name without #", async () => {
    const { ircPort } = await ircServer()
    const alice = await ircConnect(ircPort)
    await alice.next()
    alice.send("NICK :alice smith", "USER a 0 * :A")
    await alice.until(":irc.test 001 alice :Welcome to hubbub, alice")
    alice.send("JOIN #x", "NAMES x")
    await alice.until(/366 alice #x /)
    assert.strictEqual(await alice.next(), ":irc.test 366 alice x :End of /NAMES list")
  })

  it("refuses a connection over the limits with an ERROR line", async () => {
    const { ircPort } = await ircServer({ maxConnections: 1 })
    await irc(ircPort, "alice")
    const late = await ircConnect(ircPort)
    assert.strictEqual(await late.next(), "ERROR :Server full (1 connections); try again later")
    await late.eof()
  })

  it("holds a flooder back, then disconnects it with ERROR :Excess flood", async () => {
    const { ircPort, port } = await ircServer({ floodRate: 50, floodBurst: 30, floodTimeout: Duration.seconds(1) })
    const flooder = await irc(ircPort, "flooder")
    flooder.send("JOIN #lobby")
    await flooder.until(/366/)
    const bob = await join(port, "bob")
    const line = `PRIVMSG #lobby :${"x".repeat(400)}\r\n`
    for (let i = 0; i < 8000 && !flooder.ended; i++) flooder.socket.write(line)
    assert.strictEqual(await flooder.until(/^ERROR/, 10_000), "ERROR :Excess flood")
    assert.strictEqual(await bob.until(/flooder has left/), "-!- flooder has left #lobby (disconnected: flooding)")
  })

  it("tells clients of every kind at shutdown, each in its own protocol, and closes them all", async () => {
    const { ircPort, port, seedPort, stop } = await ircServer({ seedPort: Option.some(0) })
    const alice = await irc(ircPort, "alice")
    const bob = await join(port, "bob")
    const seed = await ircConnect(seedPort)
    await bob.until(/seed-\d+ has joined/)
    const stopping = stop()
    assert.strictEqual(await alice.until(/ERROR/), "ERROR :Server shutting down")
    assert.strictEqual(await bob.until(/shutting down/), "-!- Server shutting down. Goodbye.")
    assert.strictEqual(await seed.next(), "Disconnect!!! (Server shutting down)")
    await Promise.all([alice.eof(), bob.eof(), seed.eof(), stopping])
  })
})
