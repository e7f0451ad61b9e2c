import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, Logger } from "effect"
import { TestClock } from "effect/testing"
import { Accounts, addressKey, make } from "../../src/accounts/Accounts.js"
import { Warnings } from "../../src/observe/Warnings.js"
import { Store } from "../../src/store/Store.js"
import * as StoreMemory from "../../src/store/StoreMemory.js"

const accounts = Accounts.layer({ protection: "grace", graceSeconds: 30 }).pipe(Layer.provide(Layer.merge(StoreMemory.layer, Warnings.layer)))

describe("Accounts", () => {
  it.effect("answers a refused login a second late, and a right one at once", () =>
    Effect.gen(function*() {
      const service = yield* Accounts
      assert.isTrue(yield* service.register("ann", "correct-horse"))
      const ok = yield* service.check("ann", "correct-horse", "10.0.0.1:1000")
      assert.deepStrictEqual(ok._tag === "Ok" && ok.account, "ann")
      // Names that are no account are refused without a hash (the clock here is the test's): the sixth
      // at once from the same address is told to wait, and all are answered a second late.
      const fibers = yield* Effect.forEach(
        Array.from({ length: 6 }, (_, i) => `nobody${i}`),
        (name) => Effect.forkChild(service.check(name, "wrong-password", "10.0.0.1:1000"))
      )
      yield* TestClock.adjust("999 millis")
      assert.deepStrictEqual(fibers.map((fiber) => fiber.pollUnsafe()), fibers.map(() => undefined))
      yield* TestClock.adjust("1 millis")
      const answers = yield* Effect.forEach(fibers, Fiber.join)
      assert.deepStrictEqual(answers.map((answer) => answer._tag), ["NoAccount", "NoAccount", "NoAccount", "NoAccount", "NoAccount", "Wait"])
      // The wait is counted from the answer, and told as the client reads it, a second later.
      assert.deepStrictEqual(answers[5], { _tag: "Wait", seconds: 1 })
    }).pipe(Effect.provide(accounts)))

  it.effect("hashes one guess a second, server-wide, among those from addresses in back-off; a clean address is not held back, whatever account it logs in to", () =>
    Effect.gen(function*() {
      const service = yield* Accounts
      for (const name of ["ann", "bob", "cal"]) assert.isTrue(yield* service.register(name, `${name}-right-password`))
      const guess = (name: string, peer: string, password = "wrong-password") => service.check(name, password, peer)
      // Five wrong guesses each: ann's from one address, bob's from another. Then both are in back-off for a second.
      for (const [name, peer] of [["ann", "10.0.0.1:1"], ["bob", "10.0.0.2:1"]] as const) {
        for (let i = 0; i < 5; i++) assert.strictEqual((yield* guess(name, peer))._tag, "Wrong")
      }
      yield* TestClock.adjust("2 seconds")
      // Past their waits, two guesses in back-off at once: one is hashed, the other told to wait.
      const storm = yield* Effect.all([guess("ann", "10.0.0.1:1"), guess("bob", "10.0.0.2:1")], { concurrency: "unbounded" })
      assert.deepStrictEqual(storm.map((answer) => answer._tag).sort(), ["Wait", "Wrong"])
      // Meanwhile a login in no back-off is hashed at once.
      assert.strictEqual((yield* guess("cal", "10.0.0.9:1", "cal-right-password"))._tag, "Ok")
      // A second later, the one told to wait is hashed.
      const [waited, peer] = storm[0]!._tag === "Wait" ? ["ann", "10.0.0.1:1"] : ["bob", "10.0.0.2:1"]
      assert.strictEqual((yield* guess(waited, peer, `${waited}-right-password`))._tag, "Wait")
      // Its owner, from an address of its own, is not: the storm's second is the storm's.
      assert.strictEqual((yield* guess(waited, "10.0.0.7:1", `${waited}-right-password`))._tag, "Ok")
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* guess(waited, peer, `${waited}-right-password`))._tag, "Ok")
    }).pipe(Effect.provide(Accounts.layer({ protection: "grace", graceSeconds: 30, failureDelay: Duration.zero }).pipe(Layer.provide(Layer.merge(StoreMemory.layer, Warnings.layer))))))

  it.effect("warns at start of accounts whose names no longer are nicknames (a letter or _ first)", () =>
    Effect.gen(function*() {
      const store = yield* Store
      for (const name of ["9lives", "-dash", "fine"]) yield* store.createAccount({ name, password: "x", created: 0 })
      const warned: Array<string> = []
      const collect = Logger.make<unknown, void>(({ logLevel, message }) => {
        if (logLevel === "Warn") warned.push((Array.isArray(message) ? message : [message]).map(String).join(" "))
      })
      yield* make({ protection: "grace", graceSeconds: 30 }).pipe(Effect.provide(Logger.layer([collect])))
      assert.deepStrictEqual(warned, ["2 account(s) named before nicknames had to start with a letter or _ can no longer be used: 9lives, -dash"])
    }).pipe(Effect.provide(Layer.merge(StoreMemory.layer, Warnings.layer))))

  it("counts an IPv6 client's failures by its /64, and an IPv4 one's (mapped or not) by its address", () => {
    assert.strictEqual(addressKey("1.2.3.4:5678"), "1.2.3.4")
    assert.strictEqual(addressKey("[::ffff:1.2.3.4]:5678"), "1.2.3.4")
    assert.strictEqual(addressKey("[2001:db8:0:0:1::7]:5678"), "2001:db8:0:0::/64")
    assert.strictEqual(addressKey("[2001:DB8::ffff:1]:1"), "2001:db8:0:0::/64")
    assert.strictEqual(addressKey("[2001:db8:0:1::1]:1"), "2001:db8:0:1::/64")
    assert.strictEqual(addressKey("[::1]:5678"), "0:0:0:0::/64")
    assert.strictEqual(addressKey("[fe80::1%eth0]:22"), "fe80:0:0:0::/64")
  })

  it.effect("makes every address of one IPv6 /64 wait together", () =>
    Effect.gen(function*() {
      const service = yield* Accounts
      const fibers = yield* Effect.forEach(
        ["[2001:db8::1]:1", "[2001:db8::2]:2", "[2001:db8::3]:3", "[2001:db8::4]:4", "[2001:db8::5]:5", "[2001:db8::6]:6", "[2001:db8:0:1::1]:7"],
        (peer, i) => Effect.forkChild(service.check(`nobody${i}`, "wrong-password", peer))
      )
      yield* TestClock.adjust("1 second")
      const answers = yield* Effect.forEach(fibers, Fiber.join)
      assert.deepStrictEqual(answers.map((answer) => answer._tag), ["NoAccount", "NoAccount", "NoAccount", "NoAccount", "NoAccount", "Wait", "NoAccount"])
    }).pipe(Effect.provide(accounts)))
})
