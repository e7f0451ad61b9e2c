import { afterEach, assert, describe, it } from "@effect/vitest"
import { spawn } from "node:child_process"
import { ServerProcess } from "./support/process.js"

let cleanup: Array<() => void> = []
afterEach(() => {
  for (const f of cleanup.reverse()) f()
  cleanup = []
})

describe("netcat, the README's first client", () => {
  it("ends by itself after /quit's goodbye, with its input still open (no Enter needed)", async () => {
    const server = ServerProcess.start(["--port", "0", "--no-console"])
    cleanup.push(() => server.kill())
    const port = await server.port()
    const nc = spawn("nc", ["127.0.0.1", String(port)], { stdio: ["pipe", "pipe", "pipe"] })
    cleanup.push(() => nc.kill())
    const exited = new Promise<number | null>((resolve) => nc.on("exit", (code) => resolve(code)))
    let out = ""
    const seen = (text: string) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (!out.includes(text)) return
          nc.stdout.off("data", check)
          resolve()
        }
        nc.stdout.on("data", check)
        check()
      })
    nc.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk
    })
    nc.stdin.write("zed\n")
    await seen("Members of #lobby")
    nc.stdin.write("/quit\n")
    await exited
    assert.include(out, "-!- Goodbye, zed.")
    // Its input was never closed: the server's close ended it.
    assert.isFalse(nc.stdin.writableEnded)
  })
})
