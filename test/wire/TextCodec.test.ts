import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { readdirSync, readFileSync } from "node:fs"
import * as Path from "node:path"
import { closeTexts } from "../../src/protocol/CloseReason.js"
import { Envelope, type Event } from "../../src/protocol/Event.js"
import type { ModeChange } from "../../src/protocol/Modes.js"
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
    assert.strictEqual(invalid("/join"), "-!- Usage: /join ROOM [KEY]\n")
    assert.strictEqual(invalid("/join  "), "-!- Usage: /join ROOM [KEY]\n")
    assert.match(invalid("/nick bad!"), /Invalid nickname "bad!"/)
    assert.match(invalid(`/nick ${"a".repeat(25)}`), /Invalid nickname/)
    assert.match(invalid("/join bad!room"), /Invalid room/)
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
      "-!- Welcome to hubbub, a group chat server.\n-!- Choose a nickname (1-24 letters, digits, _ or -, a letter or _ first):\n"
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

describe("the text protocol's room moderation", () => {
  it("reads /join with a key, and /mode for the session's room (target \"\") or a named one", () => {
    assert.deepStrictEqual(decode("/join Dev s3cret"), { _tag: "Join", room: "#dev", key: "s3cret" })
    assert.deepStrictEqual(decode("/mode"), { _tag: "Mode", target: "" })
    assert.deepStrictEqual(decode("/mode +m"), { _tag: "Mode", target: "", change: "+m" })
    assert.deepStrictEqual(decode("/mode -k"), { _tag: "Mode", target: "", change: "-k" })
    assert.deepStrictEqual(decode("/mode +k secret"), { _tag: "Mode", target: "", change: "+k", args: ["secret"] })
    assert.deepStrictEqual(decode("/mode +ol  bob 10"), { _tag: "Mode", target: "", change: "+ol", args: ["bob", "10"] })
    assert.deepStrictEqual(decode("/mode #Dev"), { _tag: "Mode", target: "#dev" })
    assert.deepStrictEqual(decode("/mode #dev +l 10"), { _tag: "Mode", target: "#dev", change: "+l", args: ["10"] })
  })

  it("reads /op, /deop, /voice and /devoice as a change of the session's room, /kick and /invite", () => {
    assert.deepStrictEqual(decode("/op bob"), { _tag: "Mode", target: "", change: "+o", args: ["bob"] })
    assert.deepStrictEqual(decode("/DEOP bob"), { _tag: "Mode", target: "", change: "-o", args: ["bob"] })
    assert.deepStrictEqual(decode("/voice bob"), { _tag: "Mode", target: "", change: "+v", args: ["bob"] })
    assert.deepStrictEqual(decode("/devoice bob"), { _tag: "Mode", target: "", change: "-v", args: ["bob"] })
    assert.deepStrictEqual(decode("/kick bob"), { _tag: "Kick", nick: "bob" })
    assert.deepStrictEqual(decode("/kick bob enough of that"), { _tag: "Kick", nick: "bob", reason: "enough of that" })
    assert.deepStrictEqual(decode("/invite bob"), { _tag: "Invite", nick: "bob" })
    assert.deepStrictEqual(decode("/invite bob Dev"), { _tag: "Invite", nick: "bob", room: "#dev" })
  })

  it("tells how to use them", () => {
    assert.strictEqual(invalid("/op"), "-!- Usage: /op NICK\n")
    assert.strictEqual(invalid("/devoice "), "-!- Usage: /devoice NICK\n")
    assert.strictEqual(invalid("/kick"), "-!- Usage: /kick NICK [REASON]\n")
    assert.strictEqual(invalid("/invite"), "-!- Usage: /invite NICK [ROOM]\n")
    assert.match(invalid("/invite bob bad!room"), /Invalid room "#bad!room"/)
    const help = answer({ _tag: "Help" })
    for (const command of ["/join ROOM [KEY]", "/mode [CHANGE]", "/op NICK", "/devoice NICK", "/kick NICK [REASON]", "/invite NICK [ROOM]"]) {
      assert.include(help, command)
    }
  })

  it("shows mode changes: the room's as IRC writes them, members' statuses in words", () => {
    const changed = (changes: ReadonlyArray<ModeChange>) => renderText({ _tag: "ModeChanged", room: "#a", by: "ann", changes }) as string
    assert.strictEqual(changed([{ on: true, mode: "m" }]), "-!- ann sets mode +m on #a\n")
    assert.strictEqual(changed([{ on: true, mode: "k", arg: "key" }, { on: false, mode: "i" }, { on: true, mode: "l", arg: "9" }]), "-!- ann sets mode +k-i+l key 9 on #a\n")
    assert.strictEqual(
      changed([{ on: true, mode: "o", arg: "bob", session: "s2" }, { on: true, mode: "t" }, { on: false, mode: "v", arg: "cy" }]),
      "-!- ann sets mode +t on #a\n-!- ann gives operator status to bob in #a\n-!- ann takes voice from cy in #a\n"
    )
    assert.strictEqual(changed([{ on: false, mode: "o", arg: "bob" }, { on: true, mode: "v", arg: "bob" }]), "-!- ann takes operator status from bob in #a\n-!- ann gives voice to bob in #a\n")
  })

  it("shows kicks and invitations", () => {
    const left = (reason: string) => renderText({ _tag: "Left", room: "#a", nick: "bob", session: "s2", reason, by: "ann" }) as string
    assert.strictEqual(left("spam"), "-!- bob was kicked from #a by ann (spam)\n")
    assert.strictEqual(left(""), "-!- bob was kicked from #a by ann\n")
    assert.strictEqual(renderText({ _tag: "Invited", to: "s2", nick: "bob", room: "#a", by: "ann" }), "-!- ann invites you to #a (type /join #a)\n")
  })

  it("answers in words", () => {
    assert.strictEqual(answer({ _tag: "CannotJoin", room: "#a", why: "invite" }), "-!- Cannot join #a: it is invite only.\n")
    assert.strictEqual(answer({ _tag: "CannotJoin", room: "#a", why: "key" }), "-!- Cannot join #a: it needs a key (/join #a KEY).\n")
    assert.strictEqual(answer({ _tag: "CannotJoin", room: "#a", why: "full" }), "-!- Cannot join #a: it is full.\n")
    assert.strictEqual(answer({ _tag: "CannotJoin", room: "#a", why: "banned" }), "-!- Cannot join #a: you are banned.\n")
    assert.strictEqual(answer({ _tag: "NotOperator", room: "#a" }), "-!- You are not an operator of #a.\n")
    assert.strictEqual(answer({ _tag: "NotMember", nick: "bob", room: "#a" }), "-!- bob is not in #a.\n")
    assert.strictEqual(answer({ _tag: "AlreadyMember", nick: "bob", room: "#a" }), "-!- bob is already in #a.\n")
    assert.strictEqual(answer({ _tag: "Inviting", nick: "bob", room: "#a" }), "-!- Invited bob to #a.\n")
    assert.strictEqual(answer({ _tag: "CannotSend", room: "#a", moderated: true }), "-!- #a is moderated: only operators and voiced members may speak.\n")
    assert.strictEqual(answer({ _tag: "CannotSend", room: "#a" }), "-!- You are not in #a.\n")
    assert.strictEqual(answer({ _tag: "Modes", target: "#a", modes: "+kln", params: ["key", "10"], created: 1 }), "-!- #a modes: +kln key 10\n")
    assert.strictEqual(answer({ _tag: "Modes", target: "#a", modes: "+n" }), "-!- #a modes: +n\n")
    assert.strictEqual(
      answer({ _tag: "Members", room: "#a", count: 4, nicks: ["ann", "bob", "cy", "dee"], operators: ["ann", "cy"], voiced: ["bob", "cy"] }),
      "-!- Members of #a (4): @ann, +bob, @cy, dee\n"
    )
    assert.strictEqual(
      answer({ _tag: "RoomList", rooms: [{ room: "#a", members: 2, locked: true }, { room: "#b", members: 1, topic: "t" }] }),
      "-!- Rooms (2): #a (2, locked), #b (1)\n"
    )
  })
})
