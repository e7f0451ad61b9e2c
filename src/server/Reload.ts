import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Semaphore from "effect/Semaphore"
import { ChatConfig, type ChatConfigShape } from "../ChatConfig.js"
import { Stats } from "../observe/Stats.js"
import { ServerBans } from "../session/ServerBans.js"
import { ServerOperators } from "../session/ServerOperators.js"
import { Tuning } from "../session/Tuning.js"
import { Certificates } from "./Certificates.js"

/** The configuration as it reads now (the file, the TLS and MOTD files again), with its log level. */
export interface Reread {
  readonly config: ChatConfigShape
  readonly logLevel: LogLevel.LogLevel
}

/** The log level in force: the loggers read it at each line, a reload changes it. */
export interface LogLevelCell {
  current: LogLevel.LogLevel
}

/** What a reload did: the settings it changed, and those that changed but wait for a restart. */
export interface Reloaded {
  readonly changed: ReadonlyArray<string>
  readonly needsRestart: ReadonlyArray<string>
  /** Server bans in force, as the store has them now. */
  readonly bans: number
}

/** The new configuration is bad (one line, as at a start): the running one is kept. */
export class ReloadRefused extends Schema.TaggedError<ReloadRefused>()("ReloadRefused", { message: Schema.String }) {}

/** The settings a reload changes while the server runs, by their flags' names; the rest need a restart. */
const live = new Set(["maxConnections", "maxPerIp", "limitLoopback", "floodRate", "floodBurst", "floodTimeout", "motd", "tls", "operators"])

/** A setting's name as the operator writes it (its flag's), for what the configuration calls it. */
const flagName = (key: string): string =>
  ({
    tls: "tls-cert/tls-key",
    redisUrl: "redis",
    store: "store/data-dir/database",
    admin: "admin-port/admin-host/admin-token-file",
    allowedOrigins: "ws-allowed-origins"
  } as Record<string, string>)[key] ?? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/**
 * Reloads the configuration without a restart (`SIGHUP`, the console's `reload`, the admin API's
 * `POST /reload`): the limits and flood control's budget, the message of the day, the TLS
 * certificate (for the connections made after it), the log level and the operators named in it
 * take effect at once, and the server bans are read from the store again; a changed setting that
 * cannot change live (a port, the store, Redis) is reported as needing a restart and left as it
 * runs. A configuration that does not read is refused whole, in one line, and nothing changes.
 */
export class Reloader extends Context.Service<Reloader, {
  /** Reloads, `by` (what asked, for the log): one at a time. */
  readonly reload: (by: string) => Effect.Effect<Reloaded, ReloadRefused>
}>()("hubbub/Reloader") {
  static readonly layer = (reread: Effect.Effect<Reread, { readonly message: string }>, level: LogLevelCell) =>
    Layer.effect(
      Reloader,
      Effect.gen(function*() {
        let running = yield* ChatConfig
        const tuning = yield* Tuning
        const operators = yield* ServerOperators
        const serverBans = yield* ServerBans
        const certificates = yield* Certificates
        const { counters } = yield* Stats
        const one = yield* Semaphore.make(1)

        const apply = Effect.fnUntraced(function*(next: Reread) {
          const changed: Array<string> = []
          const needsRestart: Array<string> = []
          for (const key of Object.keys(next.config) as Array<keyof ChatConfigShape>) {
            if (same(running[key], next.config[key])) continue
            const canChange = live.has(key) &&
              // Flood control on or off changes how connections are read; TLS on or off, what listens.
              (key !== "floodRate" || (running.floodRate > 0) === (next.config.floodRate > 0)) &&
              (key !== "tls" || Option.isSome(running.tls) === Option.isSome(next.config.tls))
            ;(canChange ? changed : needsRestart).push(flagName(key))
          }
          const config = next.config
          Object.assign(tuning, {
            maxConnections: config.maxConnections,
            maxPerIp: config.maxPerIp,
            limitLoopback: config.limitLoopback,
            floodRate: running.floodRate > 0 === config.floodRate > 0 ? config.floodRate : tuning.floodRate,
            floodBurst: config.floodBurst,
            floodTimeout: config.floodTimeout,
            motd: config.motd
          })
          if (changed.includes("tls-cert/tls-key") && Option.isSome(config.tls)) certificates.renew(config.tls.value)
          yield* reoperate(running.operators, config.operators)
          if (level.current !== next.logLevel) {
            changed.push("log-level")
            level.current = next.logLevel
          }
          // What changed live is what runs now; the rest stays as it started.
          const kept: Record<string, unknown> = { ...running }
          for (const key of live) if (!needsRestart.includes(flagName(key))) kept[key] = config[key as keyof ChatConfigShape]
          running = kept as unknown as ChatConfigShape
          const bans = yield* serverBans.reread.pipe(
            Effect.catchTag("StoreError", (error) =>
              Effect.as(Effect.logWarning(`reload: cannot read the server bans again: ${error.message}`), serverBans.list().length))
          )
          return { changed, needsRestart, bans }
        })

        /**
         * Operators named in the configuration: those it no longer names lose their powers, and those it
         * names gain them, once their account exists (one registered since the last reading included).
         */
        const reoperate = Effect.fnUntraced(function*(before: ReadonlyArray<string>, after: ReadonlyArray<string>) {
          const key = (name: string) => name.toLowerCase()
          for (const name of before) {
            if (!after.some((other) => key(other) === key(name)) && operators.remove(name)) {
              yield* Effect.logInfo(`moderation: a reload took server operator powers from ${name}`)
            }
          }
          for (const name of after) {
            if (operators.has(name)) continue
            const granted = yield* operators.grant(name).pipe(
              Effect.catchTag("StoreError", (error) =>
                Effect.as(Effect.logWarning(`reload: cannot make ${name} a server operator: ${error.message}`), undefined))
            )
            if (granted === true) yield* Effect.logInfo(`moderation: a reload made ${name} a server operator`)
            if (granted === false) {
              yield* Effect.logWarning(`server operator ${name} is no account: it has no powers until it is registered (and the configuration reloaded)`)
            }
          }
        })

        return Reloader.of({
          reload: (by) =>
            one.withPermits(1)(
              reread.pipe(
                Effect.mapError((error) => new ReloadRefused({ message: error.message })),
                // Once begun, whole: a caller that goes away (an HTTP client) does not leave it half done.
                Effect.flatMap((next) => Effect.uninterruptible(apply(next))),
                Effect.tap((done) => {
                  counters.reloads++
                  const line = done.changed.length === 0 ? "reload: nothing changed" : `reload: changed ${done.changed.join(", ")}`
                  return Effect.andThen(
                    Effect.logInfo(line).pipe(Effect.annotateLogs({ by, serverBans: done.bans })),
                    done.needsRestart.length === 0
                      ? Effect.void
                      : Effect.logWarning(`reload: changing ${done.needsRestart.join(", ")} needs a restart: still running as started`)
                  )
                }),
                Effect.tapError((error) => {
                  counters.reloadsRefused++
                  return Effect.logError(`reload refused, the running configuration kept: ${error.message}`).pipe(Effect.annotateLogs({ by }))
                })
              )
            )
        })
      })
    )
}
