import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { sanitize } from "../../src/protocol/Text.js"

// The pattern alone, applied to every line as before the quick pre-scan: sanitize must give the same text.
// eslint-disable-next-line no-control-regex
const controls = /\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[PX^_][^\x1b]*(?:\x1b\\)?|[ -/]*[0-~]?)|[\x00-\x08\x0a-\x1f\x7f-\x9f\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g
const byPatternAlone = (text: string) => text.replace(controls, "")

describe("sanitize", () => {
  it("takes out what the full pattern takes out, and nothing else, whatever the line", () => {
    // Lines built of plain text, escape sequences' parts, C0 and C1 controls, and invisible or bidirectional marks.
    const pieces = ["a", "é", "😀", " ", "\t", "\x1b", "[", "]", "31m", "0;", "\x07", "\\", "P", "\x00", "\x0a", "\x7f", "\x85", "\x9b",
      "\u200b", "\u200c", "\u200d", "\u202e", "\u2066", "\ufeff", "~", "@"]
    fc.assert(fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), (parts) => {
      const line = parts.join("")
      assert.strictEqual(sanitize(line), byPatternAlone(line))
    }), { numRuns: 2000 })
    assert.strictEqual(sanitize("plain text stays the same string"), "plain text stays the same string")
    assert.strictEqual(sanitize("red \x1b[31malert\x1b[0m\u202e"), "red alert")
  })
})
