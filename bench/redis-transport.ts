/**
 * `node bench/redis-transport.ts`: how a room's batches could travel between
 * servers through Redis, measured alone (no hubbub): pub/sub (`PUBLISH`, what
 * `Hub.layerRedis` does for events without history), pub/sub with the history
 * Stream written in the same script (`EVAL`: `XADD` + `PUBLISH`, what it does
 * for chat), and Streams alone (`XADD`, each server reading with
 * `XREAD BLOCK`). Two publishers (servers) and two readers (servers), each
 * publisher keeping 16 batches of 10 events (~1.2 KB) in flight; a batch
 * counts once both readers have it.
 *
 *   node bench/redis-transport.ts [--duration S] [--reps N]
 */
import { parseArgs } from "node:util"
import { createClient } from "redis"
import { Histogram } from "./Accounting.ts"
import { startRedis } from "./Peers.ts"
import * as Scripts from "../src/hub/redis/RedisScripts.ts"

const { values: flags } = parseArgs({ options: { duration: { type: "string", default: "5" }, reps: { type: "string", default: "3" } } })
const duration = Number(flags.duration)
const reps = Number(flags.reps)
const WINDOW = 16
const event = JSON.stringify({ _tag: "Chat", room: "#bench", from: "someone", text: "x".repeat(64), session: "node/s1" })

type Mode = "pubsub" | "pubsub+history" | "pubsub+history/msg" | "streams"

/** The history written as one Stream entry per message (hubbub's first version), not one per batch. */
const sayEach = `
local key = ARGV[1]..'history:'..ARGV[2]
for i = 5, #ARGV do redis.call('XADD', key, 'MAXLEN', ARGV[3], '*', 'h', ARGV[i]) end
return redis.call('PUBLISH', ARGV[1]..'room:'..ARGV[2], ARGV[4])
`

const once = async (mode: Mode, port: number) => {
  const url = `redis://127.0.0.1:${port}`
  const connect = async () => {
    const client = createClient({ url })
    client.on("error", () => undefined)
    await client.connect()
    return client
  }
  const publishers = [await connect(), await connect()]
  const readers = [await connect(), await connect()]
  await publishers[0].sendCommand(["FLUSHALL"])
  const latency = new Histogram()
  const seen = new Map<string, number>()
  const inFlight = [0, 0]
  let delivered = 0
  let running = true
  let next = 0
  const publish = (p: number) => {
    while (running && inFlight[p] < WINDOW) {
      inFlight[p]++
      const id = `${p}:${next++}`
      const payload = JSON.stringify({ at: performance.now(), id, events: Array(10).fill(event) })
      const sent = mode === "pubsub"
        ? publishers[p].sendCommand(["PUBLISH", "room:#bench", payload])
        : mode === "pubsub+history"
        ? publishers[p].sendCommand(["EVAL", Scripts.say, "0", "", "#bench", "50", payload, event, event, event, event, event, event, event, event, event, event])
        : mode === "pubsub+history/msg"
        ? publishers[p].sendCommand(["EVAL", sayEach, "0", "", "#bench", "50", payload, event, event, event, event, event, event, event, event, event, event])
        : publishers[p].sendCommand(["XADD", "room:#bench", "MAXLEN", "~", "1000", "*", "b", payload])
      sent.catch(() => undefined)
    }
  }
  const arrived = (payload: string) => {
    const { at, id } = JSON.parse(payload) as { at: number; id: string }
    const count = (seen.get(id) ?? 0) + 1
    if (count < 2) return void seen.set(id, count)
    seen.delete(id)
    delivered++
    latency.record(Math.round((performance.now() - at) * 1000))
    const p = Number(id.slice(0, id.indexOf(":")))
    inFlight[p]--
    publish(p)
  }
  if (mode === "streams") {
    for (const reader of readers) {
      void (async () => {
        let last = "$"
        while (running) {
          const reply = await reader.sendCommand(["XREAD", "BLOCK", "1000", "COUNT", "100", "STREAMS", "room:#bench", last])
            .catch(() => null) as Record<string, Array<[string, [string, string]]>> | null
          if (reply === null) continue
          for (const [id, fields] of reply["room:#bench"] ?? []) {
            last = id
            arrived(fields[1])
          }
        }
      })()
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  } else {
    // the history script keeps "" + "history:#bench" only while the room has members: make it one
    await publishers[0].sendCommand(["HSET", "members:#bench", "node/s1", "someone"])
    for (const reader of readers) await reader.subscribe("room:#bench", arrived)
  }
  const t0 = performance.now()
  publish(0)
  publish(1)
  await new Promise((resolve) => setTimeout(resolve, duration * 1000))
  running = false
  const seconds = (performance.now() - t0) / 1000
  for (const client of [...publishers, ...readers]) client.destroy()
  return { batchesPerSecond: delivered / seconds, p50: latency.percentile(0.5) / 1000, p99: latency.percentile(0.99) / 1000 }
}

const redis = await startRedis()
process.on("exit", () => void redis.stop())
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]
console.log(`Redis transports alone: 2 publishers, 2 readers, ${WINDOW} batches of 10 events in flight per publisher, ${duration} s, ${reps} run(s), ${new Date().toISOString().slice(0, 10)}`)
console.log("mode                 batches/s   events/s   p50 ms  p99 ms")
for (const mode of ["pubsub", "pubsub+history", "pubsub+history/msg", "streams"] as const) {
  const rs = []
  for (let i = 0; i < reps; i++) rs.push(await once(mode, redis.port))
  const b = median(rs.map((r) => r.batchesPerSecond))
  console.log([
    mode.padEnd(19),
    b.toFixed(0).padStart(10),
    (b * 10).toFixed(0).padStart(10),
    median(rs.map((r) => r.p50)).toFixed(2).padStart(8),
    median(rs.map((r) => r.p99)).toFixed(2).padStart(7)
  ].join(" "))
}
await redis.stop()
process.exit(0)
