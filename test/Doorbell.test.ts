import { assert, describe, it } from "@effect/vitest"
import { Doorbell, type Listener } from "../src/Doorbell.js"

/** A listener that records its wake-ups and, like the dispatcher, waits again when woken. */
class Probe implements Listener {
  listening = false
  woken = 0
  constructor(readonly bell: Doorbell) {
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
  it("answers all of a turn's rings with one wake-up per listener", async () => {
    const bell = new Doorbell()
    const a = new Probe(bell)
    const b = new Probe(bell)
    for (let i = 0; i < 50; i++) bell.ring()
    await answered()
    assert.deepStrictEqual([a.woken, b.woken], [1, 1])
    bell.ring()
    await answered()
    assert.deepStrictEqual([a.woken, b.woken], [2, 2])
  })

  it("numbers the publications it is told of", () => {
    const bell = new Doorbell()
    assert.deepStrictEqual([bell.ring(), bell.ring(), bell.ring()], [1, 2, 3])
    assert.strictEqual(bell.count, 3)
  })

  it("wakes only listeners that wait, and none that were removed", async () => {
    const bell = new Doorbell()
    const a = new Probe(bell)
    const busy = new Probe(bell)
    busy.listening = false
    bell.remove(a)
    bell.ring()
    await answered()
    assert.deepStrictEqual([a.woken, busy.woken], [0, 0])
  })
})
