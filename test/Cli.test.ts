import { afterEach, assert, describe, it } from "@effect/vitest"
import { execFileSync, spawn } from "node:child_process"
import { accessSync, constants, cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { mainJs, serverNode, ServerProcess, systemNode } from "./support/process.js"
import { TestClient } from "./support/TestClient.js"

let cleanup: Array<() => void> = []
afterEach(() => {
  for (const f of cleanup.reverse()) f()
  cleanup = []
})
const start = (args: ReadonlyArray<string>, env?: Record<string, string>) => {
  const server = ServerProcess.start(args, env)
  cleanup.push(() => server.kill())
  return server
}
const nonEmpty = (lines: ReadonlyArray<string>) => lines.filter((l) => l.trim() !== "")

describe("the command line", () => {
  it("refuses a bad environment variable with one line naming it, and exit 2", async () => {
    const cases: ReadonlyArray<readonly [Record<string, string>, string]> = [
      [{ HUBBUB_PORT: "abc" }, "hubbub: HUBBUB_PORT=abc: expected a port number from 0 to 65535 (see hubbub --help)"],
      [{ HUBBUB_MAX_LINE_BYTES: "-3" }, "hubbub: HUBBUB_MAX_LINE_BYTES=-3: expected a whole number, 1 or more (see hubbub --help)"],
      [{ HUBBUB_FLOOD_TIMEOUT: "soon" }, "hubbub: HUBBUB_FLOOD_TIMEOUT=soon: expected a number of seconds, 0 or more (see hubbub --help)"],
      [{ HUBBUB_LIMIT_LOOPBACK: "maybe" }, "hubbub: HUBBUB_LIMIT_LOOPBACK=maybe: expected true or false (or yes/no, on/off, 1/0) (see hubbub --help)"],
      [{ HUBBUB_LOG_LEVEL: "loud" }, "hubbub: HUBBUB_LOG_LEVEL=loud: expected one of all, trace, debug, info, warn, warning, error, fatal, none (see hubbub --help)"],
      [{ HUBBUB_OPERATORS: "alice;bob" }, "hubbub: HUBBUB_OPERATORS=alice;bob: expected account names separated by commas (alice,bob) (see hubbub --help)"]
    ]
    for (const [env, line] of cases) {
      const server = start([], env)
      const { code } = await server.exit()
      assert.strictEqual(code, 2, JSON.stringify(env))
      assert.deepStrictEqual(nonEmpty(server.stderr), [line])
      assert.deepStrictEqual(nonEmpty(server.stdout), [])
    }
  })

  it("takes HUBBUB_LOG_LEVEL in any case, and a variable's words in any case", async () => {
    const server = start([], { HUBBUB_PORT: "0", HUBBUB_LOG_LEVEL: "info", HUBBUB_LOG_FORMAT: "JSON", HUBBUB_CONSOLE: "Yes" })
    await server.waitFor("stderr", /"message":"listening on 127\.0\.0\.1:\d+"/)
    const quiet = start(["--port", "0", "--console"], { HUBBUB_LOG_LEVEL: "WARN" })
    // it logs nothing: ask its console whether it is up
    quiet.child.stdin!.write("stats\n")
    await quiet.waitFor("stdout", /^connections: 0 live/)
    quiet.child.kill("SIGTERM")
    assert.strictEqual((await quiet.exit()).code, 0)
    // at warn, neither "listening" nor "stopped" is logged
    assert.deepStrictEqual(nonEmpty(quiet.stderr), [])
  })

  it("names HUBBUB_LOG_LEVEL in --help, with every flag's variable", async () => {
    const help = start(["--help"])
    assert.strictEqual((await help.exit()).code, 0)
    const text = help.stdout.join("\n")
    for (const name of ["HUBBUB_LOG_LEVEL", "HUBBUB_SOCKET_SERVER", "HUBBUB_IDLE_TIMEOUT", "HUBBUB_CONSOLE"]) assert.include(text, name)
  })

  it("logs that it stopped, with no client ever connected", async () => {
    const server = start(["--port", "0"])
    await server.port()
    server.child.kill("SIGINT")
    assert.strictEqual((await server.exit()).code, 0)
    await server.waitFor("stderr", /INFO.*stopped/)
  })

  it("ships dist/main.js as an executable program", async () => {
    accessSync(mainJs, constants.X_OK)
    const direct = new ServerProcess(spawn(mainJs, ["--version"], {
      stdio: ["pipe", "pipe", "pipe"],
      // its shebang finds `node` on the PATH: the project's, as under npm
      env: { ...process.env, PATH: `${Path.dirname(serverNode)}:${process.env.PATH}` }
    }))
    cleanup.push(() => direct.kill())
    assert.strictEqual((await direct.exit()).code, 0)
    assert.match(direct.stdout.join(""), /\d+\.\d+\.\d+/)
  })

  it("on the machine's own Node, runs if it is new enough, else says in one line which Node it needs", async () => {
    const version = execFileSync(systemNode, ["--version"], { encoding: "utf8" }).trim().slice(1)
    const [major = 0, minor = 0] = version.split(".").map(Number)
    const server = new ServerProcess(spawn(systemNode, [mainJs, "--port", "0", "--store", "memory", "--no-console"], { stdio: ["pipe", "pipe", "pipe"] }))
    cleanup.push(() => server.kill())
    if (major > 22 || (major === 22 && minor >= 19)) {
      await server.port()
      return
    }
    assert.strictEqual((await server.exit()).code, 1)
    assert.deepStrictEqual(nonEmpty(server.stderr), [
      `hubbub: needs Node 22.19 or newer, and this is Node ${version} (npm start runs it on the Node 24 that npm ci installs)`
    ])
  })

  it("stops under npm (npm start, npm run serve) on Ctrl-C with exit 0, the clients told", async () => {
    // A terminal's Ctrl-C goes to the whole foreground process group: npm, and the server under it.
    // `npm run serve` is `npm start` without the build: the same npm, the same exec.
    const npm = new ServerProcess(spawn("npm", ["run", "serve", "--", "--port", "0", "--store", "memory"], {
      cwd: Path.resolve(import.meta.dirname, ".."),
      stdio: ["pipe", "pipe", "pipe"],
      detached: true
    }))
    cleanup.push(() => {
      if (npm.child.exitCode === null) process.kill(-npm.child.pid!, "SIGKILL")
    })
    const port = await npm.port()
    const alice = await TestClient.join(port, "alice")
    cleanup.push(() => alice.reset())
    process.kill(-npm.child.pid!, "SIGINT")
    assert.strictEqual(await alice.until(/shutting down/), "-!- Server shutting down. Goodbye.")
    await alice.eof()
    const { code } = await npm.exit(20_000)
    assert.strictEqual(code, 0)
  }, 60_000)

  it("stops in one line, not silently, when a part of the program will not load (a broken install)", async () => {
    const dir = mkdtempSync(Path.join(Os.tmpdir(), "hubbub-broken-"))
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
    const dist = Path.dirname(mainJs)
    cpSync(dist, dir, {
      recursive: true,
      filter: (from) => !Path.basename(from).startsWith("HttpListener-")
    })
    assert.isFalse(readdirSync(Path.join(dir, "chunks")).some((name) => name.startsWith("HttpListener-")))
    const child = spawn(serverNode, [Path.join(dir, "main.js"), "--port", "0", "--http-port", "0", "--no-console", "--store", "memory"], { stdio: ["pipe", "pipe", "pipe"] })
    const server = new ServerProcess(child)
    cleanup.push(() => server.kill())
    assert.strictEqual((await server.exit()).code, 1)
    const lines = nonEmpty(server.stderr).filter((line) => !/INFO/.test(line))
    assert.strictEqual(lines.length, 1, server.stderr.join("\n"))
    assert.match(lines[0], /stopped by an unexpected error: Cannot find module .*HttpListener-/)
  })
})
