import { assert, describe, it } from "@effect/vitest"
import { Duration, Option } from "effect"
import * as Net from "node:net"
import { fixtures } from "../support/fixtures.js"
import { TestClient } from "../support/TestClient.js"
import { WsClient } from "../support/WsClient.js"

const { later, server } = fixtures()

/** A raw socket to the HTTP port that sends nothing; `text` is all it received, `closed` settles when it closes. */
const idle = (port: number) =>
  new Promise<{ socket: Net.Socket; text: () => string; closed: Promise<void> }>((resolve, reject) => {
    let text = ""
    const socket = Net.createConnection({ port, host: "127.0.0.1" })
    const closed = new Promise<void>((done) => socket.once("close", () => done()))
    socket.setEncoding("utf8").on("data", (chunk: string) => {
      text += chunk
    })
    socket.once("error", reject)
    socket.once("connect", () => resolve({ socket, text: () => text, closed }))
    later(() => void socket.destroy())
  })

describe("HTTP connections and the limits", () => {
  it("counts idle HTTP sockets against --max-per-ip: one more gets a 503, while a user from another address still registers", async () => {
    const { httpPort, logs, port } = await server({ httpPort: Option.some(0), maxPerIp: 3, limitLoopback: true })
    for (let i = 0; i < 3; i++) await idle(httpPort)
    const refused = await idle(httpPort)
    await refused.closed
    assert.match(refused.text(), /^HTTP\/1\.1 503 Service Unavailable\r\n/)
    assert.match(refused.text(), /\r\n\r\nToo many connections from your address \(limit 3\)\.\n$/)
    // The quota is the address's, whatever port it is used on.
    const same = await TestClient.connect(port)
    later(() => same.reset())
    await same.until("-!- Too many connections from your address (limit 3).")
    const other = await TestClient.connect(port, "127.0.0.1", "127.0.0.2")
    later(() => other.reset())
    await other.until("Choose a nickname")
    other.send("ann")
    await other.until(/^-!- Welcome, ann!/)
    assert.isTrue(logs.some((l) => l.level === "Warn" && /^refused 1 HTTP connection: Too many connections/.test(l.message)))
  })

  it("closes an HTTP socket that sends no request within --register-timeout", async () => {
    const { httpPort } = await server({ httpPort: Option.some(0), registerTimeout: Duration.seconds(1) })
    const quiet = await idle(httpPort)
    await quiet.closed
    assert.match(quiet.text(), /^HTTP\/1\.1 408 Request Timeout\r\n/)
    // The page still loads.
    assert.strictEqual((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status, 200)
  })

  it("counts a WebSocket session once, and frees its place when it closes", async () => {
    const { httpPort, port, runtime, sessions } = await server({ httpPort: Option.some(0), maxConnections: 2, registerTimeout: Duration.seconds(1) })
    const first = await WsClient.join(httpPort, "ann")
    later(() => first.reset())
    const second = await WsClient.join(httpPort, "ben")
    later(() => second.reset())
    const full = await TestClient.connect(port)
    later(() => full.reset())
    await full.until("-!- Server full (2 connections); try again later.")
    // Past the HTTP port's timeout (1 s), a WebSocket session lives by its own clocks.
    const refused = await idle(httpPort)
    await refused.closed
    assert.match(refused.text(), /^HTTP\/1\.1 503 /)
    first.say("still here")
    await second.until((m) => m.type === "chat" && m.text === "still here")
    first.reset()
    second.reset()
    await runtime.runPromise(sessions.awaitEmpty)
    const cat = await TestClient.connect(port)
    later(() => cat.reset())
    await cat.until("Choose a nickname")
    assert.isFalse(cat.saw(/full/), "the WebSocket sessions' places are free once they closed")
  })
})
