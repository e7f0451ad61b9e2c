import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ChatConfig } from "../ChatConfig.js"

/**
 * The settings a reload changes while the server runs (`SIGHUP`): one object, changed in place,
 * read where each is used and never copied. The connection limits apply at once; flood control's
 * budget to the connections made after the change; the message of the day to whoever asks next.
 */
export interface Tuned {
  maxConnections: number
  maxPerIp: number
  limitLoopback: boolean
  floodRate: number
  floodBurst: number
  floodTimeout: Duration.Duration
  motd: ReadonlyArray<string>
}

export class Tuning extends Context.Service<Tuning, Tuned>()("hubbub/Tuning") {
  /** As the configuration says at the start. */
  static readonly layer: Layer.Layer<Tuning, never, ChatConfig> = Layer.effect(
    Tuning,
    Effect.map(ChatConfig, (config) => ({
      maxConnections: config.maxConnections,
      maxPerIp: config.maxPerIp,
      limitLoopback: config.limitLoopback,
      floodRate: config.floodRate,
      floodBurst: config.floodBurst,
      floodTimeout: config.floodTimeout,
      motd: config.motd
    }))
  )
}
