import { afterEach, assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import * as Net from "node:net"
import { execFile as execFileCallback } from "node:child_process"
import { promisify } from "node:util"
import { ServerProcess } from "./support/process.js"
import { TestClient } from "./support/TestClient.js"

const execFile = promisify(execFileCallback)

let cleanup: Array<() => void> = []
afterEach(() => {
  for (const f of cleanup.reverse()) f()
  cleanup = []
})
const start = (args: ReadonlyArray<string>, env?: Record<string, string>, fdLimit?: number) => {
  const server = ServerProcess.start(args, env, fdLimit)
  cleanup.push(() => server.kill())
  return server
}
const join = async (port: number, nick: string) => {
  const client = await TestClient.join(port, nick)
  cleanup.push(() => client.reset())
  return client
}
const noStackTrace = (lines: ReadonlyArray<string>) =>
  assert.isFalse(lines.some((l) => /^\s+at /.test(l)), `stack trace in:\n${lines.join("\n")}`)

/**
 * A server with a client that stopped reading while 12 MB were sent to its
 * room, enough to fill the kernel's buffers so that writes to it wait.
 */
const startWithStuckClient = async (shutdownTimeout: number) => {
  const server = start([
    "--port", "0", "--shutdown-timeout", String(shutdownTimeout), "--outbox-bytes", String(64 << 20), "--flood-rate", "0"
  ])
  const port = await server.port()
  const sender = await join(port, "sender")
  const reader = await join(port, "reader")
  const stuck = await join(port, "stuck")
  stuck.socket.pause()
  const payload = "b".repeat(1000)
  for (let i = 0; i < 240; i++) {
    sender.send(...Array.from({ length: 50 }, (_, k) => `${i}.${k} ${payload}`))
    await reader.until((l) => l.startsWith(`<sender> ${i}.49 `), 10_000)
  }
  return { server, reader }
}

describe("node dist/main.js", () => {
  it.each(["SIGINT", "SIGTERM"] as const)("logs the bound address and stops gracefully on %s: notice, EOF, exit 0", async (signal) => {
    const server = start(["--port", "0", "--shutdown-timeout", "2"])
    const port = await server.port()
    const alice = await join(port, "alice")
    const bob = await join(port, "bob")
    const unregistered = await TestClient.connect(port)
    cleanup.push(() => unregistered.reset())
    await unregistered.until("Choose a nickname")
    server.child.kill(signal)
    for (const c of [alice, bob, unregistered]) {
      assert.strictEqual(await c.until(/shutting down/), "-!- Server shutting down. Goodbye.")
      await c.eof()
    }
    const { code } = await server.exit()
    assert.strictEqual(code, 0)
    // Every session finished its goodbye: the shutdown timeout never had to cut one off.
    assert.isFalse(server.stderr.some((l) => /shutdown timeout reached/.test(l)), server.stderr.join("\n"))
    noStackTrace(server.stderr)
  })

  it("stops within the shutdown timeout on SIGINT even when a client never reads", async () => {
    const { reader, server } = await startWithStuckClient(1)
    server.child.kill("SIGINT")
    assert.strictEqual(await reader.until(/shutting down/), "-!- Server shutting down. Goodbye.")
    await reader.eof()
    // The client that never reads is what the timeout is for: it is cut off, and the server exits.
    await server.waitFor("stderr", /WARN.*shutdown timeout reached; closing the remaining connections/)
    const { code } = await server.exit()
    assert.strictEqual(code, 0)
    noStackTrace(server.stderr)
  })

  it("exits at once with 130 on a second Ctrl-C", async () => {
    const { server } = await startWithStuckClient(60)
    server.child.kill("SIGINT")
    await server.waitFor("stderr", /shutting down/)
    // A second press of Ctrl-C comes later than npm's copy of the first (within half a second, ignored).
    await new Promise((resolve) => setTimeout(resolve, 600))
    server.child.kill("SIGINT")
    const { code } = await server.exit(3000)
    assert.strictEqual(code, 130)
  })

  it("listens for IRC on --irc-port (or HUBBUB_IRC_PORT), logs the port, and says ERROR to IRC clients on SIGINT", async () => {
    const server = start(["--port", "0", "--server-name", "hub.example"], { HUBBUB_IRC_PORT: "0" })
    const port = await server.port()
    const m = await server.waitFor("stderr", /listening for IRC on 127\.0\.0\.1:(\d+)/)
    const ircClient = await TestClient.connect(Number(m[1]))
    cleanup.push(() => ircClient.reset())
    ircClient.send("NICK ann", "USER ann 0 * :Ann", "JOIN #lobby")
    await ircClient.until(":hub.example 366 ann #lobby :End of /NAMES list")
    const bob = await join(port, "bob")
    bob.send("hi ann")
    assert.strictEqual(await ircClient.until(/PRIVMSG/), ":bob!bob@hubbub PRIVMSG #lobby :hi ann")
    server.child.kill("SIGINT")
    assert.strictEqual(await ircClient.until(/^ERROR/), "ERROR :Server shutting down")
    await ircClient.eof()
    assert.strictEqual((await server.exit()).code, 0)
  })

  it("fails with one line and exit 1 when the IRC port is in use", async () => {
    const blocker = Net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve))
    cleanup.push(() => blocker.close())
    const taken = (blocker.address() as Net.AddressInfo).port
    const server = start(["--port", "0", "--irc-port", String(taken)])
    const { code } = await server.exit()
    assert.strictEqual(code, 1)
    const errors = server.stderr.filter((l) => l.trim() !== "" && !/INFO/.test(l))
    assert.strictEqual(errors.length, 1, errors.join("\n"))
    assert.include(errors[0], `cannot listen on 127.0.0.1:${taken}: address already in use`)
  })

  it("fails with one line and exit 1 when the port is in use", async () => {
    const first = start(["--port", "0"])
    const port = await first.port()
    const second = start(["--port", String(port)])
    const { code } = await second.exit()
    assert.strictEqual(code, 1)
    const errors = second.stderr.filter((l) => l.trim() !== "")
    assert.strictEqual(errors.length, 1, errors.join("\n"))
    assert.include(errors[0], `cannot listen on 127.0.0.1:${port}: address already in use`)
  })

  it("rejects a bad flag value with one line and exit 2", async () => {
    for (const args of [["--port", "abc"], ["--port", "70000"], ["--max-line-bytes", "0"], ["--nope"]]) {
      const server = start(args)
      const { code } = await server.exit()
      assert.strictEqual(code, 2, args.join(" "))
      const errors = server.stderr.filter((l) => l.trim() !== "")
      assert.strictEqual(errors.length, 1, errors.join("\n"))
      assert.match(errors[0], /^hubbub: .*\(see hubbub --help\)$/)
      assert.deepStrictEqual(server.stdout.filter((l) => l.trim() !== ""), [])
    }
  })

  it("prints --help (flags with their environment variables) and --version", async () => {
    const help = start(["--help"])
    assert.strictEqual((await help.exit()).code, 0)
    const text = help.stdout.join("\n")
    for (const flag of ["--host", "--port", "--max-line-bytes", "--outbox-bytes", "--shutdown-timeout", "--status-interval", "--log-format", "--log-level", "--console"]) {
      assert.include(text, flag)
    }
    for (const name of ["HUBBUB_HOST", "HUBBUB_PORT", "HUBBUB_OUTBOX_BYTES", "HUBBUB_SHUTDOWN_TIMEOUT"]) assert.include(text, name)
    const version = start(["--version"])
    assert.strictEqual((await version.exit()).code, 0)
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
    assert.include(version.stdout.join("\n"), pkg.version)
  })

  it("reads settings from HUBBUB_* variables, flags winning, and logs JSON on request", async () => {
    const server = start(["--max-line-bytes", "10"], {
      HUBBUB_PORT: "0",
      HUBBUB_LOG_FORMAT: "json",
      HUBBUB_MAX_LINE_BYTES: "5000"
    })
    const m = await server.waitFor("stderr", /"message":"listening on 127\.0\.0\.1:(\d+)"/)
    const port = Number(m[1])
    const alice = await join(port, "alice")
    alice.send("x".repeat(11))
    assert.match(await alice.until(/too long/), /more than 10 bytes/)
    const opened = server.stderr.find((l) => l.includes("connection opened"))!
    assert.match(JSON.parse(opened).annotations.peer, /^127\.0\.0\.1:\d+$/)
  })

  it("takes operator commands on stdin with --console; end of input leaves the server running", async () => {
    const server = start(["--port", "0", "--console", "--operators", "boss, chief"])
    const port = await server.port()
    const alice = await join(port, "alice")
    const bob = await join(port, "bob")
    const console = (line: string) => server.child.stdin!.write(line + "\n")

    console("who")
    await server.waitFor("stdout", /^2 connection\(s\)/)
    // A table whose columns line up.
    const header = (await server.waitFor("stdout", /^nick +room +peer +since +outbox bytes$/))[0]
    const alicesRow = (await server.waitFor("stdout", /^alice +#lobby +127\.0\.0\.1:\d+ +\d{4}-\S+ +\d+$/))[0]
    assert.strictEqual(alicesRow.indexOf("#lobby"), header.indexOf("room"))
    assert.strictEqual(alicesRow.indexOf("127.0.0.1"), header.indexOf("peer"))
    assert.strictEqual(alicesRow.search(/\d{4}-/), header.indexOf("since"))
    console("rooms")
    await server.waitFor("stdout", /^#lobby +2$/)
    console("say maintenance at noon")
    assert.strictEqual(await alice.until(/operator/), "-!- [operator] maintenance at noon")
    console("stats")
    await server.waitFor("stdout", /^connections: 2 live, 2 since start, 0 refused$/)
    await server.waitFor("stdout", /^live fibers: \d+ serving connections$/)
    console("fibers")
    await server.waitFor("stdout", /^#\d+ +connection +s\d+ +bob +/)
    console("frobnicate")
    await server.waitFor("stdout", /^unknown command: frobnicate \(try help\)$/)
    console("kick bob spamming")
    assert.strictEqual(await bob.until(/disconnected by the operator/), "-!- You have been disconnected by the operator: spamming")
    await bob.eof()
    assert.strictEqual(await alice.until(/bob has left/), "-!- bob has left #lobby (kicked: spamming)")
    console("kick nobody")
    await server.waitFor("stdout", /^no such nick: nobody$/)
    // --operators named accounts nobody registered (the store is in memory): they get no powers, or the first to register them would.
    await server.waitFor("stderr", /server operator boss is no account: it has no powers until it is registered/)
    console("opers")
    await server.waitFor("stdout", /^no server operators$/)
    console("oper alice")
    await server.waitFor("stdout", /^no account alice: register it first/)
    alice.send("/register alice-password")
    await alice.until("-!- Nickname alice is now registered to you")
    console("oper alice")
    await server.waitFor("stdout", /^alice is a server operator$/)
    alice.send("/wallops now an operator")
    assert.strictEqual(await alice.until(/wallops/), "-!- [wallops] alice: now an operator")
    console("deoper alice")
    await server.waitFor("stdout", /^alice is no server operator now$/)
    alice.send("/wallops still?")
    assert.strictEqual(await alice.until(/server operators/), "-!- Only server operators may do that.")
    // A dropped account's powers go with it: whoever registers the name next has none.
    console("oper alice")
    await server.waitFor("stdout", /^alice is a server operator$/)
    alice.send("/unregister alice-password")
    await alice.until(/no longer registered|unregistered|dropped/i)
    alice.send("/register alice-other-password", "/wallops mine now?")
    await alice.until("-!- Nickname alice is now registered to you")
    assert.strictEqual(await alice.until(/server operators/), "-!- Only server operators may do that.")

    server.child.stdin!.end()
    await server.waitFor("stderr", /console input ended; console off/)
    alice.send("still here")
    assert.strictEqual(await alice.until(/^</), "<alice> still here")
    assert.isNull(server.child.exitCode)
  })

  it("logs a status line every --status-interval seconds", async () => {
    const server = start(["--port", "0", "--status-interval", "0.2", "--log-format", "logfmt"])
    const port = await server.port()
    await join(port, "alice")
    const m = await server.waitFor("stderr", /message=status .*connections=(\d+)/)
    assert.isAtLeast(Number(m[1]), 0)
    await server.waitFor("stderr", /message=status .*connections=1 .*fibers=\d+/)
  })

  it("survives running out of file descriptors and recovers when they free up", async () => {
    const server = start(["--port", "0"], {}, 200)
    const port = await server.port()
    const alice = await join(port, "alice")
    const flood = Array.from({ length: 300 }, () => Net.createConnection({ port, host: "127.0.0.1" }).on("error", () => {}))
    // past its 200 descriptors the server sheds connections it cannot accept: some are closed from its side
    const shed = await Promise.race([
      Promise.any(flood.map((s) => new Promise((resolve) => s.once("close", () => resolve(true))))),
      new Promise((resolve) => setTimeout(() => resolve(false), 5000))
    ])
    assert.isTrue(shed, "no connection was shed: the descriptor limit was never reached")
    alice.send("during")
    assert.strictEqual(await alice.until(/^</), "<alice> during")
    for (const s of flood) s.destroy()
    // Until the server has let the flood go, a new connection may still be shed: retry, as a client would.
    let bob: TestClient | undefined
    for (let attempt = 0; attempt < 50 && bob === undefined; attempt++) {
      bob = await join(port, "bob").catch(() => undefined)
    }
    if (bob === undefined) return assert.fail("the server never took a connection again")
    bob.send("after")
    assert.strictEqual(await alice.until(/^<bob>/), "<bob> after")
    assert.isNull(server.child.exitCode)
    noStackTrace(server.stderr)
  })

  it("turns on TCP keepalive for every connection (--keepalive), or not (0)", async () => {
    const timers = async (keepalive: string) => {
      const server = start(["--port", "0", "--keepalive", keepalive])
      const port = await server.port()
      await join(port, "alice")
      // The kernel's view of the server's side. It shows one timer at a time, and a retransmission
      // timer while data is unacknowledged, so look again (bounded) until nothing is in flight.
      let stdout = ""
      for (let attempt = 0; attempt < 40; attempt++) {
        stdout = (await execFile("ss", ["-tno", "state", "established", `( sport = :${port} )`])).stdout
        if (!/timer:\(on,/.test(stdout)) break
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      server.kill()
      return stdout
    }
    const on = await timers("7")
    assert.match(on, /timer:\(keepalive,/, on)
    assert.notMatch(await timers("0"), /keepalive/)
  })

  it("stops gracefully on the console's quit", async () => {
    const server = start(["--port", "0", "--console"])
    const port = await server.port()
    const alice = await join(port, "alice")
    server.child.stdin!.write("quit\n")
    assert.strictEqual(await alice.until(/shutting down/), "-!- Server shutting down. Goodbye.")
    await alice.eof()
    assert.strictEqual((await server.exit()).code, 0)
  })
})
