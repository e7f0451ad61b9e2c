import { assert, describe, it } from "@effect/vitest"
import { Envelope } from "../../src/protocol/Event.js"
import { makeCodec } from "../../src/wire/CodecCache.js"
import { ircFormat } from "../../src/wire/IrcCodec.js"
import { textFormat } from "../../src/wire/TextCodec.js"

describe("makeCodec", () => {
  const text = makeCodec(textFormat)
  const irc = makeCodec(ircFormat({ serverName: "irc.test", version: "test", created: "today", motd: ["Be kind."] }))
  const chat = (seq: number, words: string) => new Envelope({ _tag: "Chat", room: "#a", from: "ann", text: words }, seq, "#a", undefined)

  it("renders an envelope once per codec, whichever codec comes first", () => {
    const envelope = chat(1, "hi")
    const fromIrc = irc.encode(envelope)
    const fromText = text.encode(envelope)
    assert.strictEqual(Buffer.from(fromIrc).toString(), ":ann!ann@hubbub PRIVMSG #a :hi\r\n")
    assert.strictEqual(Buffer.from(fromText).toString(), "<ann> hi\n")
    // the same bytes again, not a new rendering, for either codec
    assert.strictEqual(irc.encode(envelope), fromIrc)
    assert.strictEqual(text.encode(envelope), fromText)
  })

  it("renders a run of a room's events once for everyone who takes the same run", () => {
    const run = [chat(1, "one"), chat(2, "two")]
    const bytes = text.encodeRun(run)
    assert.strictEqual(Buffer.from(bytes).toString(), "<ann> one\n<ann> two\n")
    assert.strictEqual(text.encodeRun(run), bytes)
    assert.strictEqual(Buffer.from(irc.encodeRun(run)).toString(), ":ann!ann@hubbub PRIVMSG #a :one\r\n:ann!ann@hubbub PRIVMSG #a :two\r\n")
  })

  it("gives a member shown part of a run (an IRC sender) just that part, from the texts rendered for the whole run", () => {
    const [a, b, c] = [chat(1, "one"), chat(2, "two"), chat(3, "three")]
    const all = [a, b, c]
    const whole = irc.encodeRun(all)
    const part = irc.encodeRun([a, c])
    assert.strictEqual(Buffer.from(part).toString(), ":ann!ann@hubbub PRIVMSG #a :one\r\n:ann!ann@hubbub PRIVMSG #a :three\r\n")
    assert.strictEqual(Buffer.from(whole).toString(), ":ann!ann@hubbub PRIVMSG #a :one\r\n:ann!ann@hubbub PRIVMSG #a :two\r\n:ann!ann@hubbub PRIVMSG #a :three\r\n")
    // The whole run again (the next member handed it), then a part, then the whole: each its own bytes.
    assert.strictEqual(irc.encodeRun(all), whole)
    assert.strictEqual(Buffer.from(irc.encodeRun([b])).toString(), ":ann!ann@hubbub PRIVMSG #a :two\r\n")
    assert.strictEqual(irc.encodeRun(all), whole)
    // The text protocol still renders the same envelopes its own way once IRC kept its texts on them.
    assert.strictEqual(Buffer.from(text.encodeRun([a, c])).toString(), "<ann> one\n<ann> three\n")
    assert.strictEqual(Buffer.from(text.encode(b)).toString(), "<ann> two\n")
  })

  it("keeps every IRC line within 512 bytes, however many bytes its characters take", () => {
    // 161 UTF-16 units of head and text fit without counting; three-byte characters past that are counted.
    for (const [char, count] of [["x", 400], ["€", 130], ["€", 170], ["😀", 120]] as const) {
      const lines = Buffer.from(irc.encode(chat(10, char.repeat(count)))).toString().split("\r\n").slice(0, -1)
      for (const line of lines) assert.isAtMost(Buffer.byteLength(line) + 2, 512)
      assert.strictEqual(lines.map((line) => line.slice(":ann!ann@hubbub PRIVMSG #a :".length)).join(""), char.repeat(count))
    }
    // An action is wrapped in CTCP on every line it takes.
    const acted = new Envelope({ _tag: "Action", room: "#a", from: "ann", text: "€".repeat(200) }, 11, "#a", undefined)
    const actionLines = Buffer.from(irc.encode(acted)).toString().split("\r\n").slice(0, -1)
    assert.isAbove(actionLines.length, 1)
    for (const line of actionLines) {
      assert.isAtMost(Buffer.byteLength(line) + 2, 512)
      assert.match(line, /^:ann!ann@hubbub PRIVMSG #a :\x01ACTION €+\x01$/)
    }
  })
})
