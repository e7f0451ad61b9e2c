import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { defaults } from "../../src/ChatConfig.js"
import * as HubMemory from "../../src/hub/HubMemory.js"
import { noModes } from "../../src/protocol/Modes.js"
import { RoomRegistry } from "../../src/session/RoomRegistry.js"
import { Store } from "../../src/store/Store.js"
import * as StoreMemory from "../../src/store/StoreMemory.js"

const services = RoomRegistry.layer.pipe(Layer.provideMerge(Layer.mergeAll(HubMemory.layer(defaults), StoreMemory.layer)))

describe("registered rooms", () => {
  it.effect("seed a join with what they keep, make operators of their founder and listed accounts (ignoring case), and go with their founder's account", () =>
    Effect.gen(function*() {
      const registry = yield* RoomRegistry
      const store = yield* Store
      const modes = { ...noModes, invite: true, topicLock: true }
      yield* registry.register({ room: "#Club", founder: "ann", at: 1, operators: ["Ben"], modes, bans: [] })
      yield* registry.register({ room: "#den", founder: "ben", at: 2, operators: ["ann"], modes: noModes, bans: [] })
      assert.deepStrictEqual(registry.seed("#club", "ANN"), { modes, bans: [], operator: true, invited: false })
      assert.isTrue(registry.seed("#club", "ben")?.operator)
      assert.isFalse(registry.seed("#club", "cal")?.operator)
      assert.isFalse(registry.seed("#club", undefined)?.operator)
      assert.isUndefined(registry.seed("#elsewhere", "ann"))

      // An invitation kept for an account lets it in (it alone, whatever its case) until it joins.
      yield* registry.invite("#den", "Cal")
      yield* registry.invite("#den", "dee")
      assert.isTrue(registry.seed("#den", "cal")?.invited)
      assert.isFalse(registry.seed("#den", "eve")?.invited)
      assert.isFalse(registry.seed("#den", undefined)?.invited)
      yield* registry.joined("#den", "CAL")
      assert.isFalse(registry.seed("#den", "cal")?.invited)
      assert.deepStrictEqual((yield* store.registeredRooms).find((r) => r.room === "#den")?.invited, ["dee"])

      // ann's account is dropped: the room she founded is registered no more, and #den lists her no more.
      yield* registry.accountDropped("Ann")
      yield* registry.accountDropped("dee")
      assert.isUndefined(registry.find("#club"))
      assert.deepStrictEqual(registry.find("#den")?.operators, [])
      assert.deepStrictEqual((yield* store.registeredRooms).map((r) => [r.room, r.operators, r.invited]), [["#den", [], []]])

      // Another server's change, as the hub hands it on, is learned.
      registry.learn({ _tag: "RoomRegistered", room: "#den" })
      assert.isUndefined(registry.find("#den"))
    }).pipe(Effect.provide(services)))
})
