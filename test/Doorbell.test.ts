import { assert, describe, it } from "@effect/vitest"
import { Doorbell, type Listener } from "../src/Doorbell.js"

/** A listener that records its wake-ups and, like a subscriber, waits again when woken. */
class Probe implements Listener {
  listening = false
  woken = 0
  constructor(readonly bell: Doorbell, readonly room: string | undefined, readonly session: string | undefined) {
    bell.add(this)
    this.listening = true
  }
  wake() {
    this.woken++
    this.listening = true
  }
}

/** The doorbell answers in the check phase of the event loop's turn. */
const answered = () => new Promise<void>((resolve) => setImmediate(resolve))

describe("Doorbell", () => {
  it("wakes the members of the room a publication went to, and no one else", async () => {
    const bell = new Doorbell()
    const a1 = new Probe(bell, "#a", "s1")
    const a2 = new Probe(bell, "#a", "s2")
    const b = new Probe(bell, "#b", "s3")
    bell.ring("#a", undefined)
    await answered()
    assert.deepStrictEqual([a1.woken, a2.woken, b.woken], [1, 1, 0])
  })

  it("wakes a session for what is addressed to it, once even when its room rang too", async () => {
    const bell = new Doorbell()
    const a1 = new Probe(bell, "#a", "s1")
    const a2 = new Probe(bell, "#a", "s2")
    const b = new Probe(bell, "#b", "s3")
    bell.ring(undefined, "s3")
    bell.ring("#b", undefined)
    bell.ring(undefined, "s1")
    await answered()
    assert.deepStrictEqual([a1.woken, a2.woken, b.woken], [1, 0, 1])
  })

  it("answers all of a turn's rings with one wake-up per listener", async () => {
    const bell = new Doorbell()
    const a = new Probe(bell, "#a", "s1")
    for (let i = 0; i < 50; i++) bell.ring("#a", undefined)
    await answered()
    assert.strictEqual(a.woken, 1)
    bell.ring("#a", undefined)
    await answered()
    assert.strictEqual(a.woken, 2)
  })

  it("wakes everyone for a publication to everyone, and a listener without room or session for anything", async () => {
    const bell = new Doorbell()
    const a = new Probe(bell, "#a", "s1")
    const b = new Probe(bell, "#b", "s2")
    const bot = new Probe(bell, undefined, undefined)
    bell.ring("#a", undefined)
    await answered()
    assert.deepStrictEqual([a.woken, b.woken, bot.woken], [1, 0, 1])
    bell.ring(undefined, undefined)
    await answered()
    assert.deepStrictEqual([a.woken, b.woken, bot.woken], [2, 1, 2])
  })

  it("numbers the publications it is told of", () => {
    const bell = new Doorbell()
    assert.deepStrictEqual([bell.ring("#a", undefined), bell.ring(undefined, "s1"), bell.ring(undefined, undefined)], [1, 2, 3])
    assert.strictEqual(bell.count, 3)
  })

  it("wakes only listeners that wait, and none that were removed", async () => {
    const bell = new Doorbell()
    const a = new Probe(bell, "#a", "s1")
    const busy = new Probe(bell, "#a", "s2")
    busy.listening = false
    bell.remove(a)
    bell.ring("#a", undefined)
    bell.ring(undefined, "s1")
    bell.ring(undefined, "s2")
    await answered()
    assert.deepStrictEqual([a.woken, busy.woken], [0, 0])
  })
})
