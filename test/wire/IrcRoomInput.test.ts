import { assert, describe, it } from "@effect/vitest"
import { IrcDecoder } from "../../src/wire/IrcInput.js"
import { RunFacts } from "../../src/wire/IrcRunFacts.js"

const decode = (line: string): unknown => new IrcDecoder(new RunFacts()).decode(line, true)
const usage = (command: string) => ({ _tag: "Invalid", reply: { _tag: "Usage", command } })

describe("IRC's channel commands", () => {
  it("joins each channel with its key, in order", () => {
    assert.deepStrictEqual(decode("JOIN #a"), [{ _tag: "Join", room: "#a" }])
    assert.deepStrictEqual(decode("JOIN #A,#b,#c k1,,k3"), [
      { _tag: "Join", room: "#a", key: "k1" },
      { _tag: "Join", room: "#b" },
      { _tag: "Join", room: "#c", key: "k3" }
    ])
    assert.deepStrictEqual(decode("JOIN #a,b key"), [
      { _tag: "Join", room: "#a", key: "key" },
      { _tag: "Invalid", reply: { _tag: "InvalidRoom", room: "b" } }
    ])
    assert.deepStrictEqual(decode("JOIN"), usage("JOIN"))
  })

  it("reads MODE as a query, a ban list query, or letters with their arguments in order", () => {
    assert.deepStrictEqual(decode("MODE #a"), { _tag: "Mode", target: "#a" })
    assert.deepStrictEqual(decode("MODE #a b"), { _tag: "Mode", target: "#a", change: "b" })
    assert.deepStrictEqual(decode("MODE #a +b"), { _tag: "Mode", target: "#a", change: "+b" })
    assert.deepStrictEqual(decode("MODE #a +ok bob key"), { _tag: "Mode", target: "#a", change: "+ok", args: ["bob", "key"] })
    assert.deepStrictEqual(decode("MODE #a -m+l :10"), { _tag: "Mode", target: "#a", change: "-m+l", args: ["10"] })
    assert.deepStrictEqual(decode("MODE alice +i"), { _tag: "Mode", target: "alice", change: "+i" })
    assert.deepStrictEqual(decode("MODE"), usage("MODE"))
  })

  it("kicks each nickname out of the channel, up to KICK's TARGMAX, with the reason", () => {
    assert.deepStrictEqual(decode("KICK #A bob"), [{ _tag: "Kick", nick: "bob", room: "#a" }])
    assert.deepStrictEqual(decode("KICK #a bob,cy :go \x02away\x02"), [
      { _tag: "Kick", nick: "bob", room: "#a", reason: "go away" },
      { _tag: "Kick", nick: "cy", room: "#a", reason: "go away" }
    ])
    const many = decode("KICK #a n1,n2,n3,n4,n5,n6") as ReadonlyArray<unknown>
    assert.strictEqual(many.length, 5)
    assert.deepStrictEqual(many[4], { _tag: "Invalid", reply: { _tag: "TooManyTargets", target: "n5" } })
    assert.deepStrictEqual(decode("KICK nochannel bob"), { _tag: "Invalid", reply: { _tag: "NoSuchRoom", room: "nochannel" } })
    assert.deepStrictEqual(decode("KICK #a"), usage("KICK"))
    assert.deepStrictEqual(decode("KICK"), usage("KICK"))
  })

  it("invites a nickname into a channel", () => {
    assert.deepStrictEqual(decode("INVITE bob #A"), { _tag: "Invite", nick: "bob", room: "#a" })
    assert.deepStrictEqual(decode("INVITE bob a"), { _tag: "Invalid", reply: { _tag: "NoSuchRoom", room: "a" } })
    assert.deepStrictEqual(decode("INVITE bob"), usage("INVITE"))
    assert.deepStrictEqual(decode("INVITE"), usage("INVITE"))
  })

  it("asks for registration first", () => {
    const d = new IrcDecoder(new RunFacts())
    assert.deepStrictEqual<unknown>(d.decode("KICK #a bob", false), { _tag: "Invalid", reply: { _tag: "NickFirst" } })
    assert.deepStrictEqual<unknown>(d.decode("INVITE bob #a", false), { _tag: "Invalid", reply: { _tag: "NickFirst" } })
  })
})
