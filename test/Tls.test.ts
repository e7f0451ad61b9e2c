import { assert, beforeAll, describe, it } from "@effect/vitest"
import { Option } from "effect"
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Https from "node:https"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { fixtures } from "./support/fixtures.js"
import { ServerProcess } from "./support/process.js"
import { startServer } from "./support/server.js"
import { TestClient } from "./support/TestClient.js"
import { WsClient } from "./support/WsClient.js"

const { later, server } = fixtures()

/** A throwaway self-signed certificate for localhost, made with openssl as the README shows. */
let dir = ""
let cert = ""
let key = ""
beforeAll(() => {
  dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "hubbub-tls-"))
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
    "-keyout", Path.join(dir, "key.pem"), "-out", Path.join(dir, "cert.pem")
  ], { stdio: "ignore" })
  execFileSync("openssl", ["genrsa", "-out", Path.join(dir, "other-key.pem"), "2048"], { stdio: "ignore" })
  Fs.writeFileSync(Path.join(dir, "empty.pem"), "")
  cert = Fs.readFileSync(Path.join(dir, "cert.pem"), "utf8")
  key = Fs.readFileSync(Path.join(dir, "key.pem"), "utf8")
  return () => Fs.rmSync(dir, { recursive: true, force: true })
})

const tlsServer = () =>
  server({ tls: Option.some({ cert, key }), ircPort: Option.some(0), httpPort: Option.some(0), serverName: "irc.test", floodRate: 0 })

const connectTls = async (port: number) => {
  const client = await TestClient.connectTls(port, cert)
  later(() => client.reset())
  return client
}

describe("TLS", () => {
  it("a text client and an IRC client chat over TLS", async () => {
    const { ircPort, port } = await tlsServer()
    const text = await connectTls(port)
    await text.until("Choose a nickname")
    text.send("alice")
    await text.until("-!- Members of #lobby")
    const irc = await connectTls(ircPort)
    irc.send("NICK bob", "USER bob 0 * :Bob", "JOIN #lobby")
    await irc.until(/ 366 bob #lobby /)
    text.send("hello, encrypted")
    assert.strictEqual(await irc.until("PRIVMSG"), ":alice!alice@hubbub PRIVMSG #lobby :hello, encrypted")
    irc.send("PRIVMSG #lobby :and back")
    assert.strictEqual(await text.until("<bob>"), "<bob> and back")
  })

  it("serves the page and its WebSocket over TLS", async () => {
    const { httpPort } = await tlsServer()
    const status = await new Promise<number>((resolve, reject) =>
      Https.get({ host: "127.0.0.1", port: httpPort, path: "/healthz", ca: cert, servername: "localhost" }, (response) => {
        response.resume()
        resolve(response.statusCode ?? 0)
      }).on("error", reject)
    )
    assert.strictEqual(status, 200)
    const web = await WsClient.join(httpPort, "webby", { ca: cert })
    later(() => web.reset())
    web.say("hi")
    assert.deepInclude(await web.until((m) => m.type === "chat"), { from: "webby", text: "hi" })
  })

  it("counts the HTTP port's sockets from before their handshake, and a WebSocket over TLS once", async () => {
    const { httpPort, port } = await server({ tls: Option.some({ cert, key }), httpPort: Option.some(0), maxConnections: 2 })
    const web = await WsClient.join(httpPort, "webby", { ca: cert })
    later(() => web.reset())
    // A socket that never starts its handshake takes the last place.
    const silent = await new Promise<Net.Socket>((resolve, reject) => {
      const socket = Net.createConnection({ port: httpPort, host: "127.0.0.1" }, () => resolve(socket)).once("error", reject)
    })
    later(() => void silent.destroy())
    let silentClosed = false
    silent.once("close", () => {
      silentClosed = true
    })
    const refused = await new Promise<Net.Socket>((resolve, reject) => {
      const socket = Net.createConnection({ port: httpPort, host: "127.0.0.1" }, () => resolve(socket)).once("error", reject)
    })
    await new Promise<void>((resolve) => refused.once("close", () => resolve()).resume())
    const full = await connectTls(port)
    await full.until("-!- Server full (2 connections); try again later.")
    web.say("still here")
    assert.deepInclude(await web.until((m) => m.type === "chat"), { from: "webby", text: "still here" })
    assert.isFalse(silentClosed, "the WebSocket counted once, so the silent socket had a place")
  })

  it("a plaintext client on a TLS port costs nothing: no session, nothing logged, and the next client is served", async () => {
    const s = await tlsServer()
    const plain = await TestClient.connect(s.port)
    later(() => plain.reset())
    plain.send("mallory", "hello?")
    await plain.eof()
    assert.notInclude(plain.all, "Welcome")
    assert.strictEqual(s.counters.connections, 0)
    assert.strictEqual(s.sessions.live.size, 0)
    assert.deepStrictEqual(s.logs, [])
    const text = await connectTls(s.port)
    await text.until("Choose a nickname")
  })

  it("stops without waiting for connections still in their handshake, half-closed or silent, and closes them", async () => {
    const s = await startServer({ tls: Option.some({ cert, key }) })
    let stopped: Promise<void> | undefined
    later(() => stopped ?? s.stop())
    const raw = (port: number) =>
      new Promise<Net.Socket>((resolve, reject) => {
        const socket = Net.connect({ port, host: "127.0.0.1", allowHalfOpen: true }, () => resolve(socket))
        socket.on("error", reject)
      })
    // The server's side closing: an end (these clients keep their own side open) or a close.
    const closed = (socket: Net.Socket) =>
      new Promise<void>((resolve) => {
        socket.once("end", () => resolve())
        socket.once("close", () => resolve())
      })
    // Half-closed before any handshake (Node keeps the server's side open until the handshake times out),
    // and connected but silent: the server's stop must wait for neither.
    const quitter = await raw(s.port)
    const quitterClosed = closed(quitter)
    quitter.end()
    const idle = await raw(s.port)
    const idleClosed = closed(idle)
    stopped = s.stop()
    await stopped
    await Promise.all([quitterClosed, idleClosed])
    quitter.destroy()
    idle.destroy()
  })

  it("stops at startup with one line for a missing or bad certificate or key", async () => {
    const cases: Array<readonly [Array<string>, RegExp]> = [
      [["--tls-cert", Path.join(dir, "cert.pem")], /^hubbub: TLS needs both --tls-cert and --tls-key$/],
      [["--tls-cert", Path.join(dir, "nope.pem"), "--tls-key", Path.join(dir, "key.pem")], /^hubbub: cannot read --tls-cert .*nope\.pem: no such file$/],
      [["--tls-cert", Path.join(dir, "key.pem"), "--tls-key", Path.join(dir, "key.pem")], /^hubbub: no PEM certificate in --tls-cert /],
      [["--tls-cert", Path.join(dir, "empty.pem"), "--tls-key", Path.join(dir, "key.pem")], /^hubbub: no PEM certificate in --tls-cert /],
      [["--tls-cert", Path.join(dir, "cert.pem"), "--tls-key", dir], /^hubbub: cannot read --tls-key .*: not a readable file$/],
      [["--tls-cert", Path.join(dir, "cert.pem"), "--tls-key", Path.join(dir, "other-key.pem")], /^hubbub: bad TLS certificate or key .*key values mismatch/]
    ]
    for (const [args, line] of cases) {
      const server = ServerProcess.start(["--port", "0", ...args])
      later(() => server.kill())
      assert.strictEqual((await server.exit()).code, 1)
      assert.strictEqual(server.stderr.filter((l) => l !== "").length, 1, server.stderr.join("\n"))
      assert.match(server.stderr[0], line)
    }
  })

  it("a failed handshake is logged at debug level only", async () => {
    const server = ServerProcess.start([
      "--port", "0", "--log-level", "debug", "--tls-cert", Path.join(dir, "cert.pem"), "--tls-key", Path.join(dir, "key.pem")
    ])
    later(() => server.kill())
    const port = await server.port()
    const plain = Net.connect({ port, host: "127.0.0.1" })
    plain.on("error", () => {})
    plain.write("not a handshake\n")
    await server.waitFor("stderr", /DEBUG .*TLS handshake failed/)
    plain.destroy()
  })
})
