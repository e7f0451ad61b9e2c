import { assert, describe, it } from "@effect/vitest"
import { IrcDecoder } from "../../src/wire/IrcInput.js"
import { labeled, labelOf, labelWindows } from "../../src/wire/IrcLabels.js"
import { RunFacts } from "../../src/wire/IrcRunFacts.js"

const windows = labelWindows("irc.test")
const pong = ":irc.test PONG irc.test :x\r\n"
const other = (n: number) => `:bob!bob@hubbub PRIVMSG #a :${n}\r\n`

describe("labels", () => {
  it("reads a label of 1 to 64 bytes among a line's tags, and no other", () => {
    assert.strictEqual(labelOf("label=abc"), "abc")
    assert.strictEqual(labelOf("+typing=active;label=a\\sb;time=x"), "a\\sb")
    assert.strictEqual(labelOf(`label=${"x".repeat(64)}`), "x".repeat(64))
    assert.isUndefined(labelOf(`label=${"x".repeat(65)}`))
    assert.isUndefined(labelOf(`label=${"é".repeat(33)}`))
    assert.isUndefined(labelOf("label="))
    assert.isUndefined(labelOf("label"))
    assert.isUndefined(labelOf("label=a\x01b"))
    assert.isUndefined(labelOf("+label=abc;labels=abc"))
  })

  it("takes whatever a labeled line says as one input: none, one or several commands", () => {
    assert.deepStrictEqual<unknown>(labeled("a", undefined), { _tag: "Labeled", label: "a", inputs: [] })
    assert.deepStrictEqual<unknown>(labeled("a", { _tag: "Help" }), { _tag: "Labeled", label: "a", inputs: [{ _tag: "Help" }] })
    assert.deepStrictEqual<unknown>(labeled("a", [{ _tag: "Help" }, { _tag: "Quit" }]), { _tag: "Labeled", label: "a", inputs: [{ _tag: "Help" }, { _tag: "Quit" }] })
  })

  it("are read only once labeled-response and batch are both negotiated", () => {
    const d = new IrcDecoder(new RunFacts())
    const ping = { _tag: "Reply", reply: { _tag: "Pong", token: "x" } }
    assert.deepStrictEqual<unknown>(d.decode("@label=a PING x", true), ping)
    d.decode("CAP REQ :labeled-response", true)
    assert.deepStrictEqual<unknown>(d.decode("@label=a PING x", true), ping)
    d.decode("CAP REQ :batch", true)
    assert.deepStrictEqual<unknown>(d.decode("@label=a PING x", true), { _tag: "Labeled", label: "a", inputs: [ping] })
    assert.deepStrictEqual<unknown>(d.decode("@label=b PONG x", true), { _tag: "Labeled", label: "b", inputs: [] })
    assert.deepStrictEqual<unknown>(d.decode("@label=c JOIN #a,#b", true), {
      _tag: "Labeled",
      label: "c",
      inputs: [{ _tag: "Join", room: "#a" }, { _tag: "Join", room: "#b" }]
    })
    assert.deepStrictEqual<unknown>(d.decode("PING y", true), { _tag: "Reply", reply: { _tag: "Pong", token: "y" } })
  })
})

describe("a labeled command's window", () => {
  it("tags a one-line answer (its own tags after the label), ACKs none, and batches several", () => {
    const one = windows("a1", "s1", "alice")
    assert.strictEqual(one.add(pong, true), "")
    assert.strictEqual(one.end(), "@label=a1 :irc.test PONG irc.test :x\r\n")
    const tagged = windows("a2", "s1", "alice")
    assert.strictEqual(tagged.add("@time=T;msgid=M :alice!alice@hubbub PRIVMSG #a :hi\r\n", true), "")
    assert.strictEqual(tagged.end(), "@label=a2;time=T;msgid=M :alice!alice@hubbub PRIVMSG #a :hi\r\n")
    assert.strictEqual(windows("a3", "s1", "alice").end(), "@label=a3 :irc.test ACK\r\n")

    const several = windows("a4", "s1", "alice")
    const opened = several.add(":irc.test 375 alice :- irc.test Message of the day -\r\n:irc.test 376 alice :End of /MOTD command\r\n", true)
    const ref = /BATCH \+(\S+) labeled-response/.exec(opened)![1]
    assert.strictEqual(
      opened,
      `@label=a4 :irc.test BATCH +${ref} labeled-response\r\n@batch=${ref} :irc.test 375 alice :- irc.test Message of the day -\r\n@batch=${ref} :irc.test 376 alice :End of /MOTD command\r\n`
    )
    assert.strictEqual(several.end(), `:irc.test BATCH -${ref}\r\n`)
    // Each window its own batch.
    assert.notInclude(windows("a5", "s1", "alice").add(pong + pong, true), `+${ref} `)
  })

  it("shows others' lines where they come: at once before the answer, held behind a one-line answer, between the lines of a batch", () => {
    const window = windows("b1", "s1", "alice")
    assert.strictEqual(window.add(other(1), false), other(1))
    assert.strictEqual(window.add(pong, true), "")
    assert.strictEqual(window.add(other(2), false), "")
    assert.strictEqual(window.end(), `@label=b1 ${pong}${other(2)}`)

    const batched = windows("b2", "s1", "alice")
    batched.add(pong, true)
    batched.add(other(3), false)
    const opened = batched.add(pong, true)
    const ref = /BATCH \+(\S+) /.exec(opened)![1]
    assert.strictEqual(opened, `@label=b2 :irc.test BATCH +${ref} labeled-response\r\n@batch=${ref} ${pong}${other(3)}@batch=${ref} ${pong}`)
    assert.strictEqual(batched.add(other(4), false), other(4))
    assert.strictEqual(batched.add(pong, true), `@batch=${ref} ${pong}`)
    assert.strictEqual(batched.end(), `:irc.test BATCH -${ref}\r\n`)

    // Held behind one line for long, the answer goes in a batch rather than hold more.
    const held = windows("b3", "s1", "alice")
    held.add(pong, true)
    for (let i = 0; i < 32; i++) assert.strictEqual(held.add(other(i), false), "")
    assert.match(held.add(other(32), false), /^@label=b3 :irc\.test BATCH \+\S+ labeled-response\r\n@batch=\S+ :irc\.test PONG/)
    assert.match(held.end(), /^:irc\.test BATCH -/)
  })

  it("keeps a batch of the answer's own inside its batch", () => {
    const window = windows("c1", "s1", "alice")
    const history = ":irc.test BATCH +h1 chathistory #a\r\n@batch=h1;time=T :bob!bob@hubbub PRIVMSG #a :old\r\n:irc.test BATCH -h1\r\n"
    const opened = window.add(history, true)
    const ref = /BATCH \+(\S+) labeled-response/.exec(opened)![1]
    assert.strictEqual(
      opened,
      `@label=c1 :irc.test BATCH +${ref} labeled-response\r\n@batch=${ref} :irc.test BATCH +h1 chathistory #a\r\n@batch=h1;time=T :bob!bob@hubbub PRIVMSG #a :old\r\n@batch=${ref} :irc.test BATCH -h1\r\n`
    )
  })

  it("knows the session's own doings from others', following its nickname", () => {
    const window = windows("d1", "s1", "alice")
    assert.isTrue(window.answers({ _tag: "Chat", room: "#a", from: "alice", text: "hi", session: "s1" }))
    assert.isFalse(window.answers({ _tag: "Chat", room: "#a", from: "bob", text: "hi", session: "s2" }))
    assert.isFalse(window.answers({ _tag: "Private", to: "s1", nick: "alice", from: "alice", text: "me" }))
    assert.isTrue(window.answers({ _tag: "Answer", to: "s1", nick: "alice", reply: { _tag: "Pong", token: "x" } }))
    assert.isFalse(window.answers({ _tag: "Answer", to: "s1", nick: "alice", reply: { _tag: "Ping" } }))
    assert.isTrue(window.answers({ _tag: "Left", room: "#a", nick: "bob", session: "s2", reason: "", by: "alice" }))
    assert.isFalse(window.answers({ _tag: "Left", room: "#a", nick: "alice", session: "s1", reason: "", by: "bob" }))
    assert.isTrue(window.answers({ _tag: "Renamed", room: "#a", from: "alice", nick: "ally", change: "c1" }))
    assert.isTrue(window.answers({ _tag: "Renamed", room: "#b", from: "alice", nick: "ally", change: "c1" }))
    assert.isTrue(window.answers({ _tag: "TopicChanged", room: "#a", by: "ally", topic: "t" }))
    assert.isFalse(window.answers({ _tag: "TopicChanged", room: "#a", by: "alice", topic: "t" }))
    assert.isFalse(window.answers({ _tag: "Renamed", room: "#a", from: "bob", nick: "rob", change: "c2" }))
  })
})
