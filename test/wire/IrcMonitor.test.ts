import { assert, describe, it } from "@effect/vitest"
import { Envelope, type Event } from "../../src/protocol/Event.js"
import type { Reply } from "../../src/protocol/Reply.js"
import { ircFormat } from "../../src/wire/IrcCodec.js"
import { IrcDecoder } from "../../src/wire/IrcInput.js"
import { RunFacts } from "../../src/wire/IrcRunFacts.js"

const irc = ircFormat({ serverName: "irc.test", version: "test", created: "today", motd: [] })
const answer = (reply: Reply) => irc.render({ _tag: "Answer", to: "s1", nick: "ann", reply }) as string

describe("IRC's MONITOR, read", () => {
  it("takes + and - with a comma list (nicknames only, each once ignoring case), and C, L and S in either case", () => {
    const d = new IrcDecoder(new RunFacts())
    assert.deepStrictEqual<unknown>(d.decode("MONITOR + bob,Carol,BOB,9lives,not!a,#room,,dave", true), { _tag: "Monitor", action: "+", nicks: ["bob", "Carol", "dave"] })
    assert.deepStrictEqual<unknown>(d.decode("MONITOR - :bob", true), { _tag: "Monitor", action: "-", nicks: ["bob"] })
    assert.deepStrictEqual<unknown>(d.decode("MONITOR + #only,#rooms", true), { _tag: "Monitor", action: "+", nicks: [] })
    for (const action of ["C", "L", "S"]) {
      assert.deepStrictEqual<unknown>(d.decode(`MONITOR ${action.toLowerCase()}`, true), { _tag: "Monitor", action })
    }
  })

  it("answers what it cannot read: 461 without a list, FAIL for another modifier, 451 before registering", () => {
    const d = new IrcDecoder(new RunFacts())
    assert.deepStrictEqual<unknown>(d.decode("MONITOR +", true), { _tag: "Invalid", reply: { _tag: "Usage", command: "MONITOR" } })
    assert.deepStrictEqual<unknown>(d.decode("MONITOR", true), { _tag: "Invalid", reply: { _tag: "Usage", command: "MONITOR" } })
    assert.deepStrictEqual<unknown>(d.decode("MONITOR X bob", true), {
      _tag: "Invalid",
      reply: { _tag: "Failed", command: "MONITOR", code: "INVALID_PARAMS", context: ["X"], text: "MONITOR takes +, -, C, L or S" }
    })
    assert.deepStrictEqual<unknown>(d.decode("MONITOR + bob", false), { _tag: "Invalid", reply: { _tag: "NickFirst" } })
  })
})

describe("IRC's MONITOR, written", () => {
  it("writes 730 to 734, splitting a long list over lines of at most 512 bytes", () => {
    assert.strictEqual(answer({ _tag: "Monitored", what: "online", nicks: ["bob", "Carol"] }), ":irc.test 730 ann :bob!bob@hubbub,Carol!Carol@hubbub\r\n")
    assert.strictEqual(answer({ _tag: "Monitored", what: "offline", nicks: ["dave"] }), ":irc.test 731 ann :dave\r\n")
    assert.strictEqual(answer({ _tag: "Monitored", what: "list", nicks: [] }), ":irc.test 733 ann :End of MONITOR list\r\n")
    assert.strictEqual(answer({ _tag: "Monitored", what: "list", nicks: ["bob", "dave"] }), ":irc.test 732 ann :bob,dave\r\n:irc.test 733 ann :End of MONITOR list\r\n")
    assert.strictEqual(answer({ _tag: "Monitored", what: "full", nicks: ["eve", "fay"] }), ":irc.test 734 ann 100 eve,fay :Monitor list is full.\r\n")

    const nicks = Array.from({ length: 100 }, (_, i) => `n${String(i).padStart(23, "x")}`)
    for (const what of ["online", "offline", "list", "full"] as const) {
      const lines = answer({ _tag: "Monitored", what, nicks }).split("\r\n").slice(0, -1)
      for (const line of lines) assert.isAtMost(Buffer.byteLength(line) + 2, 512)
      const items = lines.filter((line) => !line.includes(" 733 ")).flatMap((line) => {
        const list = what === "full" ? line.split(" ")[4]! : line.slice(line.indexOf(" :") + 2)
        return list.split(",")
      })
      assert.deepStrictEqual(items, what === "online" ? nicks.map((nick) => `${nick}!${nick}@hubbub`) : nicks)
      assert.isAbove(lines.length, 2)
    }
  })

  it("shows what a watched nickname changed of itself, sent to the watcher alone, only with extended-monitor and its capability", () => {
    const change = (to: string | undefined, n: number): Envelope =>
      new Envelope({ _tag: "MemberChanged", ...(to === undefined ? { room: "#a" } : { to }), nick: "bob", change: `c${n}`, what: "away", value: "out" } as Event, n, to === undefined ? "#a" : undefined, to)
    const decoder = (caps: string) => {
      const d = new IrcDecoder(new RunFacts())
      d.decode(`CAP REQ :${caps}`, false)
      return d
    }
    const shown = (d: IrcDecoder, envelope: Envelope) => d.filter!([envelope], "s1").length === 1
    const both = decoder("extended-monitor away-notify")
    assert.isTrue(shown(both, change("s1", 1)))
    assert.isTrue(shown(both, change(undefined, 2)))
    assert.isFalse(shown(decoder("away-notify"), change("s1", 3)))
    assert.isTrue(shown(decoder("away-notify"), change(undefined, 4)))
    assert.isFalse(shown(decoder("extended-monitor"), change("s1", 5)))
    assert.strictEqual(irc.render(change("s1", 6).event), ":bob!bob@hubbub AWAY :out\r\n")
  })
})
