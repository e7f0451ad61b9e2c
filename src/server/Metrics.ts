import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as PrometheusMetrics from "effect/observability/PrometheusMetrics"
import { Hub } from "../hub/Hub.js"
import { Sessions } from "../session/Sessions.js"
import { deliverySeconds } from "../observe/DeliveryTime.js"
import { processMetrics } from "../observe/ProcessMetrics.js"
import { type Counters, Stats } from "../observe/Stats.js"

const gauge = (name: string, description: string) => Metric.gauge(name, { description })
const counter = (name: string, description: string) => Metric.counter(name, { description, incremental: true })

const connections = gauge("hubbub_connections", "Open sessions, by protocol (text, irc, seed, json: the WebSocket)")
const registered = gauge("hubbub_sessions_registered", "Sessions with a nickname")
const rooms = gauge("hubbub_rooms", "Rooms (#lobby always exists)")
const outboxBytes = gauge("hubbub_outbox_bytes", "Bytes queued in the server for clients that have not taken them yet")
const disconnects = counter("hubbub_disconnects_total", "Sessions ended, by reason")
const linkUp = gauge("hubbub_cluster_link_up", "1 while the link to the other servers (Redis) is up, 0 while it is lost or Redis does not answer; only with --redis")
const linkDegraded = gauge("hubbub_cluster_link_degraded", "1 while Redis refuses what this server sends (error replies), 0 otherwise; only with --redis")
const moderation = counter("hubbub_moderation_actions_total", "Room operators' actions, by action (kick, mode, invite)")
const refused = counter("hubbub_cluster_refused_total", "Commands Redis answered with an error (out of memory, read-only, ...), history writes included; only with --redis")

/** The server's own counters, and the metric each one is. */
const counted: ReadonlyArray<readonly [keyof Counters, Metric.Counter<number>]> = [
  ["connections", counter("hubbub_connections_accepted_total", "Connections served")],
  ["refused", counter("hubbub_connections_refused_total", "Connections refused (server full, per-address limit, stopping)")],
  ["linesIn", counter("hubbub_lines_received_total", "Lines received from clients (nicknames, commands, chat)")],
  ["messagesIn", counter("hubbub_messages_received_total", "Messages clients sent: chat, actions, private messages")],
  ["messagesOut", counter("hubbub_events_delivered_total", "Events delivered to clients, counted per recipient")],
  ["bytesIn", counter("hubbub_bytes_received_total", "Bytes read from clients")],
  ["bytesOut", counter("hubbub_bytes_sent_total", "Bytes written to clients")],
  ["floodDelays", counter("hubbub_flood_delays_total", "Reads flood control held back")],
  ["reloads", counter("hubbub_config_reloads_total", "Configuration reloads done (SIGHUP, the console's reload, POST /reload)")],
  ["reloadsRefused", counter("hubbub_config_reloads_refused_total", "Configuration reloads refused: the new configuration was bad, the running one kept")]
]

/**
 * The server's metrics as Effect metrics, in a registry of its own (two
 * servers in one process do not add up), rendered in Prometheus' text format.
 * What the hot path counts (lines, deliveries, bytes) it counts in plain
 * numbers; they become the metrics when they are read, not on every line.
 */
export class ServerMetrics extends Context.Service<ServerMetrics, {
  /** Every metric, in the Prometheus text exposition format. */
  readonly prometheus: Effect.Effect<string>
}>()("hubbub/ServerMetrics") {
  /** A registry for the server's fibers, provided to them as Effect's `MetricRegistry`. */
  static readonly layerRegistry = Layer.sync(Metric.MetricRegistry, () => new Map())

  static readonly layer = Layer.effect(
    ServerMetrics,
    Effect.gen(function*() {
      const registry = yield* Metric.MetricRegistry
      const stats = yield* Stats
      const sessions = yield* Sessions
      const hub = yield* Hub
      const updateProcess = yield* processMetrics
      const reported = new Map<string, number>()
      // Counters only go up: each takes what was added since the last read.
      const add = (key: string, metric: Metric.Counter<number>, now: number) => {
        const before = reported.get(key)
        reported.set(key, now)
        // The first read shows every counter, at 0 if nothing happened yet.
        return before === undefined || now > before ? Metric.update(metric, now - (before ?? 0)) : Effect.void
      }
      const read = Effect.gen(function*() {
        const byProtocol = new Map<string, number>()
        let nicks = 0
        let queued = 0
        for (const handle of sessions.live.values()) {
          byProtocol.set(handle.protocol, (byProtocol.get(handle.protocol) ?? 0) + 1)
          if (handle.nick !== undefined) nicks++
          queued += handle.outboxBytes
        }
        for (const protocol of ["text", "irc", "seed", "json"]) {
          byProtocol.set(protocol, byProtocol.get(protocol) ?? 0)
        }
        for (const [protocol, count] of byProtocol) {
          yield* Metric.update(Metric.withAttributes(connections, { protocol }), count)
        }
        yield* Metric.update(registered, nicks)
        yield* Metric.update(outboxBytes, queued)
        yield* Metric.update(rooms, (yield* hub.rooms).length)
        const link = yield* hub.link
        if (link !== "alone") {
          yield* Metric.update(linkUp, link === "down" ? 0 : 1)
          yield* Metric.update(linkDegraded, link === "degraded" ? 1 : 0)
          yield* add("cluster:refused", refused, yield* hub.refusals)
        }
        for (const [key, metric] of counted) yield* add(key, metric, stats.counters[key])
        // Shown before the first pass is observed, with no observations.
        yield* Metric.value(deliverySeconds)
        for (const [action, count] of stats.auditedBy) {
          yield* add(`audited:${action}`, Metric.withAttributes(moderation, { action }), count)
        }
        for (const [reason, count] of stats.closedBy) {
          yield* add(`closed:${reason}`, Metric.withAttributes(disconnects, { reason }), count)
        }
        yield* updateProcess
        return yield* PrometheusMetrics.format()
      })
      return ServerMetrics.of({
        prometheus: read.pipe(Effect.provideService(Metric.MetricRegistry, registry))
      })
    })
  )
}
