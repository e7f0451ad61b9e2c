/**
 * `npm run soak`: runs `node dist/main.js` under a mix of hostile and broken
 * clients while healthy ones chat (on the text port, IRC and the WebSocket,
 * a third each), then prints what the healthy clients lost and how the
 * offenders were cut off. Talks to 127.0.0.1 only; every loop is bounded by
 * the run's duration.
 *
 *   npm run soak -- [--duration SECONDS] [--healthy N]
 */
import * as NodeWS from "@effect/platform-node/NodeWS"
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import * as Net from "node:net"
import { parseArgs } from "node:util"

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "60" },
    healthy: { type: "string", default: "20" }
  }
})
const durationMs = Number(args.duration) * 1000
const healthyCount = Number(args.healthy)
const node = process.env.npm_node_execpath ?? process.execPath

// Short timeouts so that every kind of offender is cut off within the run.
const server = spawn(node, [
  "dist/main.js",
  "--port", "0",
  "--irc-port", "0",
  "--http-port", "0",
  "--log-format", "json",
  "--flood-rate", "20",
  "--flood-burst", "40",
  "--flood-timeout", "3",
  "--register-timeout", "3",
  "--write-timeout", "5",
  "--outbox-bytes", String(256 * 1024),
  "--max-connections", "3000"
], { stdio: ["ignore", "ignore", "pipe"] })

const closeReasons = new Map<string, number>()
let warnings = 0
let errors = 0
let port = 0
let ircPort = 0
let httpPort = 0
const listening = new Promise<void>((resolve) => {
  let partial = ""
  server.stderr!.setEncoding("utf8").on("data", (text: string) => {
    const lines = (partial + text).split("\n")
    partial = lines.pop()!
    for (const line of lines) {
      let entry: { message?: unknown; level?: string; annotations?: Record<string, unknown> }
      try {
        entry = JSON.parse(line)
      } catch {
        continue
      }
      const message = Array.isArray(entry.message) ? entry.message.join(" ") : String(entry.message)
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(message)
      if (m) port = Number(m[1])
      const irc = /listening for IRC on 127\.0\.0\.1:(\d+)/.exec(message)
      if (irc) ircPort = Number(irc[1])
      const http = /chat page at http:\/\/127\.0\.0\.1:(\d+)\//.exec(message)
      if (http) {
        httpPort = Number(http[1])
        resolve()
      }
      if (entry.level === "WARN") warnings++
      if (entry.level === "ERROR" || entry.level === "FATAL") {
        errors++
        console.error("server error:", line)
      }
      if (message === "connection closed") {
        const reason = String(entry.annotations?.reason)
        closeReasons.set(reason, (closeReasons.get(reason) ?? 0) + 1)
      }
    }
  })
})

const rss = () => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, "utf8"))![1]) * 1024
  } catch {
    return 0
  }
}

const start = Date.now()
const running = () => Date.now() - start < durationMs
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`

/** A client that registers and collects every line it gets (on the text port, or `to`). */
const open = (nick: string | undefined, onLine: (line: string) => void = () => {}, to?: number) =>
  new Promise<Net.Socket>((resolve) => {
    const socket = Net.createConnection({ port: to ?? port, host: "127.0.0.1" })
    socket.on("error", () => {})
    let partial = ""
    socket.setEncoding("utf8")
    socket.on("data", (text: string) => {
      const lines = (partial + text).split("\n")
      partial = lines.pop()!
      for (const line of lines) onLine(line)
    })
    socket.once("connect", () => {
      if (nick !== undefined) socket.write(nick + "\n")
      resolve(socket)
    })
    socket.once("close", () => resolve(socket))
  })

/** A WebSocket client on the JSON protocol: `onMessage` gets every message the server sends. */
const openWs = (onMessage: (message: { type: string; from?: string; text?: string }) => void = () => {}) =>
  new Promise<NodeWS.WebSocket>((resolve) => {
    const ws = new NodeWS.WebSocket(`ws://127.0.0.1:${httpPort}/ws`)
    ws.on("error", () => {})
    ws.on("message", (data: Buffer) => {
      for (const line of data.toString("utf8").split("\n")) if (line !== "") onMessage(JSON.parse(line))
    })
    ws.once("open", () => resolve(ws))
    ws.once("close", () => resolve(ws))
  })
const say = (ws: NodeWS.WebSocket, text: string) => {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: "line", text }))
}

await listening
console.log(`soak: server on 127.0.0.1:${port} (IRC ${ircPort}, HTTP ${httpPort}), ${healthyCount} healthy clients, ${durationMs / 1000} s`)

// --- healthy clients: numbered messages, checked for loss, order and stray controls ---
interface Healthy {
  nick: string
  /** Sends one line of chat. */
  send: (text: string) => void
  close: () => void
  /** IRC shows no sender its own messages. */
  echo: boolean
  sent: number
  /** Per sender: the sequence numbers received, in order. */
  got: Map<string, Array<number>>
  latencies: Array<number>
  controls: number
}
const controls = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]/
const healthy: Array<Healthy> = []
const heard = (h: Healthy, from: string, text: string) => {
  if (controls.test(text)) h.controls++
  const m = /^(\d+) (\d+)$/.exec(text)
  if (!m || !/^ok\d+$/.test(from)) return
  const list = h.got.get(from) ?? []
  list.push(Number(m[1]))
  h.got.set(from, list)
  h.latencies.push(Date.now() - Number(m[2]))
}
for (let i = 0; i < healthyCount; i++) {
  const h: Healthy = { nick: `ok${i}`, send: () => {}, close: () => {}, echo: true, sent: 0, got: new Map(), latencies: [], controls: 0 }
  const kind = i % 3
  if (kind === 0) {
    const socket = await open(h.nick, (line) => {
      if (controls.test(line)) h.controls++
      const m = /^<(ok\d+)> (.*)$/.exec(line)
      if (m) heard(h, m[1], m[2])
    })
    h.send = (text) => socket.write(`${text}\n`)
    h.close = () => socket.destroy()
  } else if (kind === 1) {
    h.echo = false
    const socket = await open(undefined, (line) => {
      const m = /^:(ok\d+)!\S+ PRIVMSG #lobby :(.*?)\r?$/.exec(line)
      if (m) heard(h, m[1], m[2])
      else if (controls.test(line.replace(/\r$/, ""))) h.controls++
    }, ircPort)
    socket.write(`NICK ${h.nick}\r\nUSER ${h.nick} 0 * :${h.nick}\r\nJOIN #lobby\r\n`)
    h.send = (text) => socket.write(`PRIVMSG #lobby :${text}\r\n`)
    h.close = () => socket.destroy()
  } else {
    const ws = await openWs((message) => {
      if (message.type === "chat" && message.from !== undefined && message.text !== undefined) heard(h, message.from, message.text)
    })
    say(ws, h.nick)
    h.send = (text) => say(ws, text)
    h.close = () => ws.terminate()
  }
  healthy.push(h)
}
await sleep(500)
const chatting = (async () => {
  while (running()) {
    for (const h of healthy) h.send(`${h.sent++} ${Date.now()}`)
    await sleep(250)
  }
})()

// --- offenders, each kind in a loop of its own until the run ends ---
const offenders = new Map<string, number>()
const count = (kind: string) => offenders.set(kind, (offenders.get(kind) ?? 0) + 1)
let serial = 0
const drained = (socket: Net.Socket, ms: number) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer)
      socket.off("drain", done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    socket.once("drain", done)
  })
const untilClosed = (socket: Net.Socket, ms: number) =>
  Promise.race([new Promise((resolve) => socket.once("close", resolve)), sleep(ms)])

const kinds: Record<string, () => Promise<void>> = {
  async injector() {
    const s = await open(`inj${serial++}`)
    s.write("\x1b[2J\x1b]0;owned\x07 \u202Eevil\u202C \x00\x9b31m\rfake -!- notice\r<ok0> forged\n")
    s.write(Buffer.from([0xff, 0xfe, 0x0a]))
    s.end("/quit bye\n")
    await untilClosed(s, 2000)
    count("injector")
  },
  async flooder() {
    const s = await open(`flood${serial++}`)
    const line = "f".repeat(200) + "\n"
    const until = Date.now() + 6000
    while (!s.destroyed && Date.now() < until && running()) {
      if (!s.write(line)) await drained(s, 200)
    }
    s.destroy()
    count("flooder")
  },
  async longLine() {
    const s = await open(`long${serial++}`)
    for (let i = 0; i < 20 && !s.destroyed; i++) s.write("L".repeat(64 * 1024))
    s.write("\nshort after long\n")
    await sleep(500)
    s.end("/quit\n")
    await untilClosed(s, 2000)
    count("long line")
  },
  async burst() {
    const sockets = await Promise.all(Array.from({ length: 300 }, () => open(undefined)))
    for (const s of sockets) s.destroy()
    count("burst of 300")
  },
  async silent() {
    const s = await open(undefined)
    for (let i = 0; i < 10 && !s.destroyed; i++) {
      s.write("x")
      await sleep(500)
    }
    await untilClosed(s, 5000)
    s.destroy()
    count("slowloris")
  },
  async neverReads() {
    // a client that stops reading while eight others send it private messages as fast as flood control lets them
    const nick = `stuck${serial++}`
    const s = await open(nick)
    await sleep(200)
    s.pause()
    const payload = "p".repeat(4000)
    const senders = await Promise.all(Array.from({ length: 8 }, () => open(`hose${serial++}`)))
    let closed = false
    s.once("close", () => closed = true)
    const until = Date.now() + 20_000
    while (!closed && Date.now() < until && running()) {
      for (const h of senders) if (!h.write(`/msg ${nick} ${payload}\n`)) await drained(h, 50)
      await sleep(50)
    }
    for (const h of senders) h.destroy()
    s.destroy()
    count("never reads")
  },
  async webGarbage() {
    // bad JSON, unknown messages, a line over the limit, then a message over the frame limit (closed with 1009)
    const ws = await openWs()
    say(ws, `web${serial++}`)
    ws.send("not json at all")
    ws.send(JSON.stringify({ type: "shout", text: "hi" }))
    say(ws, "\x1b[2J\u202Eevil<script>alert(1)</script>")
    say(ws, "w".repeat(8000))
    ws.send("x".repeat(64 * 1024))
    await Promise.race([new Promise((resolve) => ws.once("close", resolve)), sleep(2000)])
    ws.terminate()
    count("websocket garbage")
  },
  async ircJunk() {
    // a command before registering, an unknown one, a line over 512 bytes, a mode, a WHO, then QUIT
    const s = await open(undefined, () => {}, ircPort)
    s.write("JOIN #lobby\r\nFOO bar\r\nPRIVMSG #lobby :" + "i".repeat(600) + "\r\n")
    s.write(`NICK irc${serial++}\r\nUSER x 0 * :x\r\nMODE #lobby +o\r\nWHO *\r\nQUIT :junk done\r\n`)
    await untilClosed(s, 2000)
    s.destroy()
    count("irc junk")
  },
  async resetter() {
    const s = await open(`reset${serial++}`)
    s.write("half a li")
    await sleep(100)
    s.resetAndDestroy()
    const t = await open(`halfclose${serial++}`)
    t.end("last line before half-close\n")
    await untilClosed(t, 2000)
    t.destroy()
    count("reset / half-close")
  }
}
const attacks = Object.values(kinds).map(async (attack) => {
  while (running()) {
    await attack()
    await sleep(200)
  }
})

let peak = 0
let reported = 0
const memory = (async () => {
  while (running()) {
    peak = Math.max(peak, rss())
    await sleep(250)
    const seconds = Math.round((Date.now() - start) / 1000)
    if (seconds % 5 === 0 && seconds !== reported) {
      reported = seconds
      const line = `soak: ${seconds} s of ${durationMs / 1000}, server rss ${mib(rss())}, peak ${mib(peak)}`
      process.stdout.write(process.stdout.isTTY ? `\r${line}   ` : `${line}\n`)
    }
  }
})()

await Promise.all([chatting, memory, ...attacks])
// let the last healthy messages arrive
const lastSent = Date.now()
const sentBy = healthy.reduce((n, h) => n + h.sent, 0)
const expected = healthy.reduce((n, h) => n + sentBy - (h.echo ? 0 : h.sent), 0)
const received = () => healthy.reduce((n, h) => n + h.latencies.length, 0)
while (received() < expected && Date.now() - lastSent < 5000) await sleep(50)
if (process.stdout.isTTY) process.stdout.write("\n")

let lost = 0
let reordered = 0
for (const h of healthy) {
  for (const sender of healthy) {
    if (sender === h && !h.echo) continue
    const seqs = h.got.get(sender.nick) ?? []
    lost += sender.sent - new Set(seqs).size
    for (let i = 1; i < seqs.length; i++) if (seqs[i] <= seqs[i - 1]) reordered++
  }
}
const latencies = healthy.flatMap((h) => h.latencies).sort((a, b) => a - b)
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0
const finalRss = rss()

server.kill("SIGINT")
const code = await new Promise<number | null>((resolve) => server.on("exit", (c) => resolve(c)))
for (const h of healthy) h.close()

const sent = healthy.reduce((n, h) => n + h.sent, 0)
const summary = [
  `healthy messages: ${sent} sent (text, IRC and WebSocket clients, a third each), ${received()} of ${expected} deliveries received, ${lost} lost, ${reordered} reordered`,
  `healthy latency: p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${latencies.at(-1) ?? 0} ms`,
  `control characters reaching healthy clients: ${healthy.reduce((n, h) => n + h.controls, 0)}`,
  `offender runs: ${[...offenders].map(([k, n]) => `${k} ${n}`).join(", ")}`,
  `connections closed by reason: ${[...closeReasons].sort().map(([k, n]) => `${k} ${n}`).join(", ")}`,
  `server log: ${warnings} warnings, ${errors} errors; memory: peak rss ${mib(peak)}, at the end ${mib(finalRss)}`,
  `server exit code after SIGINT: ${code}`
]
console.log(summary.join("\n"))
const failed = lost > 0 || reordered > 0 || errors > 0 || code !== 0 ||
  healthy.some((h) => h.controls > 0)
console.log(failed ? "soak: FAILED" : "soak: ok")
process.exit(failed ? 1 : 0)
