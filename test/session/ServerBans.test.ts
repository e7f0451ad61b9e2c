import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as HubMemory from "../../src/hub/HubMemory.js"
import { normalizeServerMask } from "../../src/protocol/ServerMask.js"
import { ServerBans } from "../../src/session/ServerBans.js"
import { Store } from "../../src/store/Store.js"
import * as StoreMemory from "../../src/store/StoreMemory.js"
import { defaults } from "../../src/ChatConfig.js"

const services = ServerBans.layer.pipe(Layer.provideMerge(Layer.mergeAll(HubMemory.layer(defaults), StoreMemory.layer)))

describe("server bans", () => {
  it("take an address, a network no wider than a /8 (IPv6: /16), a mask or an account; never everyone", () => {
    assert.strictEqual(normalizeServerMask("10.0.0.7"), "10.0.0.7")
    assert.strictEqual(normalizeServerMask("::FFFF:10.0.0.7"), "10.0.0.7")
    assert.strictEqual(normalizeServerMask("10.0.0.0/24"), "10.0.0.0/24")
    assert.strictEqual(normalizeServerMask("2001:DB8::/32"), "2001:db8::/32")
    assert.strictEqual(normalizeServerMask("Troll"), "troll!*@*")
    assert.strictEqual(normalizeServerMask("~a:Mallory"), "~a:mallory")
    for (const everyone of ["*", "*!*@*", "0.0.0.0/0", "10.0.0.0/7", "::/0", "2001::/15", "10.0.0.0/33", "10.0.0.0/x", "nonsense/8", "*!*@hubbub"]) {
      assert.isUndefined(normalizeServerMask(everyone), everyone)
    }
  })

  it.live("are looked up in memory by address, network, nickname and account, run out, and come back from the store", () =>
    Effect.gen(function*() {
      const bans = yield* ServerBans
      const ban = (mask: string, expires?: number) => bans.set({ mask, reason: mask, by: "boss", at: Date.now(), expires })
      yield* ban("10.0.0.0/24")
      yield* ban("2001:db8::/32")
      yield* ban("troll*!*@*")
      yield* ban("~a:mallory")
      yield* ban("10.9.9.9", Date.now() - 1)
      const find = (ip: string | undefined, nick?: string, account?: string) => bans.find({ ip, nick, account })?.mask
      assert.strictEqual(find("10.0.0.200"), "10.0.0.0/24")
      assert.strictEqual(find("::ffff:10.0.0.9"), "10.0.0.0/24", "an IPv4 address as IPv6 maps it")
      assert.strictEqual(find("2001:0db8:0000::1"), "2001:db8::/32", "an IPv6 address written longhand")
      assert.isUndefined(find("10.0.1.1"))
      assert.isUndefined(find("10.9.9.9"), "a ban that ran out")
      assert.isUndefined(find("10.1.1.1"), "a nickname ban before the nickname is known")
      assert.strictEqual(find("10.1.1.1", "TrollFace"), "troll*!*@*")
      assert.strictEqual(find(undefined, "ann", "Mallory"), "~a:mallory")
      assert.isUndefined(find("10.1.1.1", "ann"))
      assert.deepStrictEqual(bans.list().map((b) => b.mask), ["10.0.0.0/24", "2001:db8::/32", "troll*!*@*", "~a:mallory"])
      assert.isTrue(yield* bans.lift("troll*!*@*", "boss"))
      assert.isFalse(yield* bans.lift("troll*!*@*", "boss"))
      assert.isUndefined(find("10.1.1.1", "trollface"))
      // Another server's copy, read from the same store.
      const again = yield* ServerBans.make
      assert.deepStrictEqual(again.list().map((b) => b.mask), ["10.0.0.0/24", "2001:db8::/32", "~a:mallory"])
      assert.lengthOf(yield* (yield* Store).serverBans(Date.now()), 3, "the store forgets a ban that ran out")
    }).pipe(Effect.provide(services)))
})
