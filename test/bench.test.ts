import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { encodeMessage, Histogram, MESSAGE_BYTES, Receiver } from "../bench/Accounting.ts"

const bytes = (text: string) => new TextEncoder().encode(text)
/** How each server frames a message on the wire. */
const wire = {
  hubbub: (payload: string) => `<b3> ${payload}\n`,
  net: (payload: string) => `${payload}\n`,
  irc: (payload: string) => `:b3!b3@hubbub PRIVMSG #lobby :${payload}\r\n`,
  "irc with tags": (payload: string) =>
    `@time=2026-12-07T04:07:55.123Z;msgid=01JEXAMPLE12345 :b3!b3@hubbub PRIVMSG #lobby :${payload}\r\n`,
  redis: (payload: string) => `*3\r\n$7\r\nmessage\r\n$5\r\nbench\r\n$${payload.length}\r\n${payload}\r\n`
}

describe("benchmark accounting", () => {
  it("encodes fixed-width 64-byte messages", () => {
    const m = encodeMessage(3, 42, 1234567)
    assert.strictEqual(m.length + 1, MESSAGE_BYTES)
    assert.isTrue(m.startsWith("~S0003Q00000042T00000001234567x"))
  })

  for (const [name, frame] of Object.entries(wire)) {
    it(`counts ${name} messages, in any chunking, with notices in between (property)`, () =>
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 20 }), (cuts) => {
          const seen: Array<[number, number]> = []
          const receiver = new Receiver(2, (s, q) => seen.push([s, q]))
          // A notice with a `~` of its own (as IRC's 005 has) is no message.
          let text = "-!- Welcome to hubbub\n:hubbub 005 b3 PREFIX=(qaohv)~&@%+ :are supported\r\n"
          for (let q = 0; q < 5; q++) for (let s = 0; s < 2; s++) text += frame(encodeMessage(s, q, 1000 + q))
          text += "-!- some notice\n"
          const all = bytes(text)
          const points = [...new Set(cuts.map((c) => c % all.length))].sort((a, b) => a - b)
          let at = 0
          for (const p of [...points, all.length]) {
            receiver.push(all.subarray(at, p), 2000, true)
            at = p
          }
          assert.strictEqual(receiver.received, 10)
          assert.strictEqual(receiver.inWindow, 10)
          assert.strictEqual(receiver.outOfOrder, 0)
          assert.strictEqual(receiver.lost([5, 5]), 0)
          assert.deepStrictEqual(seen.slice(0, 2), [[0, 0], [1, 0]])
          assert.strictEqual(receiver.latency.count, 10)
        }),
        { numRuns: 200 }
      ))
  }

  it("keeps a payload cut by a read's end, though the next read reuses the buffer (as the peers' sockets do)", () => {
    const all = Buffer.from(Array.from({ length: 6 }, (_, q) => wire.irc(encodeMessage(0, q, 1000))).join(""))
    const scratch = Buffer.alloc(all.length)
    const receiver = new Receiver(1)
    // Cuts inside payloads, each read copied into the same buffer, which the next read overwrites.
    const cuts = [40, 77, 150, 190, 260, all.length]
    let at = 0
    for (const cut of cuts) {
      const n = all.copy(scratch, 0, at, cut)
      receiver.push(scratch.subarray(0, n), 2000, true)
      scratch.fill(0x78)
      at = cut
    }
    assert.strictEqual(receiver.received, 6)
    assert.strictEqual(receiver.lost([6]), 0)
    assert.strictEqual(receiver.outOfOrder, 0)
  })

  it("counts a lost message as lost and a reordered one as reordered", () => {
    const deliver = (seqs: ReadonlyArray<number>, sent: number) => {
      const r = new Receiver(1)
      r.push(bytes(seqs.map((q) => wire.net(encodeMessage(0, q, 0))).join("")), 0, true)
      return { lost: r.lost([sent]), outOfOrder: r.outOfOrder, received: r.received }
    }
    assert.deepStrictEqual(deliver([0, 1, 2, 3], 4), { lost: 0, outOfOrder: 0, received: 4 })
    assert.deepStrictEqual(deliver([0, 2, 3], 4), { lost: 1, outOfOrder: 0, received: 3 })
    assert.deepStrictEqual(deliver([0, 1, 2], 4), { lost: 1, outOfOrder: 0, received: 3 })
    assert.deepStrictEqual(deliver([0, 2, 1, 3], 4), { lost: 0, outOfOrder: 1, received: 4 })
    assert.deepStrictEqual(deliver([1, 0], 3), { lost: 1, outOfOrder: 1, received: 2 })
  })

  it("only counts messages received while the window is open as deliveries per second", () => {
    const r = new Receiver(1)
    r.push(bytes(wire.net(encodeMessage(0, 0, 0))), 0, true)
    r.push(bytes(wire.net(encodeMessage(0, 1, 0))), 0, false)
    assert.strictEqual(r.inWindow, 1)
    assert.strictEqual(r.received, 2)
  })

  it("gives percentiles within a bucket's width", () => {
    const h = new Histogram()
    for (let v = 1; v <= 10_000; v++) h.record(v)
    for (const p of [0.5, 0.99, 0.999]) {
      const exact = p * 10_000
      assert.isAtLeast(h.percentile(p), exact * 0.99)
      assert.isAtMost(h.percentile(p), exact * 1.07)
    }
    assert.strictEqual(h.max, 10_000)
  })
})
