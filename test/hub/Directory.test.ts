import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { globMatch } from "../../src/protocol/Glob.js"

const asRegExp = (mask: string) => new RegExp(`^${mask.replace(/\*/g, ".*").replace(/\?/g, ".")}$`)

describe("globMatch", () => {
  it("matches `*` as any run and `?` as any one character, like the regular expression it stands for", () => {
    fc.assert(fc.property(
      fc.string({ unit: fc.constantFrom("a", "b", "*", "?"), maxLength: 8 }),
      fc.string({ unit: fc.constantFrom("a", "b"), maxLength: 10 }),
      (mask, text) => globMatch(mask, text) === asRegExp(mask).test(text)
    ))
  })

  it("answers a mask that would make a backtracking matcher explode", () => {
    // `(.*a)*`-like patterns take exponential time in a backtracking engine; here, a few thousand steps
    assert.isFalse(globMatch(`${"*a".repeat(30)}*b`, "a".repeat(24)))
    assert.isTrue(globMatch(`${"*".repeat(200)}x`, "box"))
  })
})
