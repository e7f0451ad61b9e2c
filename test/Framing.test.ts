import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { type Frame, LineSplitter, TooLong } from "../src/Framing.js"
import { sanitize } from "../src/Protocol.js"

const encode = (text: string) => new TextEncoder().encode(text)
const splitAll = (max: number, chunks: ReadonlyArray<Uint8Array>): Array<Frame> => {
  const splitter = new LineSplitter(max)
  return chunks.flatMap((c) => splitter.push(c))
}
/** Cuts `bytes` at the given offsets. */
const cut = (bytes: Uint8Array, offsets: ReadonlyArray<number>): Array<Uint8Array> => {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Array<Uint8Array> = []
  let at = 0
  for (const p of points) {
    out.push(bytes.subarray(at, p))
    at = p
  }
  out.push(bytes.subarray(at))
  return out
}

describe("LineSplitter", () => {
  it("ends lines at LF, CRLF and a bare CR", () => {
    assert.deepStrictEqual(splitAll(100, [encode("a\nb\r\nc\rd\n\ne")]), ["a", "b", "c", "d", ""])
  })

  it("treats a CRLF split across chunks as one line end", () => {
    assert.deepStrictEqual(splitAll(100, [encode("a\r"), encode("\nb\n")]), ["a", "b"])
  })

  it("reassembles lines delivered byte by byte, multi-byte characters included", () => {
    const bytes = encode("héllo wörld ✓\r\nsecond 🎉\n")
    assert.deepStrictEqual(splitAll(100, Array.from(bytes, (b) => Uint8Array.of(b))), ["héllo wörld ✓", "second 🎉"])
  })

  it("reports an overlong line once, discards the rest of it and goes on", () => {
    const long = "x".repeat(50)
    assert.deepStrictEqual(splitAll(10, [encode(`ok\n${long}\nnext\n`)]), ["ok", TooLong, "next"])
    assert.deepStrictEqual(splitAll(10, [encode("x".repeat(8)), encode("x".repeat(8)), encode("xx\nnext\n")]), [
      TooLong,
      "next"
    ])
  })

  it("accepts a line of exactly the limit in bytes", () => {
    assert.deepStrictEqual(splitAll(4, [encode("abcd\nabcde\n")]), ["abcd", TooLong])
  })

  it("never holds more than the limit of an unterminated flood", () => {
    const splitter = new LineSplitter(64)
    let frames: Array<Frame> = []
    for (let i = 0; i < 1000; i++) {
      frames = frames.concat(splitter.push(encode("y".repeat(100))))
      assert.isAtMost(splitter.buffered, 64)
    }
    assert.deepStrictEqual(frames, [TooLong])
  })

  it("turns invalid UTF-8 into U+FFFD", () => {
    assert.deepStrictEqual(splitAll(100, [Uint8Array.of(0x61, 0xff, 0xfe, 0x62, 0x0a)]), ["a\uFFFD\uFFFDb"])
  })

  it("any chunking of the same bytes yields the same frames (property)", () =>
    fc.assert(fc.property(
      fc.uint8Array({ maxLength: 400 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      fc.integer({ min: 1, max: 64 }),
      (bytes, offsets, max) => {
      const whole = splitAll(max, [bytes])
      const chunked = splitAll(max, cut(bytes, offsets))
      assert.deepStrictEqual(chunked, whole)
      for (const frame of whole) {
        if (frame !== TooLong) assert.isAtMost(encode(frame).length, max * 3)
      }
    }), { numRuns: 500 }))

  it("a socket's Buffers and plain Uint8Arrays split into the same frames (property)", () =>
    fc.assert(fc.property(
      fc.uint8Array({ maxLength: 400 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      fc.integer({ min: 1, max: 64 }),
      (bytes, offsets, max) => {
        const chunks = cut(bytes, offsets)
        const buffers = chunks.map((chunk) => Buffer.from(chunk))
        assert.deepStrictEqual(splitAll(max, buffers), splitAll(max, chunks))
      }
    ), { numRuns: 500 }))

  it("lines of text come back as they were joined, whatever the line ends (property)", () =>
    fc.assert(fc.property(
      fc.array(fc.string({ unit: "grapheme", maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, "")), { maxLength: 20 }),
      fc.constantFrom("\n", "\r\n", "\r"),
      fc.array(fc.nat(), { maxLength: 10 }),
      (lines, end, offsets) => {
        const bytes = encode(lines.map((l) => l + end).join(""))
        assert.deepStrictEqual(splitAll(1000, cut(bytes, offsets)), lines)
      }
    ), { numRuns: 500 }))
})

describe("LineSplitter + sanitize on hostile input", () => {
  it("arbitrary bytes in arbitrary chunks never throw, never pass a control through, never exceed the limit (property)", () =>
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 48 }),
        (chunks, max) => {
          const splitter = new LineSplitter(max)
          for (const chunk of chunks) {
            for (const frame of splitter.push(chunk)) {
              assert.isAtMost(splitter.buffered, max)
              if (frame === TooLong) continue
              // one UTF-16 unit per input byte at most, so never longer than the limit
              assert.isAtMost(frame.length, max)
              assert.notMatch(sanitize(frame), /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]/)
            }
          }
        }
      ),
      { numRuns: 1000 }
    ))
})
