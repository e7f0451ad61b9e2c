import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { parseOperatorCommand } from "../../src/server/OperatorConsole.js"

const parsed = (line: string): unknown => Result.getOrThrow(parseOperatorCommand(line))
const refused = (line: string) => {
  const result = parseOperatorCommand(line)
  return Result.isFailure(result) ? result.failure : assert.fail(`expected ${line} to be refused`)
}

describe("the operator console's commands", () => {
  it("reads every command, in any case, with its arguments", () => {
    assert.deepStrictEqual(parsed("who"), { _tag: "who" })
    assert.deepStrictEqual(parsed("  ROOMS "), { _tag: "rooms" })
    assert.deepStrictEqual(parsed("stats"), { _tag: "stats" })
    assert.deepStrictEqual(parsed("fibers"), { _tag: "fibers" })
    assert.deepStrictEqual(parsed("help"), { _tag: "help" })
    assert.deepStrictEqual(parsed("quit"), { _tag: "quit" })
    assert.deepStrictEqual(parsed("say maintenance at  noon"), { _tag: "say", text: "maintenance at  noon" })
    assert.deepStrictEqual(parsed("kick bob"), { _tag: "kick", nick: "bob" })
    assert.deepStrictEqual(parsed("kick bob spamming the room"), { _tag: "kick", nick: "bob", reason: "spamming the room" })
    assert.deepStrictEqual(parsed("oper Alice"), { _tag: "oper", account: "Alice" })
    assert.deepStrictEqual(parsed("deoper alice"), { _tag: "deoper", account: "alice" })
    assert.deepStrictEqual(parsed("opers"), { _tag: "opers" })
  })

  it("answers a line it cannot read with what it expects", () => {
    assert.strictEqual(refused("say"), "usage: say TEXT")
    assert.strictEqual(refused("kick"), "usage: kick NICK [REASON]")
    assert.strictEqual(refused("oper"), "usage: oper ACCOUNT")
    assert.strictEqual(refused("oper two words"), "usage: oper ACCOUNT")
    assert.strictEqual(refused("deoper bad!name"), "usage: deoper ACCOUNT")
    assert.strictEqual(refused("frobnicate now"), "unknown command: frobnicate (try help)")
  })
})
