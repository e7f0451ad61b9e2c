/**
 * `npm run bench`: hubbub against the ceiling of Node (a minimal node:net
 * broadcast server writing once per socket per event-loop turn), Redis
 * pub/sub, and the design card at its most direct (a minimal Effect server:
 * PubSub, a fiber per connection and per subscriber), measured in the same run
 * on this machine, so every figure can be read as a ratio. Flood control is
 * off for hubbub: this measures the hub.
 *
 *   npm run bench -- [--quick] [--duration S] [--reps N] [--scenarios fanout,protocols,idle,rooms,slow,lifecycle,cluster]
 *                    [--sizes 10,100,500,1000] [--idle-clients N] [--rooms N]
 *                    [--servers hubbub,node:net,redis,effect,hubbub:platform,hubbub:baseline,hubbub:baseline:irc,hubbub:irc,hubbub:irc-tags,hubbub:ws,hubbub:redis,hubbub:cluster]
 *
 * BENCH_CPU_PROF=DIR writes a CPU profile of every hubbub server to DIR; BENCH_BASELINE=DIR (a checkout with
 * dist/ built) is the build `hubbub:baseline` and `hubbub:baseline:irc` run, for a before and after in one run.
 */
import { execFileSync, spawn } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import type * as Net from "node:net"
import * as Os from "node:os"
import { parseArgs } from "node:util"
import { encodeMessage, Histogram, Receiver } from "./Accounting.ts"
import { chart } from "./Chart.ts"
import {
  type PeerName,
  portOf,
  protocols,
  redisServer,
  type Server,
  type Wire,
  serverEnv,
  serverNode,
  serverStats,
  startHubbub,
  startHubbubCluster,
  startHubbubRedis,
  startHubbubIrc,
  startHubbubWs,
  freePort,
  startEffect,
  startNet,
  startRedis
} from "./Peers.ts"
import { loginStorm, startHubbubSqlite, startupWithHistory } from "./store.ts"

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    duration: { type: "string" },
    reps: { type: "string" },
    scenarios: { type: "string", default: "fanout,protocols,idle,rooms,slow,lifecycle,cluster,store" },
    sizes: { type: "string" },
    "idle-clients": { type: "string" },
    rooms: { type: "string" },
    servers: { type: "string", default: "hubbub,hubbub:irc,hubbub:ws,node:net,redis,effect" },
    out: { type: "string", default: "bench-results" }
  }
})
const quick = flags.quick
const duration = Number(flags.duration ?? (quick ? 1 : 5))
const reps = Number(flags.reps ?? (quick ? 1 : 3))
const sizes = (flags.sizes ?? (quick ? "10,100" : "10,100,500,1000")).split(",").map(Number)
const idleClients = Number(flags["idle-clients"] ?? (quick ? 1000 : 10_000))
const roomCount = Number(flags.rooms ?? (quick ? 10 : 100))
const scenarios = new Set(flags.scenarios.split(","))
const SENDERS = 10
const WINDOW = 16

let wanted = flags.servers.split(",") as Array<PeerName>
if (wanted.includes("redis") && redisServer() === undefined) {
  console.log("NOTE: redis-server was not found (Debian: apt-get install redis-server); Redis is left out of this run.")
  wanted = wanted.filter((s) => s !== "redis")
}
/** The previous build to measure against (`hubbub:baseline`, `hubbub:baseline:irc`): BENCH_BASELINE=DIR. */
const baseline = () => {
  const checkout = process.env.BENCH_BASELINE
  if (checkout === undefined) throw new Error("hubbub:baseline needs BENCH_BASELINE=DIR, a checkout of hubbub with dist/ built")
  return checkout
}
const starters: Record<PeerName, () => Promise<Server>> = {
  // With its HTTP listener on (the page, /ws, /metrics), as the floors are stated; its clients are on the text port.
  hubbub: async () => startHubbub(["--http-port", String(await freePort())]),
  "hubbub:platform": () => startHubbub(["--socket-server", "platform"], "hubbub:platform"),
  "hubbub:irc": () => startHubbubIrc(),
  "hubbub:irc-tags": () => startHubbubIrc("hubbub:irc-tags"),
  "hubbub:ws": startHubbubWs,
  // Started as hubbub is, so that the two differ only in their code.
  "hubbub:baseline": async () => startHubbub(["--http-port", String(await freePort())], "hubbub:baseline", baseline()),
  "hubbub:baseline:irc": () => startHubbubIrc("hubbub:baseline:irc", baseline()),
  "hubbub:redis": startHubbubRedis,
  "hubbub:cluster": startHubbubCluster,
  "hubbub:sqlite": startHubbubSqlite,
  "node:net": startNet,
  redis: startRedis,
  effect: startEffect
}

const clockStart = performance.now()
const micros = () => Math.round((performance.now() - clockStart) * 1000)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]
const mib = (bytes: number) => bytes / 1048576
const progress = (text: string) => process.stdout.write(process.stdout.isTTY ? `\r\x1b[K${text}` : `${text}\n`)

/** Opens `count` subscribers, a few hundred at a time. */
const subscribers = async (server: Server, count: number) => {
  const protocol = protocols[server.name]
  const sockets: Array<Wire> = []
  for (let i = 0; i < count; i += 250) {
    sockets.push(...await Promise.all(
      Array.from({ length: Math.min(250, count - i) }, (_, k) => protocol.subscriber(portOf(server, i + k), i + k))
    ))
  }
  return sockets
}

interface FanoutResult {
  deliveriesPerSecond: number
  p50: number
  p99: number
  p999: number
  lost: number
  outOfOrder: number
  serverCpu: number
  serverRss: number
  loadCpu: number
  /** Deliveries per write call of the server (its batching). */
  perWrite: number
}

/**
 * N clients in one room; SENDERS of them send, each with at most WINDOW of its
 * own messages in flight (a sender's next message goes out when one of its own
 * comes back to it). Optionally one more client that never reads.
 */
const fanout = async (server: Server, n: number, options: { stuck?: boolean; rssSamples?: Array<number> } = {}) => {
  const protocol = protocols[server.name]
  const sockets = await subscribers(server, n)
  // Without echo, the first client that does not send paces every sender (it sees all their messages).
  const echo = protocol.echo !== false
  const k = Math.min(SENDERS, echo ? n : n - 1)
  const sent = new Int32Array(k)
  const acked = new Int32Array(k)
  let running = false
  let counting = false
  const publishers: Array<Wire> = []
  // Acks only mark senders; once per event-loop turn each marked sender tops up its window in one write.
  const dirty = new Set<number>()
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (!running) return
    const now = micros()
    for (const s of dirty) {
      let batch = ""
      while (sent[s] - acked[s] < WINDOW) batch += protocol.frame(encodeMessage(s, sent[s]++, now))
      if (batch !== "") publishers[s].write(batch)
    }
    dirty.clear()
  }
  const refill = (s: number) => {
    dirty.add(s)
    if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }
  const receivers = sockets.map((socket, i) => {
    const paces = echo ? i < k : i === k
    const receiver = new Receiver(k, paces ? (sender, seq) => {
      if (echo && sender !== i) return
      acked[sender] = Math.max(acked[sender], seq + 1)
      refill(sender)
    } : undefined)
    socket.onBytes = (bytes) => receiver.push(bytes, micros(), counting)
    return receiver
  })
  for (let s = 0; s < k; s++) publishers.push(await protocol.publisher(portOf(server, s), s, sockets[s]))
  let stuck: Net.Socket | undefined
  if (options.stuck) {
    stuck = await protocol.subscriber(server.port, n)
    stuck.pause()
  }
  await sleep(200)

  const before = serverStats(server)
  const loadBefore = process.cpuUsage()
  running = true
  counting = true
  for (let s = 0; s < k; s++) refill(s)
  const end = Date.now() + duration * 1000
  while (Date.now() < end) {
    await sleep(100)
    options.rssSamples?.push(serverStats(server).rss)
  }
  counting = false
  running = false
  const after = serverStats(server)
  const load = process.cpuUsage(loadBefore)
  // let what is in flight arrive (bounded)
  const expected = () => {
    let total = 0
    for (let s = 0; s < k; s++) total += sent[s]
    return total * receivers.length
  }
  const drainBy = Date.now() + 5000
  while (receivers.reduce((a, r) => a + r.received, 0) < expected() && Date.now() < drainBy) await sleep(20)

  const latency = new Histogram()
  let inWindow = 0
  let lost = 0
  let outOfOrder = 0
  receivers.forEach((r, i) => {
    latency.merge(r.latency)
    inWindow += r.inWindow
    // a sender that gets no echo misses nothing by not getting its own
    lost += r.lost(sent) - (!echo && i < k ? r.missingFrom(i, sent[i]) : 0)
    outOfOrder += r.outOfOrder
  })
  for (const s of [...sockets, ...publishers]) s.destroy()
  stuck?.destroy()
  return {
    perWrite: inWindow / Math.max(1, after.writes - before.writes),
    deliveriesPerSecond: inWindow / duration,
    p50: latency.percentile(0.5) / 1000,
    p99: latency.percentile(0.99) / 1000,
    p999: latency.percentile(0.999) / 1000,
    lost,
    outOfOrder,
    serverCpu: (after.cpuSeconds - before.cpuSeconds) / duration,
    serverRss: after.rss,
    loadCpu: (load.user + load.system) / 1e6 / duration
  } satisfies FanoutResult
}

/**
 * The same offered load for any protocol: `n` clients in one room, SENDERS of
 * them sending `rate` messages a second in all (open loop, every 10 ms), so
 * that the server's CPU per delivery compares protocols at equal work.
 */
const steady = async (server: Server, n: number, rate: number) => {
  const protocol = protocols[server.name]
  const sockets = await subscribers(server, n)
  const k = Math.min(SENDERS, n - 1)
  const sent = new Int32Array(k)
  const receivers = sockets.map((socket) => {
    const receiver = new Receiver(k)
    socket.onBytes = (bytes) => receiver.push(bytes, micros(), true)
    return receiver
  })
  const publishers: Array<Wire> = []
  for (let s = 0; s < k; s++) publishers.push(await protocol.publisher(portOf(server, s), s, sockets[s]))
  await sleep(200)
  const seconds = Math.max(quick ? 2 : 5, duration)
  const perTick = rate / 100
  let owed = 0
  let next = 0
  const before = serverStats(server)
  const loadBefore = process.cpuUsage()
  const timer = setInterval(() => {
    owed += perTick
    const now = micros()
    const batches: Array<string> = Array.from({ length: k }, () => "")
    for (; owed >= 1; owed--) {
      const s = next++ % k
      batches[s] += protocol.frame(encodeMessage(s, sent[s]++, now))
    }
    batches.forEach((batch, s) => batch !== "" && publishers[s].write(batch))
  }, 10)
  await sleep(seconds * 1000)
  clearInterval(timer)
  const echo = protocol.echo !== false
  const expected = sent.reduce((a, b) => a + b, 0) * (echo ? n : n - 1)
  const drainBy = Date.now() + 5000
  while (receivers.reduce((a, r) => a + r.received, 0) < expected && Date.now() < drainBy) await sleep(20)
  const after = serverStats(server)
  const load = process.cpuUsage(loadBefore)
  const delivered = receivers.reduce((a, r) => a + r.received, 0)
  const latency = new Histogram()
  for (const r of receivers) latency.merge(r.latency)
  for (const s of sockets) s.destroy()
  return {
    delivered,
    expected,
    cpuPerDelivery: (after.cpuSeconds - before.cpuSeconds) / delivered,
    perWrite: delivered / Math.max(1, after.writes - before.writes),
    p99: latency.percentile(0.99) / 1000,
    loadCpuPerDelivery: (load.user + load.system) / 1e6 / delivered
  }
}

/** Many idle clients in one room, one sender at 10 messages per second. */
const idle = async (server: Server, n: number) => {
  const base = serverStats(server).rss
  const t0 = Date.now()
  const sockets = await subscribers(server, n)
  const joinSeconds = (Date.now() - t0) / 1000
  await sleep(500)
  const joinedRss = serverStats(server).rss
  const sent = new Int32Array(1)
  const receivers = sockets.map((socket) => {
    const receiver = new Receiver(1)
    socket.onBytes = (bytes) => receiver.push(bytes, micros(), true)
    return receiver
  })
  const protocol = protocols[server.name]
  const publisher = await protocol.publisher(portOf(server, 0), 0, sockets[0])
  // Without echo the sender (the first client) gets none of its own.
  const echo = protocol.echo !== false
  const seconds = Math.max(quick ? 2 : 5, duration)
  const cpuBefore = serverStats(server).cpuSeconds
  const loadBefore = process.cpuUsage()
  const timer = setInterval(() => publisher.write(protocol.frame(encodeMessage(0, sent[0]++, micros()))), 100)
  await sleep(seconds * 1000)
  clearInterval(timer)
  const drainBy = Date.now() + 5000
  while (receivers.reduce((a, r) => a + r.received, 0) < sent[0] * (echo ? n : n - 1) && Date.now() < drainBy) await sleep(20)
  const latency = new Histogram()
  let lost = 0
  receivers.forEach((r, i) => {
    latency.merge(r.latency)
    lost += r.lost(sent) - (!echo && i === 0 ? r.missingFrom(0, sent[0]) : 0)
  })
  const stats = serverStats(server)
  const load = process.cpuUsage(loadBefore)
  for (const s of sockets) s.destroy()
  if (publisher !== sockets[0]) publisher.destroy()
  return {
    clients: n,
    serverCpu: (stats.cpuSeconds - cpuBefore) / seconds,
    joinSeconds,
    messages: sent[0],
    p50: latency.percentile(0.5) / 1000,
    p99: latency.percentile(0.99) / 1000,
    max: latency.max / 1000,
    lost,
    rss: stats.rss,
    peakRss: stats.peakRss,
    bytesPerConnection: (joinedRss - base) / n,
    loadCpu: (load.user + load.system) / 1e6 / seconds
  }
}

/**
 * Many clients in many rooms: `rooms` rooms of `n / rooms` members, one
 * sender per room at 1 message per second (staggered). A hub should cost per
 * message what the room's size costs, not what the whole server's does.
 */
const roomy = async (server: Server, n: number, rooms: number) => {
  const protocol = protocols[server.name]
  const sockets: Array<Wire> = []
  for (let i = 0; i < n; i += 250) {
    sockets.push(...await Promise.all(
      Array.from({ length: Math.min(250, n - i) }, (_, k) => protocol.member!(portOf(server, i + k), i + k, (i + k) % rooms))
    ))
  }
  await sleep(500)
  const sent = new Int32Array(rooms)
  const receivers = sockets.map((socket) => {
    const receiver = new Receiver(rooms)
    socket.onBytes = (bytes) => receiver.push(bytes, micros(), true)
    return receiver
  })
  // sockets[r] is the first member of room r; publishers are separate connections where the protocol needs them
  const publishers: Array<Wire> = []
  for (let r = 0; r < rooms; r++) publishers.push(await protocol.publisher(portOf(server, r), r, sockets[r]))
  // 100 messages a second: 15 s puts 15 messages' deliveries above the p99, where 5 s put five.
  const seconds = Math.max(quick ? 2 : 15, duration)
  const cpuBefore = serverStats(server).cpuSeconds
  const loadBefore = process.cpuUsage()
  let next = 0
  const timer = setInterval(() => {
    const r = next++ % rooms
    publishers[r].write(protocol.frame(encodeMessage(r, sent[r]++, micros()), r))
  }, 1000 / rooms)
  await sleep(seconds * 1000)
  clearInterval(timer)
  const expected = () => {
    let total = 0
    for (let i = 0; i < sockets.length; i++) total += sent[i % rooms]
    return total
  }
  const drainBy = Date.now() + 5000
  while (receivers.reduce((a, r) => a + r.received, 0) < expected() && Date.now() < drainBy) await sleep(20)
  const latency = new Histogram()
  let lost = 0
  let delivered = 0
  receivers.forEach((r, i) => {
    latency.merge(r.latency)
    const own = new Int32Array(rooms)
    own[i % rooms] = sent[i % rooms]
    lost += r.lost(own)
    delivered += r.received
  })
  const stats = serverStats(server)
  const load = process.cpuUsage(loadBefore)
  for (const s of sockets) s.destroy()
  for (let r = 0; r < rooms; r++) if (publishers[r] !== sockets[r]) publishers[r].destroy()
  return {
    clients: n,
    rooms,
    messages: sent.reduce((a, b) => a + b, 0),
    delivered,
    serverCpu: (stats.cpuSeconds - cpuBefore) / seconds,
    p50: latency.percentile(0.5) / 1000,
    p99: latency.percentile(0.99) / 1000,
    max: latency.max / 1000,
    lost,
    loadCpu: (load.user + load.system) / 1e6 / seconds
  }
}

/** Startup to the "listening" log line (median of 5 starts), and shutdown with 1,000 connected clients (hubbub only). */
const lifecycle = async () => {
  const starts: Array<number> = []
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now()
    const child = spawn(serverNode, ["dist/main.js", "--port", "0"], { stdio: ["ignore", "ignore", "pipe"], env: serverEnv })
    await new Promise<void>((resolve) =>
      child.stderr!.on("data", (text: Buffer) => {
        if (text.toString().includes("listening on")) resolve()
      })
    )
    starts.push(performance.now() - t0)
    child.kill("SIGKILL")
  }
  const server = await startHubbub()
  const sockets = await subscribers(server, 1000)
  const t1 = performance.now()
  await server.stop()
  const shutdownMs = performance.now() - t1
  for (const s of sockets) s.destroy()
  return { startupMs: median(starts), shutdownMs }
}

const results: Record<string, unknown> = {}
const run = async <A>(name: PeerName, f: (server: Server) => Promise<A>): Promise<A> => {
  const server = await starters[name]()
  try {
    return await f(server)
  } finally {
    await server.stop()
  }
}

const machine = `${Os.cpus().length} cores (${Os.cpus()[0]?.model.trim()}), ${Math.round(Os.totalmem() / 2 ** 30)} GiB`
const header = [
  `hubbub benchmark, ${new Date().toISOString().slice(0, 10)}, ${machine}`,
  `servers on Node ${nodeVersion()}, load generator on Node ${process.version}; one load generator process;` +
  ` ${SENDERS} senders with ${WINDOW} messages in flight each, 64-byte lines, ${duration} s per run, ${reps} run(s) each;` +
  ` hubbub with flood control off`
]
console.log(header.join("\n"))

function nodeVersion() {
  return execFileSync(serverNode, ["--version"], { encoding: "utf8" }).trim()
}

const lines: Array<string> = []
const say = (line: string) => {
  if (process.stdout.isTTY) progress("")
  console.log(line)
  lines.push(line)
}
const fmtM = (x: number) => `${(x / 1e6).toFixed(2)} M/s`
const fmtRange = (xs: ReadonlyArray<number>, f: (x: number) => string) =>
  xs.length === 1 ? f(xs[0]) : `${f(median(xs))} (${f(Math.min(...xs))}-${f(Math.max(...xs))})`

if (scenarios.has("fanout")) {
  const fan: Record<string, Record<number, Array<FanoutResult>>> = {}
  for (const n of sizes) {
    for (let rep = 0; rep < reps; rep++) {
      for (const name of wanted) {
        progress(`fan-out: N=${n}, ${name}, run ${rep + 1} of ${reps}`)
        const r = await run(name, (server) => fanout(server, n))
        ;((fan[name] ??= {})[n] ??= []).push(r)
      }
    }
  }
  results.fanout = fan
  say("")
  say("Fan-out: deliveries/s (messages received, summed over clients) and latency; median (min-max) of the runs")
  say("N     server    deliveries/s              vs redis  vs node:net  p50 ms  p99 ms  p99.9 ms  lost  reordered  server CPU  server RSS  load CPU  per write")
  for (const n of sizes) {
    const med = (name: string) => fan[name] ? median(fan[name][n].map((r) => r.deliveriesPerSecond)) : NaN
    for (const name of wanted) {
      const rs = fan[name][n]
      const d = rs.map((r) => r.deliveriesPerSecond)
      say([
        String(n).padEnd(5),
        name.padEnd(15),
        fmtRange(d, fmtM).padEnd(25),
        (med(name) / med("redis")).toFixed(2).padStart(8),
        (med(name) / med("node:net")).toFixed(2).padStart(11),
        median(rs.map((r) => r.p50)).toFixed(1).padStart(7),
        median(rs.map((r) => r.p99)).toFixed(1).padStart(7),
        median(rs.map((r) => r.p999)).toFixed(1).padStart(9),
        String(rs.reduce((a, r) => a + r.lost, 0)).padStart(5),
        String(rs.reduce((a, r) => a + r.outOfOrder, 0)).padStart(10),
        `${(median(rs.map((r) => r.serverCpu)) * 100).toFixed(0)}%`.padStart(11),
        `${mib(median(rs.map((r) => r.serverRss))).toFixed(0)} MiB`.padStart(11),
        `${(median(rs.map((r) => r.loadCpu)) * 100).toFixed(0)}%`.padStart(9),
        median(rs.map((r) => r.perWrite)).toFixed(1).padStart(10)
      ].join(" "))
    }
  }
  for (const irc of ["hubbub:irc", "hubbub:irc-tags"] as const) {
    if (!fan.hubbub || !fan[irc]) continue
    // Server CPU per delivery, IRC clients against text clients, run by run.
    const perDelivery = (r: FanoutResult) => r.serverCpu / r.deliveriesPerSecond
    say("")
    say(`${irc === "hubbub:irc" ? "IRC clients" : "IRC clients with server-time and message-tags"} against text clients: server CPU per delivery, median (min-max) of the runs' ratios`)
    for (const n of sizes) {
      const ratios = fan[irc][n].map((r, i) => perDelivery(r) / perDelivery(fan.hubbub[n][i]))
      say(`N=${n}: ${fmtRange(ratios, (x) => x.toFixed(2))} (${(median(fan.hubbub[n].map(perDelivery)) * 1e9).toFixed(0)} ns text, ${(median(fan[irc][n].map(perDelivery)) * 1e9).toFixed(0)} ns IRC)`)
    }
  }
}

if (scenarios.has("protocols") && wanted.includes("hubbub") && wanted.includes("hubbub:irc")) {
  type Steady = Awaited<ReturnType<typeof steady>>
  // Of the two loads, those whose size --sizes names.
  const loads = ([[100, 10_000], [500, 2_000]] as const).filter(([n]) => sizes.includes(n))
  // IRC with server-time and message-tags too, when asked for (--servers ...,hubbub:irc-tags).
  const ircs = wanted.includes("hubbub:irc-tags") ? ["hubbub:irc", "hubbub:irc-tags"] as const : ["hubbub:irc"] as const
  const out: Record<string, Record<number, Array<Steady>>> = {}
  for (const [n, rate] of loads) {
    for (let rep = 0; rep < reps; rep++) {
      for (const name of ["hubbub", ...ircs] as const) {
        progress(`protocols: N=${n} at ${rate} messages/s, ${name}, run ${rep + 1} of ${reps}`)
        ;((out[name] ??= {})[n] ??= []).push(await run(name, (server) => steady(server, n, rate)))
      }
    }
  }
  results.protocols = out
  say("")
  say("Text and IRC clients at the same load (one room, 10 senders, 1 M deliveries/s): server CPU per delivery; median (min-max) of the runs")
  // The load generator's own CPU per delivery beside it: it shares the machine, and a server whose clients cost it
  // more to read is written to in smaller batches (lines per write), which costs the server more per delivery.
  say("N     messages/s  IRC clients      text ns  IRC ns  IRC / text         lines/write text, IRC  load ns text, IRC  IRC p99 ms  delivered")
  for (const [n, rate] of loads) {
    const text = out.hubbub[n]
    for (const name of ircs) {
      const irc = out[name][n]
      const ratios = irc.map((r, i) => r.cpuPerDelivery / text[i].cpuPerDelivery)
      say([
        String(n).padEnd(5),
        String(rate).padStart(10),
        (name === "hubbub:irc" ? "plain" : "server-time+tags").padStart(16),
        (median(text.map((r) => r.cpuPerDelivery)) * 1e9).toFixed(0).padStart(8),
        (median(irc.map((r) => r.cpuPerDelivery)) * 1e9).toFixed(0).padStart(7),
        fmtRange(ratios, (x) => x.toFixed(2)).padStart(18),
        `${median(text.map((r) => r.perWrite)).toFixed(0)}, ${median(irc.map((r) => r.perWrite)).toFixed(0)}`.padStart(22),
        `${(median(text.map((r) => r.loadCpuPerDelivery)) * 1e9).toFixed(0)}, ${(median(irc.map((r) => r.loadCpuPerDelivery)) * 1e9).toFixed(0)}`.padStart(18),
        median(irc.map((r) => r.p99)).toFixed(1).padStart(11),
        `${[...text, ...irc].reduce((a, r) => a + r.delivered, 0)} of ${[...text, ...irc].reduce((a, r) => a + r.expected, 0)}`.padStart(10)
      ].join(" "))
    }
  }
}

if (scenarios.has("idle")) {
  type Idle = Awaited<ReturnType<typeof idle>>
  const out: Record<string, Array<Idle>> = {}
  for (let rep = 0; rep < reps; rep++) {
    for (const name of wanted) {
      progress(`idle: ${idleClients} clients, ${name}, run ${rep + 1} of ${reps}`)
      ;(out[name] ??= []).push(await run(name, (server) => idle(server, idleClients)))
    }
  }
  results.idle = out
  say("")
  say(`Idle: ${idleClients} clients in one room, one sender at 10 messages/s; median (min-max) of the runs`)
  say("server    all joined in  p50 ms  p99 ms              max ms  lost  server CPU  server RSS  per connection  load CPU")
  for (const name of wanted) {
    const rs = out[name]
    const med = (f: (r: Idle) => number) => median(rs.map(f))
    say([
      name.padEnd(15),
      `${med((r) => r.joinSeconds).toFixed(1)} s`.padStart(13),
      med((r) => r.p50).toFixed(1).padStart(7),
      fmtRange(rs.map((r) => r.p99), (x) => x.toFixed(0)).padStart(15),
      med((r) => r.max).toFixed(1).padStart(11),
      String(rs.reduce((a, r) => a + r.lost, 0)).padStart(5),
      `${(med((r) => r.serverCpu) * 100).toFixed(0)}%`.padStart(11),
      `${mib(med((r) => r.rss)).toFixed(0)} MiB`.padStart(11),
      `${(med((r) => r.bytesPerConnection) / 1024).toFixed(1)} KiB`.padStart(15),
      `${(med((r) => r.loadCpu) * 100).toFixed(0)}%`.padStart(9)
    ].join(" "))
  }
}

if (scenarios.has("rooms")) {
  type Rooms = Awaited<ReturnType<typeof roomy>>
  const withRooms = wanted.filter((name) => protocols[name].member !== undefined)
  const out: Record<string, Array<Rooms>> = {}
  for (let rep = 0; rep < reps; rep++) {
    for (const name of withRooms) {
      progress(`rooms: ${idleClients} clients in ${roomCount} rooms, ${name}, run ${rep + 1} of ${reps}`)
      ;(out[name] ??= []).push(await run(name, (server) => roomy(server, idleClients, roomCount)))
    }
  }
  results.rooms = out
  say("")
  say(
    `Rooms: ${idleClients} clients in ${roomCount} rooms, one sender per room at 1 message/s for ${quick ? 2 : Math.max(15, duration)} s; median (min-max) of the runs (servers with rooms only)`
  )
  say("server    messages  deliveries  p50 ms  p99 ms              max ms  lost  server CPU  load CPU")
  for (const name of withRooms) {
    const rs = out[name]
    const med = (f: (r: Rooms) => number) => median(rs.map(f))
    say([
      name.padEnd(15),
      String(med((r) => r.messages)).padStart(8),
      String(med((r) => r.delivered)).padStart(11),
      med((r) => r.p50).toFixed(1).padStart(7),
      fmtRange(rs.map((r) => r.p99), (x) => x.toFixed(1)).padStart(15),
      med((r) => r.max).toFixed(1).padStart(11),
      String(rs.reduce((a, r) => a + r.lost, 0)).padStart(5),
      `${(med((r) => r.serverCpu) * 100).toFixed(0)}%`.padStart(11),
      `${(med((r) => r.loadCpu) * 100).toFixed(0)}%`.padStart(9)
    ].join(" "))
  }
}

if (scenarios.has("slow")) {
  type Slow = { without: Array<FanoutResult>; with: Array<FanoutResult>; rss: Array<number>; baseline: Array<number> }
  const out: Record<string, Slow> = {}
  // Runs with and without the stuck client alternate, so that both see the machine in the same state.
  for (let rep = 0; rep < reps; rep++) {
    for (const name of wanted) {
      progress(`slow reader: ${name}, run ${rep + 1} of ${reps}`)
      const r = out[name] ??= { without: [], with: [], rss: [], baseline: [] }
      r.without.push(await run(name, (server) => fanout(server, 100, { rssSamples: r.baseline })))
      r.with.push(await run(name, (server) => fanout(server, 100, { stuck: true, rssSamples: r.rss })))
    }
  }
  results.slow = out
  say("")
  say(`One client that never reads, among 100 (10 sending); median of ${reps} runs each, ratio min-max over the pairs`)
  say("server    deliveries/s without  with        ratio              peak server RSS without  with")
  for (const name of wanted) {
    const r = out[name]
    const without = median(r.without.map((x) => x.deliveriesPerSecond))
    const withStuck = median(r.with.map((x) => x.deliveriesPerSecond))
    const pairs = r.with.map((x, i) => x.deliveriesPerSecond / r.without[i].deliveriesPerSecond)
    say([
      name.padEnd(15),
      fmtM(without).padStart(20),
      fmtM(withStuck).padStart(11),
      `${(withStuck / without).toFixed(2)} (${Math.min(...pairs).toFixed(2)}-${Math.max(...pairs).toFixed(2)})`.padStart(18),
      `${mib(Math.max(...r.baseline)).toFixed(0)} MiB`.padStart(24),
      `${mib(Math.max(...r.rss)).toFixed(0)} MiB`.padStart(8)
    ].join(" "))
  }
}

if (scenarios.has("lifecycle") && wanted.includes("hubbub")) {
  progress("lifecycle: startup and shutdown")
  const r = await lifecycle()
  results.lifecycle = r
  say("")
  say(`hubbub startup to listening (median of 5, on ${nodeVersion()}): ${r.startupMs.toFixed(0)} ms; shutdown with 1,000 clients: ${r.shutdownMs.toFixed(0)} ms`)
}

if (scenarios.has("cluster") && wanted.includes("hubbub") && wanted.includes("redis")) {
  // What Redis costs one server, and what a second server costs and gains: the same fan-out, and idle clients split.
  const n = 100
  const fanNames = ["hubbub", "hubbub:redis", "hubbub:cluster", "redis"] as const
  const fan: Record<string, Array<FanoutResult>> = {}
  const idleNames = ["hubbub", "hubbub:cluster"] as const
  type Idle = Awaited<ReturnType<typeof idle>>
  const idles: Record<string, Array<Idle>> = {}
  for (let rep = 0; rep < reps; rep++) {
    for (const name of fanNames) {
      progress(`cluster: fan-out N=${n}, ${name}, run ${rep + 1} of ${reps}`)
      ;(fan[name] ??= []).push(await run(name, (server) => fanout(server, n)))
    }
    for (const name of idleNames) {
      progress(`cluster: ${idleClients} idle clients, ${name}, run ${rep + 1} of ${reps}`)
      ;(idles[name] ??= []).push(await run(name, (server) => idle(server, idleClients)))
    }
  }
  results.cluster = { fanout: fan, idle: idles }
  const med = (name: string) => median(fan[name].map((r) => r.deliveriesPerSecond))
  say("")
  say(`Cluster: fan-out at N=${n} (hubbub:redis: one server through Redis; hubbub:cluster: two servers on one Redis, the clients split); median (min-max) of the runs`)
  say("server          deliveries/s               × hubbub  × Redis  p50 ms  p99 ms  lost  out of order  CPU (all processes)  RSS (all)")
  for (const name of fanNames) {
    const rs = fan[name]
    say([
      name.padEnd(15),
      fmtRange(rs.map((r) => r.deliveriesPerSecond), fmtM).padEnd(25),
      (med(name) / med("hubbub")).toFixed(2).padStart(9),
      (med(name) / med("redis")).toFixed(2).padStart(8),
      median(rs.map((r) => r.p50)).toFixed(1).padStart(7),
      median(rs.map((r) => r.p99)).toFixed(1).padStart(7),
      String(rs.reduce((a, r) => a + r.lost, 0)).padStart(5),
      String(rs.reduce((a, r) => a + r.outOfOrder, 0)).padStart(12),
      `${(median(rs.map((r) => r.serverCpu)) * 100).toFixed(0)}%`.padStart(20),
      `${mib(median(rs.map((r) => r.serverRss))).toFixed(0)} MiB`.padStart(10)
    ].join(" "))
  }
  say(`Cluster: ${idleClients} idle clients in one room, one sender at 10 messages/s (hubbub:cluster: two servers and Redis, the clients split)`)
  say("server          p50 ms  p99 ms              lost  CPU (all processes)  RSS (all)")
  for (const name of idleNames) {
    const rs = idles[name]
    const m = (f: (r: Idle) => number) => median(rs.map(f))
    say([
      name.padEnd(15),
      m((r) => r.p50).toFixed(1).padStart(7),
      fmtRange(rs.map((r) => r.p99), (x) => x.toFixed(0)).padStart(15),
      String(rs.reduce((a, r) => a + r.lost, 0)).padStart(5),
      `${(m((r) => r.serverCpu) * 100).toFixed(0)}%`.padStart(20),
      `${mib(m((r) => r.rss)).toFixed(0)} MiB`.padStart(10)
    ].join(" "))
  }
}

if (scenarios.has("store") && wanted.includes("hubbub")) {
  // The store's cost on the hot path: the same fan-out, history written to SQLite or kept nowhere.
  const n = 100
  const names = ["hubbub", "hubbub:sqlite"] as const
  const fan: Record<string, Array<FanoutResult>> = {}
  for (let rep = 0; rep < reps; rep++) {
    for (const name of names) {
      progress(`store: fan-out N=${n}, ${name}, run ${rep + 1} of ${reps}`)
      ;(fan[name] ??= []).push(await run(name, (server) => fanout(server, n)))
    }
  }
  // A login storm beside the same fan-out: chat's p99 with and without it.
  const storm: Record<string, Array<FanoutResult>> = {}
  const attempts: Array<number> = []
  const bursts: Array<number> = []
  for (let rep = 0; rep < reps; rep++) {
    progress(`store: fan-out N=${n} with a login storm, run ${rep + 1} of ${reps}`)
    ;(storm.without ??= []).push(await run("hubbub", (server) => fanout(server, n)))
    ;(storm.with ??= []).push(await run("hubbub", async (server) => {
      const logins = await loginStorm(server.port)
      bursts.push(logins.burstMs)
      try {
        return await fanout(server, n)
      } finally {
        attempts.push(logins.stop())
      }
    }))
  }
  progress("store: startup with 100,000 history lines")
  const startup = await startupWithHistory()
  results.store = { fanout: fan, startup, storm, attempts, burstsMs: bursts }
  const med = (name: string) => median(fan[name].map((r) => r.deliveriesPerSecond))
  say("")
  say(`Store: fan-out at N=${n}, hubbub (--store memory) against hubbub:sqlite (history written to SQLite); median (min-max) of the runs`)
  say("server          deliveries/s               × memory  p50 ms  p99 ms  lost  server CPU  server RSS")
  for (const name of names) {
    const rs = fan[name]
    say([
      name.padEnd(15),
      fmtRange(rs.map((r) => r.deliveriesPerSecond), fmtM).padEnd(25),
      (med(name) / med("hubbub")).toFixed(2).padStart(9),
      median(rs.map((r) => r.p50)).toFixed(1).padStart(7),
      median(rs.map((r) => r.p99)).toFixed(1).padStart(7),
      String(rs.reduce((a, r) => a + r.lost, 0)).padStart(5),
      `${(median(rs.map((r) => r.serverCpu)) * 100).toFixed(0)}%`.padStart(11),
      `${mib(median(rs.map((r) => r.serverRss))).toFixed(0)} MiB`.padStart(11)
    ].join(" "))
  }
  // Each run against the memory run just before it: what drifts over the minutes of a run (the machine) cancels out.
  const pairs = fan["hubbub:sqlite"].map((r, i) => r.deliveriesPerSecond / fan.hubbub[i]!.deliveriesPerSecond)
  say(`  hubbub:sqlite × the memory run before it, run by run: ${pairs.map((x) => x.toFixed(2)).join(", ")} (median ${median(pairs).toFixed(2)})`)
  const p99 = (rs: ReadonlyArray<FanoutResult>) => median(rs.map((r) => r.p99))
  say(`Login storm (10 clients from 10 addresses, wrong passwords as fast as the answers and the back-off let them) beside fan-out N=${n}:`)
  say(`  its burst (five guesses an address, hashed) over in ${median(bursts).toFixed(0)} ms before the run; then ${median(attempts)} attempts answered in a run`)
  say(`  chat p99 ${p99(storm.with).toFixed(1)} ms with it, ${p99(storm.without).toFixed(1)} ms without (× ${(p99(storm.with) / p99(storm.without)).toFixed(2)}); deliveries/s × ${(median(storm.with.map((r) => r.deliveriesPerSecond)) / median(storm.without.map((r) => r.deliveriesPerSecond))).toFixed(2)}`)
  const stormPairs = storm.with.map((r, i) => r.p99 / storm.without[i]!.p99)
  say(`  chat p99 with it × the run without it just before, run by run: ${stormPairs.map((x) => x.toFixed(2)).join(", ")} (median ${median(stormPairs).toFixed(2)})`)
  say(`Store: startup to listening (median of 5): ${startup.memoryMs.toFixed(0)} ms with --store memory, ${startup.sqliteMs.toFixed(0)} ms with a data folder of ${startup.lines} history lines`)
}

if (process.stdout.isTTY) progress("")
mkdirSync(flags.out, { recursive: true })
const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19)
const json = `${flags.out}/bench-${stamp}.json`
writeFileSync(json, JSON.stringify({ header, flags, results, table: lines }, null, 2))
console.log(`\nwrote ${json}`)
if (results.fanout) {
  const svg = `${flags.out}/fanout-${stamp}.svg`
  writeFileSync(svg, chart(results.fanout as never, sizes, header[0]))
  console.log(`wrote ${svg}`)
}
process.exit(0)
