/**
 * What the store costs: fan-out with history written to SQLite against `--store memory`, and
 * startup with a data folder that holds 100,000 history lines.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { DatabaseSync } from "node:sqlite"
import { serverEnv, serverNode, type Server, startHubbub } from "./Peers.ts"

/** hubbub with the SQLite store in a fresh data folder of its own (removed when it stops). */
export const startHubbubSqlite = async (): Promise<Server> => {
  const folder = mkdtempSync(Path.join(Os.tmpdir(), "hubbub-bench-"))
  const server = await startHubbub(["--store", "sqlite", "--data-dir", folder], "hubbub:sqlite")
  return {
    ...server,
    stop: async () => {
      await server.stop()
      rmSync(folder, { recursive: true, force: true })
    }
  }
}

const startOnce = (args: ReadonlyArray<string>) =>
  new Promise<number>((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(serverNode, ["dist/main.js", "--port", "0", ...args], { stdio: ["ignore", "ignore", "pipe"], env: { ...serverEnv, HUBBUB_STORE: "" } })
    let output = ""
    child.stderr!.on("data", (text: Buffer) => {
      output += text.toString()
      if (output.includes("listening on")) {
        const ms = performance.now() - t0
        child.once("exit", () => resolve(ms))
        child.kill("SIGINT")
      }
    })
    child.on("exit", (code) => {
      if (!output.includes("listening on")) reject(new Error(`hubbub did not start (${code}): ${output}`))
    })
  })

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!

/** Startup to listening (median of 5) with `--store memory`, and with a data folder of `lines` history lines in #lobby and 99 other rooms. */
export const startupWithHistory = async (lines = 100_000) => {
  const folder = mkdtempSync(Path.join(Os.tmpdir(), "hubbub-bench-start-"))
  try {
    await startOnce(["--store", "sqlite", "--data-dir", folder])
    const db = new DatabaseSync(Path.join(folder, "hubbub.db"))
    // A row a line: the most rows that many lines can be (a quiet server's, each half second's line alone).
    const insert = db.prepare("INSERT INTO history_batches (room, first_at, last_at, count, lines) VALUES (?, ?, ?, 1, ?)")
    const now = Date.now()
    db.exec("BEGIN")
    for (let i = 0; i < lines; i++) {
      const at = now - (lines - i) * 1000
      insert.run(i % 100 === 0 ? "#lobby" : `#room${i % 100}`, at, at, JSON.stringify([[at], [`user${i % 500}`], [`history line ${i} ${"x".repeat(40)}`], [0]]))
    }
    db.exec("COMMIT")
    db.close()
    const memory: Array<number> = []
    const sqlite: Array<number> = []
    for (let i = 0; i < 5; i++) {
      memory.push(await startOnce(["--store", "memory"]))
      sqlite.push(await startOnce(["--store", "sqlite", "--data-dir", folder]))
    }
    return { lines, memoryMs: median(memory), sqliteMs: median(sqlite) }
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
}

/** One text client of the storm: a line in, the next line out once a notice answers it. */
const stormClient = (port: number, localAddress: string, first: ReadonlyArray<string>, next: () => string) =>
  new Promise<{ stop: () => number; answered: () => number; backedOff: Promise<void> }>((resolve, reject) => {
    const socket = Net.connect({ port, host: "127.0.0.1", localAddress })
    let stopped = false
    let answered = 0
    let buffered = ""
    let seenWait: () => void
    const backedOff = new Promise<void>((resolve) => (seenWait = resolve))
    socket.setEncoding("utf8")
    socket.on("error", (error) => (stopped ? undefined : reject(error)))
    socket.on("connect", () => {
      socket.write(first.map((line) => line + "\n").join(""))
      resolve({
        backedOff,
        answered: () => answered,
        stop: () => {
          stopped = true
          socket.destroy()
          return answered
        }
      })
    })
    socket.on("data", (text: string) => {
      buffered += text
      const lines = buffered.split("\n")
      buffered = lines.pop()!
      for (const line of lines) {
        if (/^-!- (Wrong password|Too many failed logins)/.test(line)) {
          answered++
          if (line.startsWith("-!- Too many")) seenWait()
          if (!stopped) socket.write(next() + "\n")
        }
      }
    })
  })

/**
 * A login storm: `clients` accounts registered, then as many clients (each from an address of
 * its own, 127.0.0.2 and up, in a room of their own: in #lobby they would be ten more members for
 * the fan-out to serve) sending wrong passwords for them as fast as the answers (and the
 * back-off) let them. It returns once every client has been told to wait (its free guesses,
 * five an address, hashed: the storm's burst is over, and it goes on as the back-off lets it).
 * `stop` ends it and says how many attempts were answered since.
 */
export const loginStorm = async (port: number, clients = 10) => {
  for (let i = 0; i < clients; i++) {
    const owner = await stormClient(port, "127.0.0.1", [`victim${i}`, `/register right-password-${i}`, "/quit"], () => "")
    await new Promise((resolve) => setTimeout(resolve, 100))
    owner.stop()
  }
  let guess = 0
  const storm = await Promise.all(Array.from({ length: clients }, (_, i) =>
    stormClient(port, `127.0.0.${2 + i}`, [`storm${i}`, "/join #storm", `/identify victim${i} wrong-guess-${guess++}`], () => `/identify victim${i} wrong-guess-${guess++}`)))
  const t0 = performance.now()
  await Promise.race([
    Promise.all(storm.map((client) => client.backedOff)),
    new Promise((_, reject) => setTimeout(() => reject(new Error("the login storm was never told to wait")), 30_000))
  ])
  const burst = storm.reduce((sum, client) => sum + client.answered(), 0)
  return { burstMs: performance.now() - t0, stop: () => storm.reduce((sum, client) => sum + client.stop(), 0) - burst }
}
