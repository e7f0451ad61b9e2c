import { assert, describe, it } from "@effect/vitest"
import { ServerProcess } from "./support/process.js"
import { tracking } from "./support/tracked.js"
import { TestClient } from "./support/TestClient.js"

const track = tracking()

describe("drain for a restart", () => {
  it("on SIGUSR2: is not ready at once, takes no one new, tells everyone, disconnects them over --drain-seconds, and exits 0", async () => {
    const server = track(ServerProcess.start(["--port", "0", "--irc-port", "0", "--http-port", "0", "--no-console", "--drain-seconds", "1", "--server-name", "irc.test"]))
    const port = await server.port()
    // The process to signal, as the log names it.
    await server.waitFor("stderr", new RegExp(`^\\s+pid: ${server.child.pid}$`))
    const ircPort = Number((await server.waitFor("stderr", /listening for IRC on 127\.0\.0\.1:(\d+)/))[1])
    const httpPort = Number((await server.waitFor("stderr", /chat page at http:\/\/127\.0\.0\.1:(\d+)\//))[1])
    assert.strictEqual((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status, 200)
    const ann = track(await TestClient.join(port, "ann"))
    const bob = track(await TestClient.connect(ircPort))
    bob.send("NICK bob", "USER bob 0 * :Bob")
    await bob.until(/ 376 bob /)

    server.child.kill("SIGUSR2")
    assert.strictEqual(await ann.until(/restarting/), "-!- This server is restarting: you will be disconnected within 1 s. Reconnect to carry on.")
    const ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`)
    assert.strictEqual(ready.status, 503)
    const late = track(await TestClient.connect(port))
    assert.match(await late.until(/shutting down|restarting/), /Server shutting down/)
    assert.strictEqual(await bob.until(/restarting/), ":irc.test NOTICE * :This server is restarting: you will be disconnected within 1 s. Reconnect to carry on.")

    assert.strictEqual(await ann.until(/reconnect to carry on/), "-!- Server restarting: reconnect to carry on.")
    await ann.eof()
    assert.strictEqual(await bob.until(/^ERROR/), "ERROR :Server restarting, reconnect")
    await bob.eof()
    assert.strictEqual((await server.exit()).code, 0)
    assert.isTrue(server.stderr.some((line) => /draining for a restart/.test(line)))
    // Each connection's close is logged with its reason (a field on the line below it).
    assert.strictEqual(server.stderr.filter((line) => line.trim() === "reason: restart").length, 2, server.stderr.join("\n"))
    // Spread over the second: not both at once.
    const closedAt = server.stderr.flatMap((line) => {
      const m = /^\[(\d\d):(\d\d):(\d\d)\.(\d{3})\] INFO .*connection closed/.exec(line)
      return m === null ? [] : [((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4])]
    })
    assert.strictEqual(closedAt.length, 2)
    assert.isAtLeast(closedAt[1]! - closedAt[0]!, 300)
  })
})
