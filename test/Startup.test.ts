import { afterEach, assert, describe, it } from "@effect/vitest"
import { Duration, Option } from "effect"
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fixtures } from "./support/fixtures.js"
import { temporaryFolders } from "./support/folders.js"
import { mainJs, serverNode, ServerProcess } from "./support/process.js"

/** Rough edges an operator meets first: the log's colours, the listening address, and how a bad command line exits. */
let cleanup: Array<() => void> = []
afterEach(() => {
  for (const f of cleanup.reverse()) f()
  cleanup = []
})
const freshFolder = temporaryFolders("hubbub-startup-")
const start = (args: ReadonlyArray<string>, env?: Record<string, string>) => {
  const server = ServerProcess.start(args, env)
  cleanup.push(() => server.kill())
  return server
}

/** Waits (a bounded time) until a file holds text that matches, woken by the file's changes. */
const fileShows = (file: string, match: RegExp, timeoutMs = 10_000) =>
  new Promise<string>((resolve, reject) => {
    const check = () => {
      const text = Fs.readFileSync(file, "utf8")
      if (!match.test(text)) return false
      watcher.close()
      clearTimeout(timer)
      resolve(text)
      return true
    }
    const watcher = Fs.watch(file, check)
    const timer = setTimeout(() => {
      watcher.close()
      reject(new Error(`no ${match} in ${file}:\n${Fs.readFileSync(file, "utf8")}`))
    }, timeoutMs)
    check()
  })

/**
 * The program with its stdin and stdout on a terminal (util-linux's `script` makes one), its stderr
 * sent to `stderr` when given (a file), else to the terminal too; stopped by the console's `quit`.
 */
const onTerminal = (stderr: string | undefined, env: Record<string, string> = {}) => {
  const command = `${serverNode} ${mainJs} --port 0 --console${stderr === undefined ? "" : ` 2>${stderr}`}`
  const child = spawn("script", ["-qec", command, "/dev/null"], {
    env: { ...process.env, HUBBUB_STORE: "memory", TERM: "xterm", ...env },
    stdio: ["pipe", "pipe", "pipe"]
  })
  const server = new ServerProcess(child)
  cleanup.push(() => server.kill())
  return server
}

describe("starting up, as an operator sees it", () => {
  it("colours its log only on a terminal: never in a file stderr was sent to, nor with NO_COLOR", async () => {
    const file = Path.join(Path.dirname(freshFolder()), "server.log")
    Fs.writeFileSync(file, "")
    const toFile = onTerminal(file)
    await fileShows(file, /listening on/)
    toFile.child.stdin!.write("quit\n")
    assert.strictEqual((await toFile.exit()).code, 0)
    const logged = Fs.readFileSync(file, "utf8")
    assert.include(logged, "stopped")
    assert.notInclude(logged, "\x1b[")

    // On the terminal, in colour; with NO_COLOR, not.
    const coloured = onTerminal(undefined)
    await coloured.waitFor("stdout", /listening on/)
    coloured.child.stdin!.write("quit\n")
    await coloured.exit()
    assert.include(coloured.stdout.join("\n"), "\x1b[")
    const plain = onTerminal(undefined, { NO_COLOR: "1" })
    await plain.waitFor("stdout", /listening on/)
    plain.child.stdin!.write("quit\n")
    await plain.exit()
    assert.notInclude(plain.stdout.join("\n"), "\x1b[")
  })

  it("says in one line, and no 'stopped' before it, that the chat page is missing", async () => {
    const server = start(["--port", "0", "--http-port", "0", "--web-root", "/nonexistent"])
    assert.strictEqual((await server.exit()).code, 1)
    const lines = server.stderr.filter((line) => line.trim() !== "")
    assert.strictEqual(lines.length, 1, lines.join("\n"))
    assert.match(lines[0]!, /ERROR .*the chat page is missing: cannot read \/nonexistent\/index\.html \(run npm run build, or set --web-root\)$/)
  })

  it("writes an IPv6 address in one pair of brackets", async () => {
    const server = start(["--host", "::1", "--port", "0", "--http-port", "0"])
    await server.waitFor("stderr", /listening on \[::1\]:\d+$/)
    await server.waitFor("stderr", /chat page at http:\/\/\[::1\]:\d+\/$/)
  })

  it("exits 2 for a command line or setting that is wrong, each one line, the same for a flag and its variable", async () => {
    const refused = async (args: ReadonlyArray<string>, env?: Record<string, string>) => {
      const server = start(args, env)
      assert.strictEqual((await server.exit()).code, 2, `${args.join(" ")} ${JSON.stringify(env)}`)
      const errors = server.stderr.filter((l) => l.trim() !== "")
      assert.strictEqual(errors.length, 1, errors.join("\n"))
      return errors[0]!
    }
    assert.strictEqual(await refused(["--port", "70000"]), "hubbub: --port 70000: expected a port number from 0 to 65535 (see hubbub --help)")
    assert.strictEqual(await refused([], { HUBBUB_PORT: "70000" }), "hubbub: HUBBUB_PORT=70000: expected a port number from 0 to 65535 (see hubbub --help)")
    assert.strictEqual(await refused(["--port", "abc"]), "hubbub: --port abc: expected a port number from 0 to 65535 (see hubbub --help)")
    assert.strictEqual(await refused(["--port", "1e4"]), "hubbub: --port 1e4: expected a port number from 0 to 65535 (see hubbub --help)")
    assert.strictEqual(await refused([], { HUBBUB_PORT: "1e4" }), "hubbub: HUBBUB_PORT=1e4: expected a port number from 0 to 65535 (see hubbub --help)")
    assert.match(await refused(["--server-name", "bad name: x"]), /^hubbub: --server-name bad name: x: expected a host name/)
    assert.match(await refused(["--nope"]), /^hubbub: .*--nope.* \(see hubbub --help\)$/)
  })
})

describe("0 means off", () => {
  const { connect, irc, join, server } = fixtures()

  it("takes --register-timeout 0 as no limit, --ping-interval 0 as no pings, and --flood-timeout 0 as held back but never cut off", async () => {
    const { ircPort, port } = await server({
      ircPort: Option.some(0),
      serverName: "irc.test",
      registerTimeout: Duration.zero,
      pingInterval: Duration.zero,
      floodRate: 200,
      floodBurst: 5,
      floodTimeout: Duration.zero
    })
    // Not cut off at once for want of a nickname; /help is there before one is chosen.
    const newcomer = await connect(port)
    newcomer.send("/help")
    await newcomer.until(/\/nick NAME/)
    // An IRC client not pinged and cut off at once.
    const bob = await irc(ircPort, "bob")
    bob.send("PING :still-here")
    await bob.until(/PONG .*still-here/)
    assert.isFalse(bob.lines.some((line) => line.startsWith("PING") || line.startsWith("ERROR")))
    // 40 lines at once, past the burst: held back, every one delivered, nobody disconnected.
    const fast = await join(port, "fast")
    const reader = await join(port, "reader")
    fast.send(...Array.from({ length: 40 }, (_, i) => `line ${i}`))
    await reader.until("<fast> line 39")
    assert.strictEqual(reader.lines.filter((line) => line.startsWith("<fast> line ")).length, 40)
  })
})

describe("small things a newcomer meets", () => {
  const { join, server } = fixtures()

  it("clearing a topic there is none of announces nothing: the one who tried is told there is none", async () => {
    const { port } = await server({ floodRate: 0 })
    const ann = await join(port, "ann")
    const bob = await join(port, "bob")
    ann.send("/topic -")
    await ann.until("-!- No topic is set for #lobby.")
    ann.send("/topic now one", "/topic -")
    await bob.until("-!- ann set the topic of #lobby to: now one")
    await bob.until("-!- ann cleared the topic of #lobby")
    assert.strictEqual(bob.lines.filter((line) => line.includes("cleared the topic")).length, 1)
  })
})
