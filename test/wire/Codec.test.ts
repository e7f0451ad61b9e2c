import { assert, describe, it } from "@effect/vitest"
import { Envelope } from "../../src/protocol/Event.js"
import { makeCodec } from "../../src/wire/Codec.js"
import { ircFormat } from "../../src/wire/IrcCodec.js"
import { textFormat } from "../../src/wire/TextCodec.js"

describe("makeCodec", () => {
  const text = makeCodec(textFormat)
  const irc = makeCodec(ircFormat({ serverName: "irc.test", version: "test", created: "today" }))
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
})
