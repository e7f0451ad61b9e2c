import type * as Duration from "effect/Duration"

/** What every hub is told (the settings of the same names). */
export interface HubOptions {
  /** Rooms with more members than this hear nothing of comings and goings; 0 announces in rooms of any size. */
  readonly announceMaxMembers: number
  /** A room's last messages kept for whoever joins it; 0 keeps none. */
  readonly history: number
}

/** What a hub through Redis is told besides (the settings of the same names). */
export interface RedisHubOptions extends HubOptions {
  /** `redis://host:port` */
  readonly redisUrl: string
  /** Start alone when Redis does not answer, and link up once it does, instead of failing. */
  readonly redisOptional: boolean
  /** This server's name in the cluster, unique among the servers. */
  readonly nodeId: string
  /** A server that stops renewing its lease is dropped within this time, and its users with it. */
  readonly presenceTtl: Duration.Duration
  /** The start of every key and channel name. */
  readonly redisPrefix: string
}
