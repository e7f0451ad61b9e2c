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
    assert.isTrue(pending.parts.every((part) => part.kinds.length <= 4096))
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
})
