import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { Effect, Stream } from "effect"
import { sanitize } from "../../src/protocol/Text.js"
import { type Frame, Framer, framePull, LineSplitter, TooLong } from "../../src/wire/Framing.js"

const encode = (text: string) => new TextEncoder().encode(text)
const splitAll = (max: number, chunks: ReadonlyArray<Uint8Array>): Array<Frame> => {
  const splitter = new LineSplitter(max)
  const out: Array<Frame> = []
  for (const chunk of chunks) splitter.push(chunk, out)
  return out
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
    const out: Array<Frame> = []
    for (let i = 0; i < 1000; i++) {
      splitter.push(encode("y".repeat(100)), out)
      assert.isAtMost(splitter.buffered, 64)
    }
    assert.deepStrictEqual(out, [TooLong])
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
        if (typeof frame === "string") assert.isAtMost(encode(frame).length, max * 3)
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
            const out: Array<Frame> = []
            splitter.push(chunk, out)
            for (const frame of out) {
              assert.isAtMost(splitter.buffered, max)
              if (typeof frame !== "string") continue
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

const options = { maxLineBytes: 100, telnet: true, partials: true, maxBatch: 3 }
const IAC = 255

describe("Framer", () => {
  it("with readEndsLine (the seed protocol), ends a read's unfinished line there, and nothing more", () => {
    const framer = new Framer({ maxLineBytes: 10, telnet: false, partials: false, maxBatch: 100, readEndsLine: true })
    assert.deepStrictEqual(framer.push([encode("a\r")]), ["a"])
    // the LF of that CRLF, come in the next read, ends nothing new
    assert.deepStrictEqual(framer.push([encode("\nb")]), ["b"])
    assert.deepStrictEqual(framer.push([encode("one\ntwo")]), ["one", "two"])
    // a read over the limit is reported once; the next read is a message of its own
    assert.deepStrictEqual(framer.push([encode("x".repeat(15))]), [TooLong])
    assert.deepStrictEqual(framer.push([encode("ok")]), ["ok"])
  })

  it("takes telnet commands out of the text, and reports an interrupt and a timing mark in their place", () => {
    const framer = new Framer({ ...options, partials: false })
    const ctrlC = Uint8Array.of(IAC, 244, IAC, 253, 6)
    const frames = framer.push([encode("hel"), Uint8Array.of(IAC, 251, 1), encode("lo\n"), ctrlC])
    assert.deepStrictEqual(frames, ["hello", { _tag: "Interrupt" }, { _tag: "TimingMark" }])
  })

  it("keeps a telnet command split across reads out of the text", () => {
    const framer = new Framer(options)
    const out = [encode("a"), Uint8Array.of(IAC), Uint8Array.of(250, 24), Uint8Array.of(1, IAC), Uint8Array.of(240), encode("b\n")]
      .flatMap((chunk) => framer.push([chunk]))
    assert.deepStrictEqual(out.filter((f) => typeof f === "string"), ["ab"])
  })

  it("reads IAC IAC as a data byte, and an IAC before a byte that is no command as nothing", () => {
    const framer = new Framer({ ...options, partials: false })
    assert.deepStrictEqual(framer.push([Uint8Array.of(0x61, IAC, IAC, 0x62, IAC, 0x0a)]), ["a\uFFFDb"])
  })

  it("leaves 0xFF alone for a codec without telnet", () => {
    const framer = new Framer({ ...options, telnet: false, partials: false })
    assert.deepStrictEqual(framer.push([Uint8Array.of(0x61, IAC, 244, 0x0a)]), ["a\uFFFD\uFFFD"])
  })

  it("reports the bytes of a read that ended no line, for flood control to count", () => {
    const framer = new Framer(options)
    assert.deepStrictEqual(framer.push([encode("one\ntw")]), ["one", { _tag: "Partial", bytes: 2 }])
    assert.deepStrictEqual(framer.push([encode("o\n")]), ["two"])
    assert.deepStrictEqual(framer.push([encode("x".repeat(250))]), [TooLong, { _tag: "Partial", bytes: 250 }])
  })

  it("reports telnet commands after a read's last line end as bytes too, so they cannot flood for free", () => {
    const framer = new Framer(options)
    const SB = 250
    const SE = 240
    const sub = [IAC, SB, 24, ...new Array(300).fill(0x41), IAC, SE]
    assert.deepStrictEqual(framer.push([Uint8Array.of(...sub)]), [{ _tag: "Partial", bytes: 305 }])
    assert.deepStrictEqual(framer.push([Uint8Array.of(0x61, 0x0a, ...sub, 0x62)]), ["a", { _tag: "Partial", bytes: 306 }])
    assert.deepStrictEqual(framer.push([Uint8Array.of(...sub, 0x63, 0x0a)]), ["bc"])
  })

  it("counts the bytes it reads", () => {
    const counters = { bytesIn: 0 }
    const framer = new Framer({ ...options, counters })
    framer.push([encode("abc\n"), encode("de")])
    assert.strictEqual(counters.bytesIn, 6)
  })
})

describe("framePull, the framing stage", () => {
  it.effect("emits one read's frames together, at most maxBatch at a time", () =>
    Effect.gen(function*() {
      const arrays: Array<ReadonlyArray<Frame>> = []
      const reads = yield* Stream.toPull(Stream.fromArrays([encode("a\nb\nc\nd\ne\n")], [encode("f\n")]))
      yield* Stream.fromPull(Effect.succeed(framePull(reads, { ...options, partials: false }))).pipe(
        Stream.runForEachArray((arr) => Effect.sync(() => arrays.push(arr)))
      )
      assert.deepStrictEqual(arrays, [["a", "b", "c"], ["d", "e"], ["f"]])
    }))
})
