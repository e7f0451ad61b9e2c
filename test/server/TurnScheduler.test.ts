import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Scheduler } from "effect"
import { nextTurnPriority } from "../../src/internal/NextTurn.js"
import { TurnScheduler } from "../../src/server/TurnScheduler.js"

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

describe("TurnScheduler", () => {
  it("runs work that wakes more work within the same turn of the event loop", async () => {
    const dispatcher = new TurnScheduler().makeDispatcher()
    const order: Array<string> = []
    dispatcher.scheduleTask(() => {
      order.push("read")
      dispatcher.scheduleTask(() => {
        order.push("publish")
        dispatcher.scheduleTask(() => order.push("flush"), 0)
      }, 0)
    }, 0)
    setImmediate(() => order.push("next turn"))
    await nextTurn()
    await nextTurn()
    assert.deepStrictEqual(order, ["read", "publish", "flush", "next turn"])
  })

  it("lets the event loop turn between rounds of a fiber that never stops yielding", async () => {
    const dispatcher = new TurnScheduler().makeDispatcher()
    let rounds = 0
    let stop = false
    const spin = () => {
      rounds++
      if (!stop) dispatcher.scheduleTask(spin, 0)
    }
    dispatcher.scheduleTask(spin, 0)
    let seen = -1
    setImmediate(() => {
      seen = rounds
      stop = true
    })
    while (seen === -1) await nextTurn()
    assert.isAtLeast(seen, 1)
    assert.isAtMost(seen, 16)
  })

  it("keeps a task for the next turn out of this turn's rounds, and runs it when the event loop has turned", async () => {
    const dispatcher = new TurnScheduler().makeDispatcher()
    const order: Array<string> = []
    dispatcher.scheduleTask(() => {
      order.push("read")
      dispatcher.scheduleTask(() => order.push("store's slice"), nextTurnPriority)
      dispatcher.scheduleTask(() => order.push("publish"), 0)
    }, 0)
    setImmediate(() => order.push("poll"))
    while (order.length < 4) await nextTurn()
    assert.deepStrictEqual(order, ["read", "publish", "poll", "store's slice"])
  })

  it("runs what waits for the next turn when Effect asks for everything now", () => {
    const dispatcher = new TurnScheduler().makeDispatcher()
    const order: Array<string> = []
    dispatcher.scheduleTask(() => order.push("later"), nextTurnPriority)
    dispatcher.scheduleTask(() => order.push("now"), 0)
    dispatcher.flush()
    assert.deepStrictEqual(order, ["now", "later"])
  })

  it("keeps the other fibers' tasks when one task throws", async () => {
    const dispatcher = new TurnScheduler().makeDispatcher()
    const ran: Array<string> = []
    dispatcher.scheduleTask(() => {
      throw new Error("boom")
    }, 0)
    dispatcher.scheduleTask(() => ran.push("after"), 0)
    const errors: Array<unknown> = []
    const listener = (error: unknown) => errors.push(error)
    process.prependListener("uncaughtException", listener)
    try {
      while (ran.length === 0) await nextTurn()
    } finally {
      process.removeListener("uncaughtException", listener)
    }
    assert.deepStrictEqual(ran, ["after"])
    assert.strictEqual((errors[0] as Error).message, "boom")
  })

  it("runs a round's tasks in priority order, then in the order they came", async () => {
    const dispatcher = new TurnScheduler().makeDispatcher()
    const order: Array<string> = []
    dispatcher.scheduleTask(() => order.push("b1"), 1)
    dispatcher.scheduleTask(() => order.push("a1"), 0)
    dispatcher.scheduleTask(() => order.push("b2"), 1)
    dispatcher.scheduleTask(() => order.push("a2"), 0)
    await nextTurn()
    assert.deepStrictEqual(order, ["a1", "a2", "b1", "b2"])
  })

  it.effect("runs fibers: a chain of fibers each waking the next completes, provided as Effect's Scheduler", () =>
    Effect.gen(function*() {
      const scheduler = yield* Scheduler.Scheduler
      assert.instanceOf(scheduler, TurnScheduler)
      const child = yield* Effect.forkChild(Effect.void)
      assert.strictEqual(child.currentDispatcher, scheduler.makeDispatcher(), "a forked fiber shares the one queue")
      const gates = yield* Effect.forEach([0, 1, 2, 3], () => Deferred.make<number>())
      const fibers = yield* Effect.forEach([1, 2, 3], (i) =>
        Effect.forkChild(Effect.flatMap(Deferred.await(gates[i - 1]), (n) => Deferred.succeed(gates[i], n + 1))))
      yield* Deferred.succeed(gates[0], 0)
      assert.strictEqual(yield* Deferred.await(gates[3]), 3)
      yield* Fiber.joinAll(fibers)
    }).pipe(Effect.provide(TurnScheduler.layer)))
})
