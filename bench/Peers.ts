/**
 * The servers a benchmark run measures, each started fresh on a free port of
 * 127.0.0.1, and the client side of each one's protocol.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "..")
/** The Node `npm run bench` runs on (the project's Node 24, which `npm start` runs hubbub on), for every server. */
export const serverNode = process.execPath

/** hubbub keeps nothing on disk in a run unless a scenario asks (an older build ignores the variable). */
export const serverEnv = { ...process.env, HUBBUB_STORE: process.env.HUBBUB_STORE ?? "memory" }

/**
 * `hubbub:platform` is hubbub with @effect/platform-node's NodeSocketServer accepting TCP (--socket-server platform);
 * `hubbub:baseline` is another build of hubbub, the one in BENCH_BASELINE (a checkout with `dist/`), to measure a change on its own;
 * `hubbub:irc` is hubbub with every client on its IRC port (--irc-port);
 * `hubbub:irc-tags` the same, each client with IRCv3 `server-time` and `message-tags` on (every line stamped and given its msgid);
 * `hubbub:redis` is one hubbub server with its hub in Redis (--redis, a redis-server of its own);
 * `hubbub:cluster` is two hubbub servers on one Redis, the clients taking turns between them.
 */
export type PeerName =
  | "hubbub"
  | "hubbub:platform"
  | "hubbub:baseline"
  | "hubbub:baseline:irc"
  | "hubbub:irc"
  | "hubbub:irc-tags"
  | "hubbub:ws"
  | "hubbub:redis"
  | "hubbub:cluster"
  | "hubbub:sqlite"
  | "node:net"
  | "redis"
  | "effect"

export interface Server {
  readonly name: PeerName
  readonly port: number
  readonly pid: number
  /** Several servers: client `i` connects to `ports[i % ports.length]`. */
  readonly ports?: ReadonlyArray<number>
  /** Every process whose cost is the server's (a cluster's servers and its Redis); `[pid]` when absent. */
  readonly pids?: ReadonlyArray<number>
  stop(): Promise<void>
}

/** The port client `index` connects to. */
export const portOf = (server: Server, index: number) =>
  server.ports === undefined ? server.port : server.ports[index % server.ports.length]

export interface Protocol {
  readonly name: PeerName
  /** Opens a connection that receives the room's messages; resolves once it is ready. */
  subscriber(port: number, index: number): Promise<Wire>
  /** The connection sender `index` publishes on (its own subscriber where the protocol allows). */
  publisher(port: number, index: number, own: Wire): Promise<Wire>
  /** The bytes that publish `payload` (in room `room`, for a protocol with rooms). */
  frame(payload: string, room?: number): string
  /** `false` when a sender does not get its own messages back (IRC): another client's receipt paces it. */
  readonly echo?: boolean
  /** For a protocol with rooms: opens a connection that receives room `room`'s messages. */
  member?: (port: number, index: number, room: number) => Promise<Wire>
}

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = Net.createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as Net.AddressInfo
      probe.close(() => resolve(port))
    })
  })

const connectable = async (port: number, child: ChildProcess, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`)
    const ok = await new Promise<boolean>((resolve) => {
      const s = Net.createConnection({ port, host: "127.0.0.1" }, () => {
        s.destroy()
        resolve(true)
      })
      s.once("error", () => resolve(false))
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const stopper = (child: ChildProcess) => () =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve()
    const timer = setTimeout(() => {
      console.log(`\nNOTE: a server (pid ${child.pid}) did not stop within 5 s of SIGTERM and was killed.`)
      child.kill("SIGKILL")
    }, 5000)
    child.once("exit", () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill("SIGTERM")
  })

export const startHubbub = async (
  extra: ReadonlyArray<string> = [],
  name: PeerName = "hubbub",
  checkout: string = root,
  /** The port the clients use, when it is not the text port (given in `extra`). */
  clientPort?: number
): Promise<Server> => {
  const port = await freePort()
  // BENCH_CPU_PROF=DIR: a CPU profile of every hubbub run, for `node --cpu-prof`'s tools.
  const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []
  // BENCH_NODE_FLAGS="--flag ...": Node or V8 flags for the hubbub server alone, to try a setting. By default,
  // Node 20's young generation on Node 24 (its own grows with the machine's memory), as the memory floors were set.
  // BENCH_BASELINE_NODE_FLAGS="...": the baseline's own flags, to measure a flag against another in one run.
  const chosen = (name.startsWith("hubbub:baseline") ? process.env.BENCH_BASELINE_NODE_FLAGS : undefined) ??
    process.env.BENCH_NODE_FLAGS ?? "--max-semi-space-size=16"
  const flags = chosen.split(/\s+/).filter((flag) => flag !== "")
  const env = extra.includes("--store") ? { ...process.env } : serverEnv
  const child = spawn(serverNode, [
    ...profile,
    ...flags,
    Path.join(checkout, "dist/main.js"),
    "--port", String(port),
    "--log-level", "warn",
    "--flood-rate", "0",
    "--max-per-ip", "0",
    "--max-connections", "50000",
    "--register-timeout", "120",
    ...extra
  ], { stdio: ["ignore", "ignore", "inherit"], env })
  await connectable(clientPort ?? port, child)
  return { name, port: clientPort ?? port, pid: child.pid!, stop: stopper(child) }
}

/** hubbub with its clients on the IRC port (the build in `checkout`, this one by default). */
export const startHubbubIrc = async (name: PeerName = "hubbub:irc", checkout: string = root): Promise<Server> => {
  const ircPort = await freePort()
  return startHubbub(["--irc-port", String(ircPort)], name, checkout, ircPort)
}

/** hubbub with every client on its WebSocket (`/ws` of --http-port), speaking its JSON protocol. */
export const startHubbubWs = async (): Promise<Server> => {
  const httpPort = await freePort()
  return startHubbub(["--http-port", String(httpPort)], "hubbub:ws", root, httpPort)
}

/** A peer that is one script in bench/peers, run on the servers' Node with its port as the argument. */
const startScript = (name: PeerName, script: string) => async (): Promise<Server> => {
  const port = await freePort()
  const child = spawn(serverNode, [Path.join(root, "bench/peers", script), String(port)], {
    stdio: ["ignore", "ignore", "inherit"]
  })
  await connectable(port, child)
  return { name, port, pid: child.pid!, stop: stopper(child) }
}

export const startNet = startScript("node:net", "net-server.mjs")

/** The design card at its most direct (see bench/peers/effect-server.mjs): what the design costs before hubbub's work. */
export const startEffect = startScript("effect", "effect-server.mjs")

export const redisServer = (): string | undefined => {
  for (const candidate of ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]) {
    if (existsSync(candidate)) return candidate
  }
  try {
    return execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim() || undefined
  } catch {
    return undefined
  }
}

export const startRedis = async (): Promise<Server> => {
  const binary = redisServer()
  if (binary === undefined) throw new Error("redis-server not found")
  const port = await freePort()
  const child = spawn(binary, [
    "--port", String(port),
    "--bind", "127.0.0.1",
    "--save", "",
    "--appendonly", "no",
    "--protected-mode", "no",
    "--maxclients", "50000"
  ], { stdio: ["ignore", "ignore", "inherit"] })
  await connectable(port, child)
  return { name: "redis", port, pid: child.pid!, stop: stopper(child) }
}

/**
 * A load-generator socket. Its bytes are read into one shared buffer and
 * handed to `onBytes` (Node's `onread`: no Buffer and no stream event per
 * read), so reading 10,000 sockets costs the generator as little as it can.
 * The bytes are only valid during the call.
 */
export interface Wire extends Net.Socket {
  onBytes: (bytes: Uint8Array) => void
}

const readBuffer = Buffer.allocUnsafe(256 * 1024)

/** Resolves once `text` has arrived on `socket` (only for set-up, never per message). */
const awaitText = (socket: Wire, text: string, timeoutMs = 60_000) =>
  new Promise<void>((resolve, reject) => {
    let seen = ""
    const timer = setTimeout(() => {
      socket.onBytes = ignore
      reject(new Error(`no "${text}" within ${timeoutMs} ms`))
    }, timeoutMs)
    socket.onBytes = (bytes) => {
      // Only the last few bytes are kept, for a text split across reads; a read may be longer than any limit.
      seen = seen + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1")
      if (!seen.includes(text)) seen = seen.slice(-text.length)
      else {
        clearTimeout(timer)
        socket.onBytes = ignore
        resolve()
      }
    }
  })

const ignore = () => {}

const open = (port: number) =>
  new Promise<Wire>((resolve, reject) => {
    const socket = Net.createConnection({
      port,
      host: "127.0.0.1",
      onread: {
        buffer: readBuffer,
        callback: (n: number, buffer: Uint8Array) => {
          wire.onBytes(buffer.subarray(0, n))
          return true
        }
      }
    }, () => resolve(wire))
    const wire = Object.assign(socket, { onBytes: ignore }) as Wire
    socket.setNoDelay(true)
    socket.once("error", reject)
  })

/**
 * A WebSocket client on a raw socket: the upgrade, then the server's frames
 * (unmasked) taken apart so that `onBytes` sees only their payloads; what it
 * writes as a string is sent as bytes (latin1: its frames are built as
 * strings by `wsFrame`).
 */
const openWs = async (port: number): Promise<Wire> => {
  const wire = await open(port)
  const write = wire.write.bind(wire) as (chunk: Uint8Array) => boolean
  wire.write = ((chunk: string | Uint8Array) =>
    write(typeof chunk === "string" ? Buffer.from(chunk, "latin1") : chunk)) as Wire["write"]
  const upgraded = new Promise<Uint8Array>((resolve, reject) => {
    let head = Buffer.alloc(0)
    const timer = setTimeout(() => reject(new Error("no WebSocket upgrade")), 60_000)
    wire.onBytes = (bytes) => {
      head = Buffer.concat([head, bytes])
      const end = head.indexOf("\r\n\r\n")
      if (end === -1) return
      clearTimeout(timer)
      resolve(head.subarray(end + 4))
    }
  })
  write(Buffer.from(
    `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    "latin1"
  ))
  const rest = await upgraded
  // Frame state: the header's bytes so far (`have` of `need`), then payload bytes still to pass on.
  const header = Buffer.alloc(10)
  let have = 0
  let need = 2
  let payload = 0
  let user: (bytes: Uint8Array) => void = ignore
  const deliver = (bytes: Uint8Array) => {
    let i = 0
    while (i < bytes.length) {
      if (payload > 0) {
        const take = Math.min(payload, bytes.length - i)
        user(bytes.subarray(i, i + take))
        payload -= take
        i += take
        continue
      }
      header[have++] = bytes[i++]
      if (have === 2) {
        const len = header[1] & 0x7f
        need = len === 126 ? 4 : len === 127 ? 10 : 2
      }
      if (have < need) continue
      const len = header[1] & 0x7f
      payload = len === 126 ? header.readUInt16BE(2) : len === 127 ? Number(header.readBigUInt64BE(2)) : len
      have = 0
      need = 2
    }
  }
  // What the socket reads goes through `deliver`; whoever sets `onBytes` gets the payloads.
  Object.defineProperty(wire, "onBytes", {
    get: () => deliver,
    set: (f: (bytes: Uint8Array) => void) => {
      user = f
    }
  })
  if (rest.length > 0) deliver(rest)
  return wire
}

/** A client's text frame (masked with a zero key, as RFC 6455 allows) of one JSON line, as a latin1 string. */
const wsFrame = (text: string) => {
  const json = Buffer.from(JSON.stringify({ type: "line", text }), "utf8")
  const n = json.length
  const length = n < 126
    ? String.fromCharCode(0x80 | n)
    : n < 65536
    ? String.fromCharCode(0x80 | 126, n >> 8, n & 0xff)
    : (() => {
      throw new Error("bench frames are short")
    })()
  return `\x81${length}\0\0\0\0${json.toString("latin1")}`
}

/** WebSocket clients on the JSON protocol: each in #lobby; a sender gets its own messages back. */
const ws: Protocol = {
  name: "hubbub:ws",
  subscriber: async (port, index) => {
    const socket = await openWs(port)
    const ready = awaitText(socket, `"type":"members"`)
    socket.write(wsFrame(`b${index}`))
    await ready
    return socket
  },
  publisher: async (_port, _index, own) => own,
  frame: (payload) => wsFrame(payload)
}

const hubbub: Protocol = {
  name: "hubbub",
  subscriber: async (port, index) => {
    const socket = await open(port)
    const ready = awaitText(socket, "Members of")
    socket.write(`b${index}\n`)
    await ready
    return socket
  },
  publisher: async (_port, _index, own) => own,
  frame: (payload) => payload + "\n",
  member: async (port, index, room) => {
    const socket = await open(port)
    const ready = awaitText(socket, "Members of #lobby")
    socket.write(`b${index}\n`)
    await ready
    const joined = awaitText(socket, `Members of #r${room} `)
    socket.write(`/join #r${room}\n`)
    await joined
    return socket
  }
}

/** IRC clients: registered, in #lobby; a sender does not get its own messages back. */
const irc: Protocol = {
  name: "hubbub:irc",
  echo: false,
  subscriber: async (port, index) => {
    const socket = await open(port)
    const ready = awaitText(socket, ` 366 b${index} #lobby `)
    socket.write(`NICK b${index}\r\nUSER b 0 * :b\r\nJOIN #lobby\r\n`)
    await ready
    return socket
  },
  publisher: async (_port, _index, own) => own,
  frame: (payload) => `PRIVMSG #lobby :${payload}\r\n`
}

/** IRC clients with `server-time` and `message-tags`: what modern clients ask for. */
const ircTags: Protocol = {
  ...irc,
  name: "hubbub:irc-tags",
  subscriber: async (port, index) => {
    const socket = await open(port)
    const ready = awaitText(socket, ` 366 b${index} #lobby `)
    socket.write(`CAP LS 302\r\nCAP REQ :server-time message-tags\r\nNICK b${index}\r\nUSER b 0 * :b\r\nCAP END\r\nJOIN #lobby\r\n`)
    await ready
    return socket
  }
}

export const protocols: Record<PeerName, Protocol> = {
  hubbub,
  "hubbub:platform": { ...hubbub, name: "hubbub:platform" },
  "hubbub:baseline": { ...hubbub, name: "hubbub:baseline" },
  "hubbub:irc": irc,
  "hubbub:irc-tags": ircTags,
  "hubbub:baseline:irc": { ...irc, name: "hubbub:baseline:irc" },
  "hubbub:ws": ws,
  "hubbub:redis": { ...hubbub, name: "hubbub:redis" },
  "hubbub:cluster": { ...hubbub, name: "hubbub:cluster" },
  "hubbub:sqlite": { ...hubbub, name: "hubbub:sqlite" },
  "node:net": {
    name: "node:net",
    subscriber: (port) => open(port),
    publisher: async (_port, _index, own) => own,
    frame: (payload) => payload + "\n"
  },
  effect: {
    name: "effect",
    subscriber: (port) => open(port),
    publisher: async (_port, _index, own) => own,
    frame: (payload) => payload + "\n"
  },
  redis: {
    name: "redis",
    subscriber: async (port) => {
      const socket = await open(port)
      const ready = awaitText(socket, "subscribe")
      socket.write("SUBSCRIBE bench\r\n")
      await ready
      return socket
    },
    // a subscribed Redis connection cannot publish: each sender has a connection of its own
    publisher: async (port) => {
      return await open(port)
    },
    frame: (payload, room) => `PUBLISH ${room === undefined ? "bench" : `r${room}`} ${payload}\r\n`,
    member: async (port, _index, room) => {
      const socket = await open(port)
      const ready = awaitText(socket, "subscribe")
      socket.write(`SUBSCRIBE r${room}\r\n`)
      await ready
      return socket
    }
  }
}

/** One hubbub server whose hub is in Redis (a redis-server of its own). */
export const startHubbubRedis = async (): Promise<Server> => {
  const redis = await startRedis()
  const server = await startHubbub(["--redis", `redis://127.0.0.1:${redis.port}`, "--node-id", "one"], "hubbub:redis")
  return { ...server, pids: [server.pid, redis.pid], stop: () => server.stop().then(() => redis.stop()) }
}

/** Two hubbub servers on one Redis; the clients take turns between them. */
export const startHubbubCluster = async (): Promise<Server> => {
  const redis = await startRedis()
  const url = `redis://127.0.0.1:${redis.port}`
  const [a, b] = await Promise.all([
    startHubbub(["--redis", url, "--node-id", "a"], "hubbub:cluster"),
    startHubbub(["--redis", url, "--node-id", "b"], "hubbub:cluster")
  ])
  return {
    name: "hubbub:cluster",
    port: a.port,
    pid: a.pid,
    ports: [a.port, b.port],
    pids: [a.pid, b.pid, redis.pid],
    stop: () => Promise.all([a.stop(), b.stop()]).then(() => redis.stop())
  }
}

/** A server's cost: `processStats` summed over its processes. */
export const serverStats = (server: Server) => {
  const all = (server.pids ?? [server.pid]).map(processStats)
  return {
    cpuSeconds: all.reduce((a, s) => a + s.cpuSeconds, 0),
    rss: all.reduce((a, s) => a + s.rss, 0),
    peakRss: all.reduce((a, s) => a + s.peakRss, 0),
    writes: all.reduce((a, s) => a + s.writes, 0)
  }
}

/** CPU seconds (user + system) and memory of a process, from /proc. */
export const processStats = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    const ticks = Number(fields[11]) + Number(fields[12])
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    const kib = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0)
    // write(2)-family calls so far: how many deliveries a server puts in one write
    const io = readFileSync(`/proc/${pid}/io`, "utf8")
    const writes = Number(/syscw:\s+(\d+)/.exec(io)?.[1] ?? 0)
    return { cpuSeconds: ticks / 100, rss: kib("VmRSS") * 1024, peakRss: kib("VmHWM") * 1024, writes }
  } catch {
    return { cpuSeconds: 0, rss: 0, peakRss: 0, writes: 0 }
  }
}
