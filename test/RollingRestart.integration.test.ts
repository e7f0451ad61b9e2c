import { afterEach, assert, describe, it } from "@effect/vitest"
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import { temporaryFolders } from "./support/folders.js"
import { ServerProcess } from "./support/process.js"
import { freePort, RedisServer } from "./support/RedisServer.js"

let cleanup: Array<() => void | Promise<void>> = []
afterEach(async () => {
  for (const f of cleanup.reverse()) await f()
  cleanup = []
})
const folders = temporaryFolders("hubbub-haproxy-")

/** A bounded wait for `done`, checked whenever `poke` is called and every 50 ms. */
const until = (done: () => boolean, what: () => string, ms = 20_000) =>
  new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + ms
    const check = () => {
      if (done()) return resolve()
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what()}`))
      setTimeout(check, 50)
    }
    check()
  })

/**
 * A person on the text protocol through the proxy, as a careful client behaves: when its
 * connection closes it connects again (to whichever server the proxy picks) under the same
 * nickname; it keeps every line it was shown, on every connection.
 */
class Person {
  readonly lines: Array<string> = []
  socket: Net.Socket | undefined
  joined = false
  connections = 0
  private stopped = false

  constructor(readonly nick: string, readonly port: number) {}

  connect(): void {
    if (this.stopped || this.connections > 40) return
    this.connections++
    this.joined = false
    const socket = Net.connect(this.port, "127.0.0.1")
    this.socket = socket
    let partial = ""
    socket.setEncoding("utf8")
    socket.on("data", (text: string) => {
      const parts = (partial + text).split("\n")
      partial = parts.pop()!
      for (const line of parts) {
        this.lines.push(line)
        if (line.startsWith("-!- Choose a nickname") || line.includes("is already in use")) {
          setTimeout(() => socket.write(`${this.nick}\n`), line.includes("in use") ? 100 : 0)
        }
        if (line.startsWith("-!- Members of #lobby")) this.joined = true
      }
    })
    socket.on("error", () => {})
    socket.on("close", () => {
      this.joined = false
      if (!this.stopped) setTimeout(() => this.connect(), 50)
    })
  }

  /** Whether it was shown `text` said by `from`, live or in the history shown on joining. */
  saw(from: string, text: string): boolean {
    return this.lines.some((line) => line === `<${from}> ${text}` || new RegExp(`^-!- \\[\\d\\d:\\d\\d\\] <${from}> ${text}$`).test(line))
  }

  stop(): void {
    this.stopped = true
    this.socket?.destroy()
  }
}

/** HAProxy in front of the servers' text ports, checking each one's `/readyz` every 100 ms. */
const haproxy = async (front: number, servers: ReadonlyArray<{ name: string; port: number; httpPort: number }>) => {
  const file = Path.join(Path.dirname(folders()), "haproxy.cfg")
  Fs.writeFileSync(file, [
    "defaults",
    "  mode tcp",
    "  timeout connect 2s",
    "  timeout client 60s",
    "  timeout server 60s",
    "frontend chat",
    `  bind 127.0.0.1:${front}`,
    "  default_backend hubbub",
    "backend hubbub",
    "  balance roundrobin",
    "  option httpchk",
    "  http-check send meth GET uri /readyz",
    "  default-server inter 100ms fall 1 rise 2",
    ...servers.map((s) => `  server ${s.name} 127.0.0.1:${s.port} check port ${s.httpPort}`)
  ].join("\n") + "\n")
  const child: ChildProcess = spawn("haproxy", ["-db", "-f", file], { stdio: ["ignore", "pipe", "pipe"] })
  cleanup.push(() => {
    child.kill("SIGKILL")
  })
  return child
}

describe("a rolling restart of two servers behind HAProxy (drain on SIGUSR2)", () => {
  it("loses nobody's message: each drained user comes back through the proxy to the other server, and catches up", async () => {
    const redis = await RedisServer.start()
    cleanup.push(() => redis.stop())
    const ports = { a: await freePort(), b: await freePort(), httpA: await freePort(), httpB: await freePort(), front: await freePort() }
    const start = (name: "a" | "b") => {
      const server = ServerProcess.start([
        "--redis", redis.url, "--store", "memory", "--node-id", name, "--no-console", "--drain-seconds", "1", "--history", "100",
        "--port", String(name === "a" ? ports.a : ports.b), "--http-port", String(name === "a" ? ports.httpA : ports.httpB)
      ])
      cleanup.push(() => server.kill())
      return server
    }
    let a = start("a")
    let b = start("b")
    await a.port()
    await b.port()
    await haproxy(ports.front, [{ name: "a", port: ports.a, httpPort: ports.httpA }, { name: "b", port: ports.b, httpPort: ports.httpB }])
    const people = ["sam", "ann", "bob", "cat", "dan"].map((nick) => new Person(nick, ports.front))
    cleanup.push(() => people.forEach((p) => p.stop()))
    // Until HAProxy listens, a person's connection fails and it tries again.
    for (const person of people) {
      person.connect()
      await until(() => person.joined, () => `${person.nick} to join`)
    }
    // Round robin: both servers have people.
    const on = (server: ServerProcess, nick: string) => server.stderr.some((line) => line.trim() === `nick: ${nick}`)
    assert.isTrue(people.some((p) => on(a, p.nick)) && people.some((p) => on(b, p.nick)))

    // sam says 30 things, each once it has seen the one before come back (sent again when its connection went first).
    const [sam] = people
    const total = 30
    const said = (async () => {
      for (let k = 0; k < total; k++) {
        for (let attempt = 0; !sam.saw("sam", `m${k}`); attempt++) {
          if (attempt > 20) throw new Error(`m${k} never came back: ${sam.lines.slice(-30).join(" / ")}`)
          await until(() => sam.joined, () => "sam to be back")
          const socket = sam.socket!
          socket.write(`m${k}\n`)
          await until(() => sam.saw("sam", `m${k}`) || sam.socket !== socket || !sam.joined, () => `m${k} back`)
        }
        await new Promise((resolve) => setTimeout(resolve, 30))
      }
    })()

    // One server at a time: drain it, let it exit, start it again on its port.
    for (const name of ["a", "b"] as const) {
      await until(() => people[0].lines.filter((l) => l.includes("<sam> m")).length >= (name === "a" ? 5 : 15), () => "sam to speak")
      const server = name === "a" ? a : b
      server.child.kill("SIGUSR2")
      assert.strictEqual((await server.exit()).code, 0, server.stderr.join("\n"))
      const again = start(name)
      await again.port()
      if (name === "a") a = again
      else b = again
    }
    await said
    for (const person of people) {
      await until(() => Array.from({ length: total }, (_, k) => person.saw("sam", `m${k}`)).every(Boolean), () => {
        const missed = Array.from({ length: total }, (_, k) => k).filter((k) => !person.saw("sam", `m${k}`))
        return `${person.nick} to have seen everything (missing ${missed.map((k) => `m${k}`).join(" ")})`
      })
    }
    // The drained were told why, and came back.
    const told = people.filter((p) => p.lines.some((line) => line.includes("This server is restarting")))
    assert.isAtLeast(told.length, 2)
    for (const person of told) assert.isAbove(person.connections, 1)
  })
})
