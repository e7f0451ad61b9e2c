import { type ChildProcess, execFileSync, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { freePort } from "./RedisServer.js"

/** Debian's Postgres binaries (`apt-get install postgresql`), the newest installed. */
const binaries = (() => {
  const root = "/usr/lib/postgresql"
  const versions = Fs.existsSync(root) ? Fs.readdirSync(root).sort((a, b) => Number(b) - Number(a)) : []
  if (versions.length === 0) throw new Error("Postgres is not installed: apt-get install postgresql")
  return Path.join(root, versions[0]!, "bin")
})()

/** Postgres refuses to run as root: as root, run it as the `postgres` user Debian's package made. */
const asRoot = process.getuid?.() === 0
const command = (program: string, args: ReadonlyArray<string>): [string, Array<string>] =>
  asRoot ? ["runuser", ["-u", "postgres", "--", Path.join(binaries, program), ...args]] : [Path.join(binaries, program), [...args]]

/**
 * A test's own Postgres: a fresh cluster (`initdb`) in a temporary folder,
 * on 127.0.0.1 and a free port, trusting local logins. `stop` kills it and
 * removes its folder.
 */
export class PostgresServer {
  private constructor(readonly port: number, private readonly folder: string, private readonly child: ChildProcess) {}

  /** A database URL (`postgres://postgres@127.0.0.1:PORT/NAME`). */
  url(database = "postgres"): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`
  }

  static async start(): Promise<PostgresServer> {
    const folder = Fs.mkdtempSync(Path.join(Os.tmpdir(), "hubbub-pg-"))
    const data = Path.join(folder, "data")
    Fs.mkdirSync(data)
    if (asRoot) execFileSync("chown", ["-R", "postgres", folder])
    Fs.chmodSync(folder, 0o755)
    const [initdb, initArgs] = command("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"])
    execFileSync(initdb, initArgs, { stdio: "ignore" })
    const port = await freePort()
    const [postgres, args] = command("postgres", [
      "-D", data, "-p", String(port), "-k", folder, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"
    ])
    const child = spawn(postgres, args, { stdio: ["ignore", "pipe", "pipe"] })
    await new Promise<void>((resolve, reject) => {
      let output = ""
      const timer = setTimeout(() => fail(new Error(`postgres did not start:\n${output}`)), 20_000)
      const fail = (error: Error) => {
        clearTimeout(timer)
        child.kill("SIGKILL")
        reject(error)
      }
      const read = (text: string) => {
        output += text
        if (output.includes("ready to accept connections")) {
          clearTimeout(timer)
          resolve()
        }
      }
      child.stdout!.setEncoding("utf8").on("data", read)
      child.stderr!.setEncoding("utf8").on("data", read)
      child.on("error", fail)
      child.on("exit", (code) => fail(new Error(`postgres exited (${code}):\n${output}`)))
    })
    return new PostgresServer(port, folder, child)
  }

  /** A fresh database of its own, for one test. */
  createDatabase(name: string): string {
    const [psql, args] = command("psql", ["-h", "127.0.0.1", "-p", String(this.port), "-U", "postgres", "-c", `CREATE DATABASE ${name}`])
    execFileSync(psql, args, { stdio: "ignore" })
    return this.url(name)
  }

  /** Stops it answering (`kill -STOP` to postgres and every backend): connections stay open, queries hang. */
  pause(): void {
    this.signalAll("SIGSTOP")
  }

  /** Lets it answer again; `runuser`, which stops itself when postgres is stopped (as `su` does), too. */
  resume(): void {
    this.signalAll("SIGCONT")
    this.child.kill("SIGCONT")
  }

  private signalAll(signal: NodeJS.Signals): void {
    const pid = Number(Fs.readFileSync(Path.join(this.folder, "data", "postmaster.pid"), "utf8").split("\n")[0])
    const children = execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" }).split("\n").filter((line) => line !== "")
    for (const one of [pid, ...children.map(Number)]) process.kill(one, signal)
  }

  async stop(): Promise<void> {
    const child = this.child
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.removeAllListeners("exit")
        child.on("exit", () => resolve())
        // SIGQUIT: postgres's immediate shutdown, sent to postgres itself (not to runuser).
        const pid = Number(Fs.readFileSync(Path.join(this.folder, "data", "postmaster.pid"), "utf8").split("\n")[0])
        process.kill(pid, "SIGQUIT")
      })
    }
    Fs.rmSync(this.folder, { recursive: true, force: true })
  }
}
