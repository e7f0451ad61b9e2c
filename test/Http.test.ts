import { assert, describe, it } from "@effect/vitest"
import * as Http from "node:http"
import { Duration, Option } from "effect"
import type { ServerMessage } from "../src/protocol/Json.js"
import { fixtures } from "./support/fixtures.js"
import { startServer } from "./support/server.js"
import { TestClient } from "./support/TestClient.js"
import { WsClient } from "./support/WsClient.js"

const { join, later, server } = fixtures()

/** A server with HTTP on a free port, flood control off unless asked. */
const httpServer = (overrides: Parameters<typeof server>[0] = {}) =>
  server({ httpPort: Option.some(0), floodRate: 0, ...overrides })

const wsJoin = async (port: number, nick: string, options = {}) => {
  const client = await WsClient.join(port, nick, options)
  later(() => client.reset())
  return client
}

/** Awaits a promise that must fail, with an error matching `match`. */
const assertRejects = async (promise: Promise<unknown>, match: RegExp) => {
  const error = await promise.then(() => undefined, (error: unknown) => error)
  assert.match(String(error), match)
}

const get = (port: number, path: string) => fetch(`http://127.0.0.1:${port}${path}`)

const is = <T extends ServerMessage["type"]>(type: T) => (m: ServerMessage): m is Extract<ServerMessage, { type: T }> =>
  m.type === type

/** A GET with the `Host` a browser sends for `host` (fetch does not let one be set): its status. */
const statusFor = (port: number, path: string, host: string, upgrade = false) =>
  new Promise<number>((resolve, reject) => {
    const headers: Record<string, string> = { host }
    if (upgrade) Object.assign(headers, { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" })
    const request = Http.get({ host: "127.0.0.1", port, path, headers, agent: false }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
    request.on("upgrade", (response, socket) => {
      socket.destroy()
      resolve(response.statusCode ?? 0)
    })
    request.on("error", reject)
  })

describe("the Host a request names (DNS rebinding)", () => {
  it("serves the page and its WebSocket only for an address or localhost, and with --public-url only for its host; health for any", async () => {
    const { httpPort } = await httpServer()
    for (const host of [`127.0.0.1:${httpPort}`, `localhost:${httpPort}`, `[::1]:${httpPort}`]) {
      assert.strictEqual(await statusFor(httpPort, "/", host), 200, host)
    }
    assert.strictEqual(await statusFor(httpPort, "/ws", `127.0.0.1:${httpPort}`, true), 101)
    for (const path of ["/", "/index.html", "/app.js", "/style.css"]) {
      assert.strictEqual(await statusFor(httpPort, path, `evil.example:${httpPort}`), 421, path)
    }
    assert.strictEqual(await statusFor(httpPort, "/ws", `evil.example:${httpPort}`, true), 421)
    assert.strictEqual(await statusFor(httpPort, "/healthz", `evil.example:${httpPort}`), 200)

    const named = await httpServer({ publicUrl: Option.some("https://chat.example.org") })
    assert.strictEqual(await statusFor(named.httpPort, "/", "chat.example.org"), 200)
    assert.strictEqual(await statusFor(named.httpPort, "/", "CHAT.example.org:443"), 200)
    assert.strictEqual(await statusFor(named.httpPort, "/ws", "chat.example.org", true), 101)
    // An address is never someone else's name: still served.
    assert.strictEqual(await statusFor(named.httpPort, "/", `127.0.0.1:${named.httpPort}`), 200)
    assert.strictEqual(await statusFor(named.httpPort, "/", `chat.example.org:${named.httpPort}`), 200)
    assert.strictEqual(await statusFor(named.httpPort, "/", "other.example.org"), 421)
    assert.strictEqual(await statusFor(named.httpPort, "/", "chat.example.org.evil.example"), 421)
    assert.strictEqual(await statusFor(named.httpPort, "/readyz", "anything"), 200)
  })
})

describe("HTTP", () => {
  it("serves the chat page with a strict content security policy, and its script and style", async () => {
    const { httpPort } = await httpServer()
    const page = await get(httpPort, "/")
    assert.strictEqual(page.status, 200)
    assert.strictEqual(page.headers.get("content-type"), "text/html; charset=utf-8")
    assert.include(page.headers.get("content-security-policy"), "script-src 'self'")
    const html = await page.text()
    assert.include(html, `<script src="/app.js" defer></script>`)
    assert.include(html, `aria-live="polite"`)
    const app = await get(httpPort, "/app.js")
    assert.strictEqual(app.headers.get("content-type"), "text/javascript; charset=utf-8")
    assert.isAbove((await app.text()).length, 1000)
    assert.strictEqual((await get(httpPort, "/style.css")).headers.get("content-type"), "text/css; charset=utf-8")
    assert.strictEqual((await get(httpPort, "/nothing-here")).status, 404)
    // The page by its file name too, as people type it.
    const byName = await get(httpPort, "/index.html")
    assert.strictEqual(byName.status, 200)
    assert.strictEqual(await byName.text(), html)
    const plain = await get(httpPort, "/ws")
    assert.strictEqual(plain.status, 426)
  })

  it("answers /healthz, and /readyz with 200 while serving and 503 from the moment shutdown begins", async () => {
    const s = await startServer({ httpPort: Option.some(0), floodRate: 0, outboxBytes: 64 * 1024 * 1024 })
    let stopped: Promise<void> | undefined
    later(() => stopped ?? s.stop())
    assert.strictEqual((await get(s.httpPort, "/healthz")).status, 200)
    const ready = await get(s.httpPort, "/readyz")
    assert.strictEqual(ready.status, 200)
    assert.strictEqual(await ready.text(), "ready\n")
    // A client that does not read holds the shutdown open (its output is still owed) while /readyz is asked.
    const alice = await TestClient.join(s.port, "alice")
    later(() => alice.reset())
    const bob = await TestClient.join(s.port, "bob")
    later(() => bob.reset())
    alice.socket.pause()
    alice.send(...Array.from({ length: 20_000 }, () => "/help"))
    // Nothing signals it: the server's outbox for alice is looked at until it holds bytes (at most 4 s).
    const backedUp = () => [...s.sessions.live.values()].some((h) => h.nick === "alice" && h.outboxBytes > 0)
    for (let i = 0; i < 200 && !backedUp(); i++) await new Promise((resolve) => setTimeout(resolve, 20))
    assert.isTrue(backedUp(), "alice's output is backed up in the server")
    stopped = s.stop()
    await bob.until("Server shutting down")
    const stopping = await get(s.httpPort, "/readyz")
    assert.strictEqual(stopping.status, 503)
    assert.strictEqual(await stopping.text(), "stopping\n")
    assert.strictEqual((await get(s.httpPort, "/healthz")).status, 200)
    alice.socket.resume()
    await stopped
  })
})

/** One sample of `/metrics`: `name{labels}` to its value. */
const metrics = async (port: number) => {
  const response = await get(port, "/metrics")
  assert.strictEqual(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8")
  const values = new Map<string, number>()
  for (const line of (await response.text()).split("\n")) {
    if (line === "" || line.startsWith("#")) continue
    const space = line.lastIndexOf(" ")
    values.set(line.slice(0, space), Number(line.slice(space + 1)))
  }
  return values
}

describe("/metrics", () => {
  it("counts room operators' actions by action, as the page's JSON makes them", async () => {
    const { httpPort, port } = await httpServer({ publicMetrics: true })
    const web = await wsJoin(httpPort, "webop")
    web.say("/join #mods")
    await web.until((m) => m.type === "members" && m.room === "#mods")
    const nc = await join(port, "netcat")
    nc.send("/join #mods")
    await web.until((m) => m.type === "joined" && m.nick === "netcat")
    web.ws.send(JSON.stringify({ type: "mode", change: "+mt" }))
    await nc.until("-!- webop sets mode +mt on #mods")
    const mode = await web.until((m) => m.type === "mode")
    assert.deepStrictEqual(mode, { type: "mode", room: "#mods", by: "webop", changes: [{ on: true, mode: "m" }, { on: true, mode: "t" }] } as ServerMessage)
    web.ws.send(JSON.stringify({ type: "kick", nick: "netcat", reason: "testing" }))
    await nc.until("-!- netcat was kicked from #mods by webop (testing)")
    const left = await web.until((m) => m.type === "left" && m.nick === "netcat")
    assert.strictEqual((left as { by?: string }).by, "webop")
    web.ws.send(JSON.stringify({ type: "kick", nick: "nobody" }))
    await web.until((m) => m.type === "error")
    const counted = await metrics(httpPort)
    assert.strictEqual(counted.get(`hubbub_moderation_actions_total{action="mode"}`), 1)
    assert.strictEqual(counted.get(`hubbub_moderation_actions_total{action="kick"}`), 1, "a refused kick is not counted")
  })

  it("moves as clients connect, chat and leave, in Prometheus' text format", async () => {
    // Two sessions and the test's own HTTP connection (kept alive) for /metrics.
    const { httpPort, port } = await httpServer({ publicMetrics: true, maxConnections: 3 })
    const before = await metrics(httpPort)
    assert.strictEqual(before.get(`hubbub_connections{protocol="text"}`), 0)
    assert.strictEqual(before.get("hubbub_sessions_registered"), 0)
    // Every metric is there from the first read, before anything happened.
    for (const name of ["hubbub_lines_received_total", "hubbub_connections_refused_total", "hubbub_flood_delays_total", "hubbub_delivery_seconds_count"]) {
      assert.strictEqual(before.get(name), 0, name)
    }
    // The process's own: memory, descriptors, collector pauses and the event loop's delay.
    assert.isAbove(before.get("process_resident_memory_bytes") ?? 0, 10 * 1024 * 1024)
    assert.isAbove(before.get("nodejs_heap_used_bytes") ?? 0, 1024 * 1024)
    assert.isAbove(before.get("process_open_fds") ?? 0, 3)
    for (const name of ["nodejs_gc_pause_seconds_count", "nodejs_eventloop_delay_seconds_count"]) assert.isAtLeast(before.get(name) ?? -1, 0, name)

    const nc = await join(port, "netcat")
    const web = await wsJoin(httpPort, "webby")
    nc.send("one", "two")
    await web.until((m) => m.type === "chat" && m.text === "two")
    const during = await metrics(httpPort)
    assert.strictEqual(during.get(`hubbub_connections{protocol="text"}`), 1)
    assert.strictEqual(during.get(`hubbub_connections{protocol="json"}`), 1)
    assert.strictEqual(during.get("hubbub_sessions_registered"), 2)
    assert.strictEqual(during.get("hubbub_rooms"), 1)
    assert.strictEqual(during.get("hubbub_lines_received_total"), 4, "two nicknames and two lines of chat")
    assert.strictEqual(during.get("hubbub_messages_received_total"), 2)
    assert.isAtLeast(during.get("hubbub_events_delivered_total")!, 4)
    assert.isAbove(during.get("hubbub_bytes_received_total")!, 0)
    assert.isAbove(during.get("hubbub_bytes_sent_total")!, during.get("hubbub_bytes_received_total")!)
    assert.isAbove(during.get("hubbub_delivery_seconds_count")!, 0)
    assert.strictEqual(during.get(`hubbub_delivery_seconds_bucket{le="+Inf"}`), during.get("hubbub_delivery_seconds_count"))

    nc.send("/quit")
    await web.until((m) => m.type === "left" && m.nick === "netcat")
    // Two sessions and the metrics' connection fill this server: a third WebSocket is refused at its upgrade.
    await wsJoin(httpPort, "second")
    await assertRejects(WsClient.connect(httpPort), /HTTP 503/)
    const after = await metrics(httpPort)
    assert.strictEqual(after.get(`hubbub_connections{protocol="text"}`), 0)
    assert.strictEqual(after.get(`hubbub_connections{protocol="json"}`), 2)
    assert.strictEqual(after.get(`hubbub_disconnects_total{reason="quit"}`), 1)
    assert.strictEqual(after.get("hubbub_connections_refused_total"), 1)
  })
})

describe("WebSocket", () => {
  it("chats with text clients in the same room, both ways, as JSON in text frames", async () => {
    const { httpPort, port } = await httpServer()
    const nc = await join(port, "netcat")
    const web = await wsJoin(httpPort, "webby")
    assert.deepInclude(web.messages, { type: "welcome", nick: "webby", room: "#lobby" })
    const members = web.messages.find(is("members"))!
    assert.sameMembers([...members.nicks], ["netcat", "webby"])
    await nc.until("-!- webby has joined #lobby")

    web.say("hello from the browser")
    assert.strictEqual(await nc.until("<webby>"), "<webby> hello from the browser")
    nc.send("hello from netcat", "/me waves")
    // Each with its message id, which the page pages history by.
    const withoutId = ({ id, ...rest }: { id?: string | undefined }) => {
      assert.match(id ?? "", /^[-0-9A-Za-z_]{11,}$/)
      return rest
    }
    assert.deepStrictEqual(withoutId(await web.until(is("chat"))), {
      type: "chat",
      room: "#lobby",
      from: "webby",
      text: "hello from the browser"
    })
    assert.deepStrictEqual(withoutId(await web.until(is("chat"))), { type: "chat", room: "#lobby", from: "netcat", text: "hello from netcat" })
    assert.deepStrictEqual(withoutId(await web.until(is("chat"))), {
      type: "chat",
      room: "#lobby",
      from: "netcat",
      text: "waves",
      action: true
    })

    web.say("/msg netcat psst")
    assert.strictEqual(await nc.until("*webby*"), "*webby* psst")
    assert.deepStrictEqual(await web.until(is("private")), { type: "private", to: "netcat", text: "psst" })
    nc.send("/topic the topic")
    assert.deepStrictEqual(await web.until(is("topic")), { type: "topic", room: "#lobby", topic: "the topic", by: "netcat" })
    web.say("/join #dev")
    assert.deepStrictEqual(await web.until(is("joined")), { type: "joined", room: "#dev", nick: "webby" })
    assert.strictEqual(await nc.until("webby has left"), "-!- webby has left #lobby (moved to #dev)")
  })

  it("answers bad JSON and unknown messages with an error, and keeps the socket up", async () => {
    const { httpPort } = await httpServer()
    const web = await wsJoin(httpPort, "webby")
    web.ws.send("this is not json")
    assert.deepStrictEqual(await web.until(is("error")), { type: "error", code: "BadMessage", text: "Bad message: not JSON" })
    web.ws.send(JSON.stringify({ type: "shout", text: "hi" }))
    const unknown = await web.until(is("error"))
    assert.strictEqual(unknown.code, "BadMessage")
    assert.include(unknown.text, `{"type":"line","text":"..."}`)
    // Several lines in one message, the last without a line end.
    web.ws.send(`{"type":"line","text":"one"}\n{"type":"line","text":"two"}`)
    assert.strictEqual((await web.until(is("chat"))).text, "one")
    assert.strictEqual((await web.until(is("chat"))).text, "two")
    web.say("/nosuch")
    assert.deepInclude(await web.until(is("error")), { code: "UnknownCommand" })
    assert.isFalse(web.ended)
  })

  it("answers a line over --max-line-bytes like a text client's, and refuses a larger message with 1009", async () => {
    const { httpPort, logs, port } = await httpServer({ maxLineBytes: 1024 })
    const nc = await join(port, "netcat")
    const web = await wsJoin(httpPort, "webby")
    // Within the message limit (6 x 1024 + 64) but over the line's: an error, and the socket stays.
    web.say("é".repeat(600))
    assert.deepStrictEqual(await web.until(is("error")), {
      type: "error",
      code: "LineTooLong",
      text: "Line too long (more than 1024 bytes); it was discarded."
    })
    web.say("x".repeat(1024))
    assert.strictEqual((await web.until(is("chat"))).text.length, 1024)
    // JSON's escaping makes this line's message 6 times its text: still a line, and within bounds.
    web.say("\u0001".repeat(1000))
    web.say("still here")
    assert.strictEqual((await web.until(is("chat"))).text, "still here")
    web.ws.send(JSON.stringify({ type: "line", text: "x".repeat(7000) }))
    assert.strictEqual(await web.closedWithin(), 1009)
    await nc.until("-!- webby has left #lobby (disconnected: message too large)")
    // One warning a client: a first offence that is the message's size says so.
    const big = await wsJoin(httpPort, "big")
    big.ws.send(JSON.stringify({ type: "line", text: "x".repeat(7000) }))
    assert.strictEqual(await big.closedWithin(), 1009)
    await nc.until("-!- big has left #lobby (disconnected: message too large)")
    assert.deepStrictEqual(logs.map((l) => l.message), ["line over 1024 bytes discarded", "a message larger than the limit"])
  })

  it("takes a bare quit from the page as chat, and a tab closing (1001) as a closed connection", async () => {
    const { httpPort, port } = await httpServer()
    const nc = await join(port, "netcat")
    const web = await wsJoin(httpPort, "webby")
    web.say("quit")
    assert.strictEqual(await nc.until("<webby>"), "<webby> quit")
    web.ws.close(1001)
    await nc.until("-!- webby has left #lobby (connection closed)")
  })

  it("refuses a page from another origin, and lets in the page's own and the allowed ones", async () => {
    const { httpPort } = await httpServer({ allowedOrigins: ["https://chat.example.org"] })
    const refused = await WsClient.connect(httpPort, { origin: "http://evil.example" }).then(
      () => "opened",
      (error: Error) => error.message
    )
    assert.strictEqual(refused, "HTTP 403")
    await wsJoin(httpPort, "own", { origin: `http://127.0.0.1:${httpPort}` })
    await wsJoin(httpPort, "allowed", { origin: "https://chat.example.org" })
    // No Origin at all is not a browser: a bot, which no browser page can impersonate.
    await wsJoin(httpPort, "bot")
  })

  it("tells WebSocket clients at shutdown, and closes with 1001", async () => {
    const s = await startServer({ httpPort: Option.some(0) })
    const web = await WsClient.join(s.httpPort, "webby")
    later(() => web.reset())
    const stopped = s.stop()
    assert.deepStrictEqual(await web.until(is("closing")), {
      type: "closing",
      reason: "shutdown",
      text: "Server shutting down. Goodbye."
    })
    assert.strictEqual(await web.closedWithin(), 1001)
    await stopped
  })

  it("pings its clients and cuts off one that does not answer", async () => {
    const { httpPort, port } = await httpServer({ pingInterval: Duration.millis(100) })
    const nc = await join(port, "netcat")
    const silent = await wsJoin(httpPort, "silent", { autoPong: false })
    const alive = await wsJoin(httpPort, "alive")
    assert.strictEqual(await silent.closedWithin(3000), 1006)
    await nc.until("-!- silent has left #lobby (ping timeout: 100ms)")
    // Whoever answers stays: three more pings later.
    const threePings = new Promise<void>((resolve) => {
      let pings = 0
      alive.ws.on("ping", () => ++pings === 3 && resolve())
    })
    await Promise.race([threePings, alive.closedWithin(3000)])
    assert.isFalse(alive.ended)
  })

  it("holds WebSocket clients to the per-address limit and flood control", async () => {
    const { httpPort } = await httpServer({ maxPerIp: 1, limitLoopback: true, floodRate: 5, floodBurst: 5, floodTimeout: Duration.millis(300) })
    const first = await wsJoin(httpPort, "first")
    // Past the limit, the upgrade itself is refused: a 503 that the connection never gets past.
    await assertRejects(WsClient.connect(httpPort), /HTTP 503/)
    for (let i = 0; i < 50; i++) first.say(`flood ${i}`)
    await first.until((m) => m.type === "closing" && m.reason === "flood")
    assert.strictEqual(await first.closedWithin(), 1008)
  })
})
