import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Hub } from "./Hub.js"
import type { NodeIdInUse, RedisUnavailable } from "./HubError.js"
import type { RedisHubOptions } from "./HubOptions.js"

/**
 * Several servers as one chat, through Redis at `redisUrl` (see
 * `redis/RedisHub.ts`): one order per room across servers, cluster-wide
 * nicknames and presence, history in Redis. Fails with `RedisUnavailable`
 * when Redis does not answer, unless `redisOptional`, and with `NodeIdInUse`
 * when another server runs under its `nodeId`.
 */
export const layer = (options: RedisHubOptions): Layer.Layer<Hub, RedisUnavailable | NodeIdInUse> =>
  Layer.effect(
    Hub,
    // Loaded only when asked for: Redis's client is a large part of the program to load.
    Effect.flatMap(Effect.promise(() => import("./redis/RedisHub.js")), (RedisHub) => RedisHub.make(options))
  )
