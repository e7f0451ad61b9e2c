import { afterAll, beforeAll } from "@effect/vitest"
import { Layer, Option } from "effect"
import { ChatConfig } from "../../src/ChatConfig.js"
import { Hub } from "../../src/hub/Hub.js"
import { RedisServer } from "../support/RedisServer.js"
import { hubContract } from "./contract.js"

let redis: RedisServer
let cluster = 0
beforeAll(async () => {
  redis = await RedisServer.start()
})
afterAll(() => redis.stop())

/** A Redis hub on the test's own redis-server, in a cluster (a key prefix) of its own. */
const redisHub = (announceMaxMembers: number, history?: number) =>
  Hub.layerRedis.pipe(Layer.provide(ChatConfig.layer({
    announceMaxMembers,
    ...(history === undefined ? {} : { history }),
    redisUrl: Option.some(redis.url),
    nodeId: "node-1",
    redisPrefix: `contract-${++cluster}:`
  })))

hubContract("Hub.layerRedis", redisHub)
