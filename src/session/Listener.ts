import { MessageIds } from "../protocol/MessageId.js"
import { RoomRegistry } from "./RoomRegistry.js"
import { ServerBans } from "./ServerBans.js"
import { ServerOperators } from "./ServerOperators.js"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { ChatConfig, type ChatConfigShape } from "../ChatConfig.js"
import { Accounts } from "../accounts/Accounts.js"
import { Hub } from "../hub/Hub.js"
import { Stats } from "../observe/Stats.js"
import { Warnings } from "../observe/Warnings.js"
import { Codec, type CodecShape } from "../wire/Codec.js"
import type { FramingOptions } from "../wire/Framing.js"
import { lineLimits } from "../wire/LineLimits.js"
import type { CommandEnv } from "./Client.js"
import { Flusher } from "./Flusher.js"
import type { OutboxOptions } from "./Outbox.js"
import { Sessions } from "./Sessions.js"
import { type Tuned, Tuning } from "./Tuning.js"

/**
 * What every session of one listener shares, worked out once when the
 * listener opens: the server's services and settings, the listener's wire
 * format, and what follows from both (its line limits, its framing, the
 * slow-client policy).
 */
export interface Listener extends CommandEnv {
  readonly config: ChatConfigShape
  /** What a reload changes (flood control's budget, the message of the day): read, never copied. */
  readonly tuning: Tuned
  readonly codec: CodecShape
  readonly framing: FramingOptions
  readonly outbox: OutboxOptions
  readonly sessions: Sessions["Service"]
  readonly stats: Stats["Service"]
  readonly warnings: Warnings["Service"]
  readonly flusher: Flusher["Service"]
  /** The time now, in milliseconds since the epoch. */
  readonly now: () => number
}

/** A listener for the codec in the context, on the server's services. */
export const make: Effect.Effect<
  Listener,
  never,
  ChatConfig | Tuning | Hub | Codec | Sessions | Stats | Warnings | Flusher | Accounts | ServerOperators | ServerBans | RoomRegistry
> = Effect.gen(
  function*() {
    const config = yield* ChatConfig
    const codec = yield* Codec
    const stats = yield* Stats
    const clock = yield* Clock.Clock
    const limits = lineLimits(codec, config.maxLineBytes)
    const tuning = yield* Tuning
    return {
      config,
      tuning,
      codec,
      limits,
      hub: yield* Hub,
      sessions: yield* Sessions,
      operators: yield* ServerOperators,
      serverBans: yield* ServerBans,
      registry: yield* RoomRegistry,
      stats,
      counters: stats.counters,
      audited: stats.audited,
      warnings: yield* Warnings,
      flusher: yield* Flusher,
      framing: {
        maxLineBytes: limits.frameBytes,
        telnet: codec.telnet,
        readEndsLine: codec.readEndsLine === true,
        partials: config.floodRate > 0,
        // A held-back read waits at most for a burst's worth of tokens (a reload's burst costs a read of a connection made
        // before it a longer wait, never a stall).
        maxBatch: config.floodRate > 0 ? config.floodBurst : 1024,
        counters: stats.counters
      },
      outbox: { limit: config.outboxBytes, writeTimeout: config.writeTimeout },
      rooms: codec.rooms,
      anonymous: codec.anonymous === true,
      accounts: yield* Accounts,
      encrypted: Option.isSome(config.tls),
      requireTlsForAuth: config.requireTlsForAuth,
      about: {
        server: config.serverName,
        get motd() {
          return tuning.motd
        },
        startedAt: stats.startedAt
      },
      now: () => clock.currentTimeMillisUnsafe(),
      ids: new MessageIds()
    }
  }
)
