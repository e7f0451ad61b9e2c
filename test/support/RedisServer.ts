import { type ChildProcess, spawn } from "node:child_process"
import * as Net from "node:net"

/** A port free right now (the OS's pick for port 0). */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = Net.createServer()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as Net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

/**
 * A test's own `redis-server` (Debian's package) on 127.0.0.1 and a free
 * port, keeping nothing on disk. `stop` and `start` take it away and bring
 * it back, empty, on the same port.
 */
export class RedisServer {
  private child: ChildProcess | undefined = undefined

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  static async start(): Promise<RedisServer> {
    for (let attempt = 0; ; attempt++) {
      const server = new RedisServer(await freePort())
      try {
        await server.start()
        return server
      } catch (error) {
        if (attempt === 4) throw error
      }
    }
  }

  /** Starts it (again), resolving once it accepts connections. */
  start(): Promise<void> {
    const child = spawn("redis-server", [
      "--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "notice"
    ], { stdio: ["ignore", "pipe", "pipe"] })
    this.child = child
    return new Promise<void>((resolve, reject) => {
      let output = ""
      const timer = setTimeout(() => fail(new Error(`redis-server did not start:\n${output}`)), 10_000)
      const fail = (error: Error) => {
        clearTimeout(timer)
        child.kill("SIGKILL")
        reject(error)
      }
      child.stdout!.setEncoding("utf8").on("data", (text: string) => {
        output += text
        if (output.includes("Ready to accept connections")) {
          clearTimeout(timer)
          resolve()
        }
      })
      child.on("error", fail)
      child.on("exit", (code) => fail(new Error(`redis-server exited (${code}):\n${output}`)))
    })
  }

  /** Stops it answering (`kill -STOP`): its connections stay open. */
  pause(): void {
    this.child?.kill("SIGSTOP")
  }

  /** Lets it answer again (`kill -CONT`). */
  resume(): void {
    this.child?.kill("SIGCONT")
  }

  /** Kills it at once (a crash, not a shutdown); resolves once it is gone. */
  stop(): Promise<void> {
    const child = this.child
    this.child = undefined
    if (child === undefined || child.exitCode !== null) return Promise.resolve()
    return new Promise((resolve) => {
      child.removeAllListeners("exit")
      child.on("exit", () => resolve())
      child.kill("SIGKILL")
    })
  }
}
