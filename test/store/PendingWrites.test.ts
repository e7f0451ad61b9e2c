import { assert, describe, it } from "@effect/vitest"
import { PendingWrites, writesOf } from "../../src/store/PendingWrites.js"
import type { RoomWrite } from "../../src/store/Store.js"

const line = (i: number): RoomWrite => ({ _tag: "Line", room: i % 2 ? "#a" : "#b", at: i, from: "ann", text: `m${i}`, action: i % 5 === 0 })
const texts = (writes: PendingWrites) => writesOf(writes).map((write) => write._tag === "Line" ? write.text : write.topic)

describe("PendingWrites", () => {
  it("keeps many writes in order, in parts no larger than a few thousand, and forgets the oldest across parts", () => {
    const all = Array.from({ length: 10_000 }, (_, i) => line(i))
    const pending = PendingWrites.of(all)
    assert.strictEqual(pending.length, 10_000)
    assert.isAbove(pending.parts.length, 2)
    assert.isTrue(pending.parts.every((part) => part.length <= 4096))
    assert.deepStrictEqual(writesOf(pending), all)
    pending.dropOldest(5_000)
    assert.strictEqual(pending.length, 5_000)
    assert.deepStrictEqual(texts(pending), all.slice(5_000).map((write) => (write as { text: string }).text))
    pending.line("#a", 10_000, "ann", "after", false, "id1")
    assert.deepStrictEqual(texts(pending).slice(-2), ["m9999", "after"])
  })

  it("hands everything over when taken, and puts a batch that failed back before what came since", () => {
    const pending = PendingWrites.of(Array.from({ length: 5_000 }, (_, i) => line(i)))
    const batch = pending.take()
    assert.strictEqual(pending.length, 0)
    assert.deepStrictEqual(writesOf(pending), [])
    pending.topic("#a", "later", 6_000, "ann")
    pending.restore(batch)
    assert.strictEqual(pending.length, 5_001)
    const after = writesOf(pending)
    assert.deepStrictEqual(after[0], line(0))
    assert.deepStrictEqual(after[5_000], { _tag: "Topic", room: "#a", topic: "later", at: 6_000, by: "ann" })
    pending.dropOldest(5_000)
    assert.deepStrictEqual(writesOf(pending), [{ _tag: "Topic", room: "#a", topic: "later", at: 6_000, by: "ann" }])
  })

  it("gives back every text and id as it was given, in any script, and cleared topics, before and after the oldest go", () => {
    const all: Array<RoomWrite> = [
      { _tag: "Line", room: "#a", at: 1, from: "ann", text: "héllo wörld", action: false, id: "id-1" },
      { _tag: "Topic", room: "#a", topic: undefined, at: 2, by: "ann" },
      { _tag: "Line", room: "#b", at: 3, from: "bob", text: "", action: true },
      { _tag: "Line", room: "#a", at: 4, from: "李", text: "你好，世界 🌍🎉", action: false, id: "id-4" },
      { _tag: "Topic", room: "#b", topic: "café ☕", at: 5 },
      ...Array.from({ length: 200 }, (_, i): RoomWrite => ({ _tag: "Line", room: "#c", at: 6 + i, from: "cy", text: `𝔘𝔫𝔦 ${i} ${"ß".repeat(i)}`, action: false, id: `n${i}` })),
      { _tag: "Topic", room: "#c", topic: undefined, at: 300 }
    ]
    const pending = PendingWrites.of(all)
    assert.deepStrictEqual(writesOf(pending), all)
    pending.dropOldest(3)
    assert.deepStrictEqual(writesOf(pending), all.slice(3))
    pending.line("#a", 999, "ann", "ünïcödé after", false, "last")
    assert.deepStrictEqual(writesOf(pending).at(-1), { _tag: "Line", room: "#a", at: 999, from: "ann", text: "ünïcödé after", action: false, id: "last" })
  })
})
