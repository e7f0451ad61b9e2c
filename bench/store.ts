/**
 * What the store costs: fan-out with history written to SQLite against `--store memory`, and
 * startup with a data folder that holds 100,000 history lines.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
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
    const insert = db.prepare("INSERT INTO history (room, at, sender, text, action) VALUES (?, ?, ?, ?, 0)")
    const now = Date.now()
    db.exec("BEGIN")
    for (let i = 0; i < lines; i++) {
      insert.run(i % 100 === 0 ? "#lobby" : `#room${i % 100}`, now - (lines - i) * 1000, `user${i % 500}`, `history line ${i} ${"x".repeat(40)}`)
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
