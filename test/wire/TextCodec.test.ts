import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { readdirSync, readFileSync } from "node:fs"
import * as Path from "node:path"
import { closeTexts } from "../../src/protocol/CloseReason.js"
import { Envelope, type Event } from "../../src/protocol/Event.js"
import type { Reply } from "../../src/protocol/Reply.js"
import { sanitize } from "../../src/protocol/Text.js"
import { makeCodec } from "../../src/wire/CodecCache.js"
import * as TextCodec from "../../src/wire/TextCodec.js"
import { renderText, textFormat } from "../../src/wire/TextCodec.js"
import { decodeText } from "../../src/wire/TextInput.js"

const decode = (line: string): unknown => decodeText(line, true)
const invalid = (line: string, registered = true) => {
  const input = decodeText(line, registered)
  if (input?._tag !== "Invalid") return assert.fail(`expected ${line} to be refused, got ${JSON.stringify(input)}`)
  return renderText({ _tag: "Answer", to: "s1", reply: input.reply }) as string
}

describe("the text protocol's input", () => {
  it("reads chat, commands and the seed's bare quit", () => {
    assert.deepStrictEqual(decode("hello"), { _tag: "Say", text: "hello" })
    assert.deepStrictEqual(decode("//not a command"), { _tag: "Say", text: "/not a command" })
    assert.deepStrictEqual(decode("/nick Alice_2"), { _tag: "Nick", nick: "Alice_2" })
    assert.deepStrictEqual(decode("/join Dev"), { _tag: "Join", room: "#dev" })
    assert.deepStrictEqual(decode("/join #dev"), { _tag: "Join", room: "#dev" })
    assert.deepStrictEqual(decode("/me waves"), { _tag: "Me", text: "waves" })
    assert.deepStrictEqual(decode("/msg bob hi there"), { _tag: "Msg", nick: "bob", text: "hi there" })
    assert.deepStrictEqual(decode("/WHO"), { _tag: "Names" })
    assert.deepStrictEqual(decode("/rooms"), { _tag: "Rooms" })
    assert.deepStrictEqual(decode("/topic"), { _tag: "Topic" })
    assert.deepStrictEqual(decode("/topic release on friday"), { _tag: "Topic", text: "release on friday" })
    assert.deepStrictEqual(decode("/topic -"), { _tag: "Topic", text: "" })
    assert.deepStrictEqual(decode("/help"), { _tag: "Help" })
    assert.deepStrictEqual(decode("/quit"), { _tag: "Quit" })
    assert.deepStrictEqual(decode("/quit see you"), { _tag: "Quit", reason: "see you" })
    assert.deepStrictEqual(decode("quit"), { _tag: "Quit" })
    assert.isUndefined(decode(""))
    assert.isUndefined(decode("   \t"))
  })

  it("explains what is wrong", () => {
    assert.strictEqual(invalid("/frobnicate"), "-!- Unknown command /frobnicate. Type /help for the list.\n")
    assert.strictEqual(invalid("/nick"), "-!- Usage: /nick NAME\n")
    assert.strictEqual(invalid("/join"), "-!- Usage: /join ROOM\n")
    assert.strictEqual(invalid("/join  "), "-!- Usage: /join ROOM\n")
    assert.match(invalid("/nick bad!"), /Invalid nickname "bad!"/)
    assert.match(invalid(`/nick ${"a".repeat(25)}`), /Invalid nickname/)
    assert.match(invalid("/join bad room"), /Invalid room/)
    assert.strictEqual(invalid("/msg bob"), "-!- Usage: /msg NICK TEXT\n")
    assert.strictEqual(invalid("/me"), "-!- Usage: /me ACTION\n")
  })

  it("reads a line before registration as the nickname wanted", () => {
    assert.deepStrictEqual<unknown>(decodeText("alice", false), { _tag: "Nick", nick: "alice" })
    assert.deepStrictEqual<unknown>(decodeText("  /nick bob ", false), { _tag: "Nick", nick: "bob" })
    assert.deepStrictEqual<unknown>(decodeText("quit", false), { _tag: "Quit" })
    assert.deepStrictEqual<unknown>(decodeText("/quit", false), { _tag: "Quit" })
    assert.match(invalid("not a nick", false), /Invalid nickname "not a nick"/)
    assert.strictEqual(invalid("/join #x", false), "-!- Choose a nickname first (for example: alice).\n")
  })

  it("sanitizes what it reads", () => {
    assert.deepStrictEqual(decode("a\x1b[31mred\x1b[0m b"), { _tag: "Say", text: "ared b" })
    assert.deepStrictEqual(decode("/me \u202Ewaves"), { _tag: "Me", text: "waves" })
  })
})

describe("sanitize", () => {
  it("removes escape sequences whole, and C0/C1 controls except TAB", () => {
    assert.strictEqual(sanitize("a\x1b[31mred\x1b[0m b"), "ared b")
    assert.strictEqual(sanitize("x\x1b]0;title\x07y"), "xy")
    assert.strictEqual(sanitize("t\tab\x00\x07\x7f\x9b"), "t\tab")
    assert.strictEqual(sanitize("plain text ✓"), "plain text ✓")
    assert.strictEqual(sanitize("abc\u202Eevil\u202C \u2066x\u2069 \u200Bzero\uFEFF"), "abcevil x zero")
    assert.strictEqual(sanitize("line\u2028sep"), "linesep")
    // emoji sequences keep their zero-width joiner
    assert.strictEqual(sanitize("👩\u200D💻"), "👩\u200D💻")
  })

  it("never lets a control character through (property)", () =>
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => {
        assert.notMatch(sanitize(text), /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]/)
      }),
      { numRuns: 1000 }
    ))
})

const answer = (reply: Reply) => renderText({ _tag: "Answer", to: "s1", reply }) as string

describe("the text protocol's output", () => {
  it("shows chat, actions and private messages as such, and everything else as a -!- notice", () => {
    const rendered = (event: Event) => renderText(event) as string
    assert.strictEqual(rendered({ _tag: "Chat", room: "#a", from: "ann", text: "hi" }), "<ann> hi\n")
    assert.strictEqual(rendered({ _tag: "Action", room: "#a", from: "ann", text: "waves" }), "* ann waves\n")
    assert.strictEqual(rendered({ _tag: "Private", to: "s2", nick: "someone", from: "ann", text: "psst" }), "*ann* psst\n")
    assert.strictEqual(rendered({ _tag: "Joined", room: "#a", nick: "ann", session: "s1" }), "-!- ann has joined #a\n")
    assert.strictEqual(
      rendered({ _tag: "Left", room: "#a", nick: "ann", session: "s1", reason: "quit" }),
      "-!- ann has left #a (quit)\n"
    )
    assert.strictEqual(rendered({ _tag: "Renamed", room: "#a", from: "ann", nick: "anne", change: "1" }), "-!- ann is now known as anne\n")
    assert.strictEqual(
      rendered({ _tag: "TopicChanged", room: "#a", by: "ann", topic: "t" }),
      "-!- ann set the topic of #a to: t\n"
    )
    assert.strictEqual(rendered({ _tag: "TopicChanged", room: "#a", by: "ann" }), "-!- ann cleared the topic of #a\n")
    assert.strictEqual(rendered({ _tag: "Announcement", text: "noon" }), "-!- [operator] noon\n")
    assert.strictEqual(rendered({ _tag: "Notice", room: "#a", text: "It is noon" }), "-!- It is noon\n")
    assert.strictEqual(rendered({ _tag: "Closing", to: "s1", nick: "ann", reason: { _tag: "Quit" } }), "-!- Goodbye, ann.\n")
    assert.strictEqual(rendered({ _tag: "Closing", to: "s1", reason: { _tag: "Reset" } }), "")
  })

  it("answers as the README shows", () => {
    assert.strictEqual(
      answer({ _tag: "Greeting" }),
      "-!- Welcome to hubbub, a group chat server.\n-!- Choose a nickname (1-24 letters, digits, _ or -):\n"
    )
    assert.strictEqual(
      answer({ _tag: "Members", room: "#big", count: 102, nicks: ["a", "b"], operators: [] }),
      "-!- Members of #big (102): a, b, and 100 more\n"
    )
    assert.strictEqual(answer({ _tag: "RoomList", rooms: [{ room: "#dev", members: 1 }, { room: "#lobby", members: 3 }] }), "-!- Rooms (2): #dev (1), #lobby (3)\n")
    assert.strictEqual(answer({ _tag: "Sent", to: "bob", text: "hi" }), "-!- Message to bob: hi\n")
    assert.strictEqual(answer({ _tag: "TopicIs", room: "#a" }), "-!- No topic is set for #a.\n")
    assert.strictEqual(answer({ _tag: "Refused", why: "full", limit: 3 }), "-!- Server full (3 connections); try again later.\n")
    assert.strictEqual(answer({ _tag: "Refused", why: "address", limit: 2 }), "-!- Too many connections from your address (limit 2).\n")
    assert.include(answer({ _tag: "Help" }), "-!-   /topic [TEXT]")
  })

  it("answers telnet's timing mark with WILL TIMING-MARK", () => {
    assert.deepStrictEqual(renderText({ _tag: "Answer", to: "s1", reply: { _tag: "TimingMarkDone" } }), Uint8Array.of(255, 251, 6))
  })

  it("has a farewell for every close reason but those whose connection is already gone, and tells rooms why, but not at shutdown", () => {
    // A reset leaves nobody to read; a message too large was refused by the transport, which closed.
    const gone = ["Reset", "TooLarge"]
    for (const tag of Object.keys(closeTexts)) {
      const reason = { _tag: tag, limit: 1, millis: 1000, rate: 20, bytes: 100 } as never
      const text = renderText({ _tag: "Closing", to: "s1", reason }) as string
      assert.strictEqual(text === "", gone.includes(tag), tag)
    }
  })

  it("renders an event once per envelope, and a room's run once for all who take it", () => {
    const codec = makeCodec(textFormat)
    const a = new Envelope({ _tag: "Chat", room: "#a", from: "x", text: "one" }, 1, "#a", undefined)
    const b = new Envelope({ _tag: "Chat", room: "#a", from: "y", text: "twö" }, 2, "#a", undefined)
    assert.strictEqual(codec.encode(a), codec.encode(a))
    // the hub hands every member of a room the same array
    const members = [a, b]
    const run = codec.encodeRun(members)
    assert.strictEqual(codec.encodeRun(members), run)
    assert.strictEqual(new TextDecoder().decode(run), "<x> one\n<y> twö\n")
    assert.deepStrictEqual(run, Uint8Array.from([...codec.encode(a), ...codec.encode(b)]))
  })

  it("is the only code that writes a -!- notice", () => {
    const src = Path.resolve(import.meta.dirname, "../../src")
    const offenders: Array<string> = []
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = Path.join(dir, entry.name)
        if (entry.isDirectory()) walk(path)
        else if (path !== Path.join(src, "wire/TextCodec.ts") && readFileSync(path, "utf8").includes("-!- ")) offenders.push(path)
      }
    }
    walk(src)
    assert.deepStrictEqual(offenders, [])
    assert.isDefined(TextCodec.layer)
  })
})
