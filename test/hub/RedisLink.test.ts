import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { RedisLink } from "../../src/hub/redis/RedisLink.js"

const unconnected = () => new RedisLink("redis://127.0.0.1:1", { message: () => undefined, up: Effect.void, down: () => Effect.void })

describe("RedisLink", () => {
  it("keeps a channel a join is being made on out of those the upkeep may let go of, until every such join is done", async () => {
    const link = unconnected()
    await link.follow("room:#a").catch(() => undefined)
    await link.follow("room:#b").catch(() => undefined)
    const first = link.pin("room:#a")
    const second = link.pin("room:#a")
    assert.deepStrictEqual(link.following(), ["room:#b"])
    first()
    assert.deepStrictEqual(link.following(), ["room:#b"])
    second()
    assert.deepStrictEqual(link.following(), ["room:#a", "room:#b"])
  })
})
