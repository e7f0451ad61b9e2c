import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import * as fc from "fast-check"
import { parseCommand, parseRegistration, sanitize } from "../src/Protocol.js"

const ok = (line: string): unknown => {
  const parsed = parseCommand(line)
  assert.isTrue(Result.isSuccess(parsed), `expected ${line} to parse`)
  return Result.getOrThrow(parsed)
}
const error = (line: string): string => {
  const parsed = parseCommand(line)
  if (Result.isSuccess(parsed)) return assert.fail(`expected ${line} to be rejected`)
  return parsed.failure.message
}

describe("parseCommand", () => {
  it("reads chat, commands and the seed's bare quit", () => {
    assert.deepStrictEqual(ok("hello"), { _tag: "Say", text: "hello" })
    assert.deepStrictEqual(ok("//not a command"), { _tag: "Say", text: "/not a command" })
    assert.deepStrictEqual(ok("/nick Alice_2"), { _tag: "Nick", nick: "Alice_2" })
    assert.deepStrictEqual(ok("/join Dev"), { _tag: "Join", room: "#dev" })
    assert.deepStrictEqual(ok("/join #dev"), { _tag: "Join", room: "#dev" })
    assert.deepStrictEqual(ok("/me waves"), { _tag: "Me", text: "waves" })
    assert.deepStrictEqual(ok("/msg bob hi there"), { _tag: "Msg", nick: "bob", text: "hi there" })
    assert.deepStrictEqual(ok("/WHO"), { _tag: "Who" })
    assert.deepStrictEqual(ok("/rooms"), { _tag: "Rooms" })
    assert.deepStrictEqual(ok("/help"), { _tag: "Help" })
    assert.deepStrictEqual(ok("/quit"), { _tag: "Quit" })
    assert.deepStrictEqual(ok("/quit see you"), { _tag: "Quit", reason: "see you" })
    assert.deepStrictEqual(ok("quit"), { _tag: "Quit" })
  })

  it("explains what is wrong", () => {
    assert.strictEqual(error("/frobnicate"), "Unknown command /frobnicate. Type /help for the list.")
    assert.strictEqual(error("/nick"), "Usage: /nick NAME")
    assert.match(error("/nick bad!"), /Invalid nickname "bad!"/)
    assert.match(error(`/nick ${"a".repeat(25)}`), /Invalid nickname/)
    assert.match(error("/join bad room"), /Invalid room/)
    assert.strictEqual(error("/msg bob"), "Usage: /msg NICK TEXT")
    assert.strictEqual(error("/me"), "Usage: /me ACTION")
  })
})

describe("parseRegistration", () => {
  it("takes a bare nick, /nick NICK or quit, and nothing else", () => {
    const registered = (line: string): unknown => Result.getOrThrow(parseRegistration(line))
    assert.strictEqual(registered("alice"), "alice")
    assert.strictEqual(registered("/nick bob"), "bob")
    assert.deepStrictEqual(registered("quit"), { _tag: "Quit" })
    assert.isTrue(Result.isFailure(parseRegistration("not a nick")))
    assert.isTrue(Result.isFailure(parseRegistration("/join #x")))
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
