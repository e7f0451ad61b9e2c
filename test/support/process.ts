import { type ChildProcess, spawn } from "node:child_process"
import * as Path from "node:path"

export const mainJs = Path.resolve(import.meta.dirname, "../../dist/main.js")

/** The Node the tests run on (the project's own, Node 24): the one `npm start` runs the server on. */
export const serverNode = process.execPath

/** The Node that runs npm: the machine's own, which may be older than hubbub needs (Node 20 here). */
export const systemNode = process.env.npm_node_execpath ?? process.execPath

/** `node dist/main.js` as a child process, with its output collected line by line. */
export class ServerProcess {
  readonly stdout: Array<string> = []
  readonly stderr: Array<string> = []
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  private notify: Array<() => void> = []

  constructor(readonly child: ChildProcess) {
    const collect = (into: Array<string>) => {
      let partial = ""
      return (text: string) => {
        const parts = (partial + text).split("\n")
        partial = parts.pop()!
        into.push(...parts)
        for (const f of this.notify) f()
      }
    }
    child.stdout!.setEncoding("utf8").on("data", collect(this.stdout))
    child.stderr!.setEncoding("utf8").on("data", collect(this.stderr))
    this.exited = new Promise((resolve) =>
      child.on("exit", (code, signal) => {
        for (const f of this.notify) f()
        resolve({ code, signal })
      })
    )
  }

  /** Starts it keeping nothing on disk (`HUBBUB_STORE=memory`) unless `env` or `args` say otherwise. */
  static start(args: ReadonlyArray<string>, env: Record<string, string> = {}, fdLimit?: number): ServerProcess {
    const options = { env: { ...process.env, HUBBUB_STORE: "memory", ...env }, stdio: ["pipe", "pipe", "pipe"] as Array<"pipe"> }
    return new ServerProcess(
      fdLimit === undefined
        ? spawn(serverNode, [mainJs, ...args], options)
        : spawn("bash", ["-c", `ulimit -n ${fdLimit} && exec "$0" "$@"`, serverNode, mainJs, ...args], options)
    )
  }

  /** Waits for a line on stdout or stderr; fails with everything printed so far. */
  async waitFor(stream: "stdout" | "stderr", match: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      for (const line of this[stream]) {
        const m = match.exec(line)
        if (m) return m
      }
      const left = deadline - Date.now()
      if (left <= 0 || this.child.exitCode !== null) {
        throw new Error(`no ${match} on ${stream}; stdout:\n${this.stdout.join("\n")}\nstderr:\n${this.stderr.join("\n")}`)
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left)
        const self = this
        function done() {
          clearTimeout(timer)
          self.notify = self.notify.filter((f) => f !== done)
          resolve()
        }
        this.notify.push(done)
      })
    }
  }

  /** The port from the "listening on" log line. */
  async port(): Promise<number> {
    const m = await this.waitFor("stderr", /listening on 127\.0\.0\.1:(\d+)/)
    return Number(m[1])
  }

  /** Resolves with the exit, or fails after `timeoutMs`. */
  async exit(timeoutMs = 10_000) {
    let timer: NodeJS.Timeout | undefined
    return Promise.race([
      this.exited,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms; stderr:\n${this.stderr.join("\n")}`)), timeoutMs)
      })
    ]).finally(() => clearTimeout(timer))
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL")
  }
}
