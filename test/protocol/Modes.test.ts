import { assert, describe, it } from "@effect/vitest"
import { changeString, modeString, noModes, normalizeMask, parseModes } from "../../src/protocol/Modes.js"

describe("room modes as IRC writes them", () => {
  it("reads changes and their arguments in order, -k with or without its key", () => {
    const parsed = parseModes("+ok-m+l", ["alice", "sesame", "10"])
    assert.deepStrictEqual(parsed.changes, [
      { on: true, mode: "o", arg: "alice" },
      { on: true, mode: "k", arg: "sesame" },
      { on: false, mode: "m" },
      { on: true, mode: "l", arg: "10" }
    ])
    assert.isFalse(parsed.invalid)
    assert.deepStrictEqual(parseModes("-k+v", ["*", "bob"]).changes, [{ on: false, mode: "k" }, { on: true, mode: "v", arg: "bob" }])
    assert.deepStrictEqual(parseModes("-k", []).changes, [{ on: false, mode: "k" }])
  })

  it("says when an argument is missing or not one its letter takes (IRC's 696: a key as *, a limit as given if IRC could show it), and leaves that change out", () => {
    for (const [change, args] of [["+o", []], ["+l", []], ["+b", ["*"]]] as const) {
      const parsed = parseModes(change, args)
      assert.isTrue(parsed.invalid, `${change} ${args.join(" ")}`)
      assert.deepStrictEqual(parsed.changes, [])
    }
    const bad = [["+l", "abc", "abc"], ["+l", "-5", "-5"], ["+l", "0", "0"], ["+l", "999999", "999999"], ["+l", "", "*"], ["+l", "a b", "*"], ["+l", ":1", "*"], ["+k", "a b", "*"], ["+k", "x".repeat(24), "*"], ["+k", "a,b", "*"], ["+k", "", "*"]] as const
    for (const [change, arg, shown] of bad) {
      const parsed = parseModes(change, [arg])
      assert.isFalse(parsed.invalid, `${change} ${arg}`)
      assert.deepStrictEqual<unknown>(parsed.badParams, [{ mode: change[1], arg: shown }])
      assert.deepStrictEqual(parsed.changes, [])
    }
    assert.deepStrictEqual(parseModes("-n+n", []).changes, [{ on: false, mode: "n" }, { on: true, mode: "n" }])
    assert.deepStrictEqual(parseModes("+l", ["010"]).changes, [{ on: true, mode: "l", arg: "10" }])
  })

  it("skips the arguments of letters it does not have, so that none goes to the wrong letter", () => {
    const parsed = parseModes("+ho", ["alice", "bob"])
    assert.deepStrictEqual(parsed.changes, [{ on: true, mode: "o", arg: "bob" }])
    assert.deepStrictEqual(parsed.unknown, ["h"])
    assert.isTrue(parseModes("+b", []).banList)
    assert.deepStrictEqual(parseModes("+bm", ["*!*@*"]).changes, [{ on: true, mode: "m" }])
    // Everyone is shown as nick!nick@hubbub: a mask for that host and nothing else is for everyone.
    for (const everyone of ["*!*@hubbub", "*@HUBBUB", "*!*@hub*", "?*!*@*bub"]) assert.isUndefined(normalizeMask(everyone), everyone)
    assert.strictEqual(normalizeMask("*!bob@hubbub"), "*!bob@hubbub")
  })

  it("reads at most 6 changes, and only the start of a very long mode string, naming each unknown letter once", () => {
    assert.lengthOf(parseModes("+imtsnimtsimts", []).changes, 6)
    const unknown = parseModes("+" + Array.from({ length: 5000 }, (_, i) => String.fromCharCode(0x4e00 + i)).join(""), [])
    assert.isAtMost(unknown.unknown.length, 6)
  })

  it("shows modes as 324 does (the key to members only) and changes as MODE does", () => {
    const modes = { ...noModes, key: "sesame", limit: 5, moderated: true, topicLock: true }
    assert.deepStrictEqual(modeString(modes, true), { modes: "+klmnt", params: ["sesame", "5"] })
    assert.deepStrictEqual(modeString(modes, false), { modes: "+klmnt", params: ["*", "5"] })
    assert.deepStrictEqual(modeString({ ...modes, external: true }, false), { modes: "+klmt", params: ["*", "5"] })
    assert.strictEqual(changeString([{ on: true, mode: "o", arg: "a" }, { on: false, mode: "v", arg: "b" }, { on: false, mode: "m" }]), "+o-vm a b")
  })
})
