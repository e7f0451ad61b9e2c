import { assert, describe, it } from "@effect/vitest"
import { Envelope, type Event } from "../../src/protocol/Event.js"
import { IrcDecoder } from "../../src/wire/IrcInput.js"
import { parseIrc } from "../../src/wire/IrcParse.js"
import { RunFacts } from "../../src/wire/IrcRunFacts.js"

describe("parseIrc", () => {
  it("reads the command in upper case, middle parameters and a trailing one", () => {
    assert.deepStrictEqual(parseIrc("privmsg #a :hello  there :)"), { command: "PRIVMSG", params: ["#a", "hello  there :)"] })
    assert.deepStrictEqual(parseIrc("USER bob 0 * :Bob B"), { command: "USER", params: ["bob", "0", "*", "Bob B"] })
    assert.deepStrictEqual(parseIrc("TOPIC #a :"), { command: "TOPIC", params: ["#a", ""] })
    assert.deepStrictEqual(parseIrc("MODE   #a    +b  "), { command: "MODE", params: ["#a", "+b"] })
  })

  it("reads past a prefix, and keeps message tags apart", () => {
    assert.deepStrictEqual(parseIrc(":nick!u@h PRIVMSG bob :x"), { command: "PRIVMSG", params: ["bob", "x"] })
    assert.deepStrictEqual(parseIrc("@time=2026-11-30T00:00:00Z;+draft/x=y :n PING :tok"), {
      command: "PING",
      params: ["tok"],
      tags: "time=2026-11-30T00:00:00Z;+draft/x=y"
    })
    assert.deepStrictEqual(parseIrc("@a=b PING x"), { command: "PING", params: ["x"], tags: "a=b" })
  })

  it("gives nothing for a blank line or one with only a prefix", () => {
    assert.isUndefined(parseIrc(""))
    assert.isUndefined(parseIrc("   "))
    assert.isUndefined(parseIrc(":only.a.prefix"))
  })
})

describe("IrcDecoder", () => {
  it("registers once it has NICK and USER, in either order, with the user name (as a prefix may hold it) and real name USER gave", () => {
    const a = new IrcDecoder(new RunFacts())
    assert.isUndefined(a.decode("NICK alice", false))
    assert.deepStrictEqual<unknown>(a.decode("USER a 0 * :A", false), { _tag: "Nick", nick: "alice", user: "~a", realName: "A" })
    const b = new IrcDecoder(new RunFacts())
    assert.isUndefined(b.decode("USER b@x!y.verylongname 0 * :\x02Bob\x02  B", false))
    assert.deepStrictEqual<unknown>(b.decode("NICK bob", false), { _tag: "Nick", nick: "bob", user: "~bxy.verylo", realName: "Bob  B" })
    const c = new IrcDecoder(new RunFacts())
    // An empty user name or real name is none (461); one that cleans to nothing is taken.
    assert.deepStrictEqual<unknown>(c.decode("USER cat 0 * :", false), { _tag: "Invalid", reply: { _tag: "Usage", command: "USER" } })
    assert.deepStrictEqual<unknown>(c.decode("USER  0 * :Cat", false), { _tag: "Invalid", reply: { _tag: "Usage", command: "USER" } })
    assert.isUndefined(c.decode("USER @@ 0 * :\x02\x02", false))
    assert.deepStrictEqual<unknown>(c.decode("NICK cat", false), { _tag: "Nick", nick: "cat", realName: "" })
  })

  it("holds registration while capabilities are negotiated", () => {
    const d = new IrcDecoder(new RunFacts())
    assert.deepStrictEqual<unknown>(d.decode("CAP LS 302", false), { _tag: "Reply", reply: { _tag: "Capabilities", sub: "LS", caps: "account-notify account-tag away-notify batch cap-notify draft/chathistory echo-message extended-join extended-monitor invite-notify labeled-response message-tags multi-prefix sasl=PLAIN server-time setname userhost-in-names" } })
    assert.deepStrictEqual<unknown>(d.decode("CAP LS", false), { _tag: "Reply", reply: { _tag: "Capabilities", sub: "LS", caps: "account-notify account-tag away-notify batch cap-notify draft/chathistory echo-message extended-join extended-monitor invite-notify labeled-response message-tags multi-prefix sasl server-time setname userhost-in-names" } })
    assert.isUndefined(d.decode("NICK alice", false))
    assert.isUndefined(d.decode("USER a 0 * :A", false))
    assert.deepStrictEqual<unknown>(d.decode("CAP REQ :no-such-cap", false), { _tag: "Reply", reply: { _tag: "Capabilities", sub: "NAK", caps: "no-such-cap" } })
    assert.deepStrictEqual<unknown>(d.decode("CAP REQ :sasl", false), { _tag: "Reply", reply: { _tag: "Capabilities", sub: "ACK", caps: "sasl" } })
    assert.deepStrictEqual<unknown>(d.decode("CAP END", false), { _tag: "Nick", nick: "alice", user: "~a", realName: "A" })
  })

  it("asks for registration first, but knows an unknown command from a known one", () => {
    const d = new IrcDecoder(new RunFacts())
    assert.deepStrictEqual<unknown>(d.decode("JOIN #a", false), { _tag: "Invalid", reply: { _tag: "NickFirst" } })
    assert.deepStrictEqual<unknown>(d.decode("FOO", false), { _tag: "Invalid", reply: { _tag: "UnknownCommand", name: "FOO" } })
    assert.deepStrictEqual<unknown>(d.decode("QUIT :bye", false), { _tag: "Quit", reason: "bye" })
  })

  it("turns PRIVMSG into chat, actions and private messages, one per target, sanitized", () => {
    const d = new IrcDecoder(new RunFacts())
    assert.deepStrictEqual<unknown>(d.decode("PRIVMSG #A,bob :hi\x1b[31m there", true), [
      { _tag: "Say", room: "#a", text: "hi there" },
      { _tag: "Msg", nick: "bob", text: "hi there" }
    ])
    assert.deepStrictEqual<unknown>(d.decode("PRIVMSG #a :\x01ACTION waves\x01", true), { _tag: "Me", room: "#a", text: "waves" })
    assert.deepStrictEqual<unknown>(d.decode("NOTICE bob :n", true), { _tag: "Msg", nick: "bob", text: "n", notice: true })
    // other CTCP is dropped; a bad target is an error for PRIVMSG and silence for NOTICE
    assert.isUndefined(d.decode("PRIVMSG bob :\x01VERSION\x01", true))
    assert.deepStrictEqual<unknown>(d.decode("PRIVMSG b@d :x", true), { _tag: "Invalid", reply: { _tag: "NoSuchNick", nick: "b@d" } })
    assert.isUndefined(d.decode("NOTICE b@d :x", true))
    assert.deepStrictEqual<unknown>(d.decode("NOTICE b@d,#a :x", true), [{ _tag: "Say", room: "#a", text: "x", notice: true }])
  })

  it("leaves out a sender's own chat and repeated quits and renames, and keeps a run whole when nothing is left out", () => {
    const d = new IrcDecoder(new RunFacts())
    let seq = 0
    const envelope = (event: Event) => new Envelope(event, ++seq, "#a", undefined)
    const chat = (session: string, text: string) => envelope({ _tag: "Chat", room: "#a", from: session, text, session })
    const texts = (events: ReadonlyArray<Envelope>) => events.map(({ event }) => (event as { text?: string }).text ?? event._tag)

    const others = [chat("s2", "one"), chat("s3", "two")]
    assert.strictEqual(d.filter(others, "s1"), others, "the same array: the room's shared bytes serve")
    const mixed = [chat("s2", "one"), chat("s1", "mine"), chat("s3", "two")]
    assert.deepStrictEqual(texts(d.filter(mixed, "s1")), ["one", "two"])
    assert.deepStrictEqual(texts(d.filter([chat("s1", "alone")], "s1")), [])

    const quit = (room: string) => envelope({ _tag: "Left", room, nick: "bo", session: "s2", reason: "", quit: true })
    assert.strictEqual(d.filter([quit("#a")], "s1").length, 1)
    assert.strictEqual(d.filter([quit("#b")], "s1").length, 0)
    const part = envelope({ _tag: "Left", room: "#a", nick: "bo", session: "s3", reason: "" })
    assert.strictEqual(d.filter([part], "s1").length, 1)

    const renamed = (room: string, change: string) => envelope({ _tag: "Renamed", room, from: "x", nick: "y", change })
    assert.deepStrictEqual(texts(d.filter([chat("s2", "hi"), renamed("#a", "1")], "s1")), ["hi", "Renamed"])
    assert.deepStrictEqual(texts(d.filter([renamed("#b", "1"), chat("s2", "again")], "s1")), ["again"])
    // the same names again, later, are a rename of their own
    assert.strictEqual(d.filter([renamed("#a", "2")], "s1").length, 1)
  })
})

describe("IRC text", () => {
  it("loses colours and formatting with their numbers", () => {
    const d = new IrcDecoder(new RunFacts())
    assert.deepStrictEqual<unknown>(d.decode("PRIVMSG #a :\x0304,12red\x03 \x02bold\x02 \x1funder\x0f \x04ff0000hex", true), {
      _tag: "Say",
      room: "#a",
      text: "red bold under hex"
    })
  })
})
