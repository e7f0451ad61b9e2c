import { assert, describe, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Path from "node:path"
import { temporaryFolders } from "./support/folders.js"
import { ServerProcess } from "./support/process.js"
import { tracking } from "./support/tracked.js"
import { TestClient } from "./support/TestClient.js"

const track = tracking()
const folders = temporaryFolders("hubbub-admin-")
const token = "s3cret-admin-token-0123456789abcdef"

/** A server with the admin API (and the token file, when `withToken`), and its ports. */
const start = async (withToken: boolean, ...more: Array<string>) => {
  const args = ["--port", "0", "--irc-port", "0", "--http-port", "0", "--admin-port", "0", "--no-console", "--server-name", "irc.test", ...more]
  if (withToken) {
    const file = Path.join(Path.dirname(folders()), "token")
    Fs.writeFileSync(file, `${token}\n`)
    args.push("--admin-token-file", file)
  }
  const server = track(ServerProcess.start(args))
  const port = await server.port()
  const ircPort = Number((await server.waitFor("stderr", /listening for IRC on 127\.0\.0\.1:(\d+)/))[1])
  const httpPort = Number((await server.waitFor("stderr", /chat page at http:\/\/127\.0\.0\.1:(\d+)\//))[1])
  const adminPort = Number((await server.waitFor("stderr", /admin API at http:\/\/127\.0\.0\.1:(\d+)\//))[1])
  return { server, port, ircPort, httpPort, adminPort }
}

/** A request to the admin API: its status and JSON (or text). */
const call = async (port: number, method: string, path: string, options: { body?: unknown; token?: string | undefined } = {}) => {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: {
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...(options.body === undefined ? {} : { "content-type": "application/json" })
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) })
  })
  const text = await response.text()
  const json = (response.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : text
  return { status: response.status, json, headers: response.headers }
}

/** A GET as written, path and Host untouched (fetch would mend both): its status. */
const rawGet = (port: number, path: string, host = `127.0.0.1:${port}`) =>
  new Promise<number>((resolve, reject) => {
    Http.get({ host: "127.0.0.1", port, path, headers: { host } }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    }).on("error", reject)
  })

describe("the admin API (--admin-port)", () => {
  it("on loopback without a token file: lists connections with their traffic, pages and filters them, shows rooms, and serves /metrics (the public port no more)", async () => {
    const { httpPort, ircPort, port, adminPort } = await start(false)
    const ann = track(await TestClient.join(port, "ann"))
    const bob = track(await TestClient.connect(ircPort))
    bob.send("NICK bob", "USER bobuser 0 * :Bob", "JOIN #side")
    await bob.until(/ 366 bob #side /)
    ann.send("hello", "again")
    await ann.until("<ann> again")

    const all = await call(adminPort, "GET", "/connections")
    assert.strictEqual(all.status, 200)
    assert.strictEqual(all.json.total, 2)
    const annRow = all.json.connections.find((c: { nick: string }) => c.nick === "ann")
    assert.deepInclude(annRow, { protocol: "text", account: null, rooms: ["#lobby"], messagesIn: 2, outboxBytes: 0 })
    assert.isAbove(annRow.bytesIn, "ann\nhello\nagain\n".length - 1)
    assert.isAbove(annRow.bytesOut, 0)
    assert.isAtLeast(annRow.messagesOut, 2)
    assert.match(annRow.peer, /^127\.0\.0\.1:\d+$/)
    assert.isFalse(Number.isNaN(Date.parse(annRow.since)))

    const side = await call(adminPort, "GET", "/connections?room=side")
    assert.deepStrictEqual(side.json.connections.map((c: { nick: string }) => c.nick), ["bob"])
    const page = await call(adminPort, "GET", "/connections?limit=1&offset=1")
    assert.deepInclude(page.json, { total: 2, offset: 1, limit: 1 })
    assert.strictEqual(page.json.connections.length, 1)
    const one = await call(adminPort, "GET", `/connections/${annRow.id}`)
    assert.strictEqual(one.json.nick, "ann")
    assert.deepStrictEqual(await call(adminPort, "GET", "/connections?limit=5000").then((r) => [r.status, r.json.error]), [400, "limit: expected a value between 1 and 1000"])
    assert.strictEqual((await call(adminPort, "GET", "/connections/no-such")).status, 404)

    const rooms = await call(adminPort, "GET", "/rooms")
    assert.deepInclude(rooms.json.rooms, { room: "#side", members: 1, topic: null })
    const room = await call(adminPort, "GET", "/rooms/%23side")
    assert.deepInclude(room.json, { room: "#side", members: 1, nicks: ["bob"], operators: ["bob"] })
    assert.strictEqual((await call(adminPort, "GET", "/rooms/nowhere")).status, 404)
    assert.strictEqual((await call(adminPort, "GET", "/drain")).status, 405)
    const unknown = await call(adminPort, "GET", "/nothing")
    assert.strictEqual(unknown.status, 404)
    assert.match(unknown.json.error, /no such endpoint: GET \/nothing/)

    const metrics = await call(adminPort, "GET", "/metrics")
    assert.match(metrics.json, /^hubbub_connections\{protocol="irc"\} 1$/m)
    assert.strictEqual((await call(adminPort, "GET", "/readyz")).json, "ready\n")
    // Without a token, nothing a web page sends (it says its Origin), nor a name DNS could point here.
    const fromPage = await fetch(`http://127.0.0.1:${adminPort}/drain`, { method: "POST", headers: { origin: "https://evil.example" } })
    assert.strictEqual(fromPage.status, 403)
    assert.strictEqual(await rawGet(adminPort, "/connections", "evil.example:80"), 403)
    assert.strictEqual(await rawGet(adminPort, "/connections/%zz"), 400)
    const huge = await call(adminPort, "POST", "/notice", { body: { text: "x".repeat(70_000) } })
    assert.strictEqual(huge.status, 413)
    const forever = await call(adminPort, "POST", "/bans", { body: { mask: "10.9.9.9", seconds: 9e15 } })
    assert.deepStrictEqual([forever.status, forever.json.error], [400, "seconds: expected a value between 1 and 315360000"])

    // The public port: the page's, not the operator's.
    assert.strictEqual((await fetch(`http://127.0.0.1:${httpPort}/metrics`)).status, 404)
    assert.strictEqual((await fetch(`http://127.0.0.1:${httpPort}/connections`)).status, 404)
  })

  it("with a token file: refuses every request without the token (nothing done), and with it kicks, bans, announces and drains", async () => {
    const { server, port, ircPort, adminPort } = await start(true, "--drain-seconds", "1")
    const ann = track(await TestClient.join(port, "ann"))
    const bob = track(await TestClient.connect(ircPort))
    bob.send("NICK bob", "USER bob 0 * :Bob", "JOIN #side")
    await bob.until(/ 366 bob #side /)
    const { json } = await call(adminPort, "GET", "/connections", { token })
    const annId = json.connections.find((c: { nick: string }) => c.nick === "ann").id

    for (const wrong of [undefined, "not-the-token", `${token}x`]) {
      const refused = await call(adminPort, "POST", `/connections/${annId}/kick`, { token: wrong, body: { reason: "go" } })
      assert.strictEqual(refused.status, 401)
      assert.strictEqual(refused.headers.get("www-authenticate"), "Bearer")
      assert.match(refused.json.error, /Authorization: Bearer/)
    }
    for (const path of ["/metrics", "/connections", "/rooms", "/bans"]) assert.strictEqual((await call(adminPort, "GET", path)).status, 401)
    assert.strictEqual((await call(adminPort, "POST", "/drain", { token: "nope" })).status, 401)
    await server.waitFor("stderr", /WARN .*admin API: a request without the token was refused/)
    // Still here: say something and see it.
    ann.send("still here")
    await ann.until("<ann> still here")

    // An announcement to one room reaches its members only; one to everyone reaches all.
    assert.strictEqual((await call(adminPort, "POST", "/notice", { token, body: { room: "#side", text: "side news" } })).json.sent, "#side")
    assert.strictEqual(await bob.until(/side news/), ":irc.test NOTICE #side :[operator] side news")
    assert.strictEqual((await call(adminPort, "POST", "/notice", { token, body: { text: "all hands" } })).json.sent, "everyone")
    assert.strictEqual(await ann.until(/all hands/), "-!- [operator] all hands")
    assert.isFalse(ann.lines.some((line) => line.includes("side news")))
    const noText = await call(adminPort, "POST", "/notice", { token, body: { text: "" } })
    assert.deepStrictEqual([noText.status, noText.json.error], [400, "text: expected a value with a length of at least 1"])
    assert.strictEqual((await call(adminPort, "POST", "/notice", { token, body: "{" })).status, 400)

    // A server ban: a new connection from the banned address is refused; lifted, it is let in.
    const banned = await call(adminPort, "POST", "/bans", { token, body: { mask: "127.0.0.2", seconds: 600, reason: "spam" } })
    assert.strictEqual(banned.status, 201)
    assert.deepInclude(banned.json.ban, { mask: "127.0.0.2", reason: "spam", by: "the admin API" })
    assert.deepStrictEqual((await call(adminPort, "GET", "/bans", { token })).json.bans.map((b: { mask: string }) => b.mask), ["127.0.0.2"])
    const refused = track(await TestClient.connect(port, "127.0.0.1", "127.0.0.2"))
    assert.match(await refused.until(/banned/i), /spam/)
    await refused.eof()
    assert.strictEqual((await call(adminPort, "DELETE", "/bans/127.0.0.2", { token })).status, 200)
    assert.strictEqual((await call(adminPort, "DELETE", "/bans/127.0.0.2", { token })).status, 404)
    const back = track(await TestClient.connect(port, "127.0.0.1", "127.0.0.2"))
    back.send("cat")
    await back.until(/cat has joined #lobby|Welcome/)
    assert.strictEqual((await call(adminPort, "POST", "/bans", { token, body: { mask: "*" } })).status, 400)

    // A kick: the user is told why and goes; the others see it.
    const kicked = await call(adminPort, "POST", `/connections/${annId}/kick`, { token, body: { reason: "enough" } })
    assert.deepStrictEqual(kicked.json, { kicked: annId, nick: "ann" })
    assert.match(await ann.until(/enough/), /disconnected by the operator/i)
    await ann.eof()
    assert.strictEqual((await call(adminPort, "POST", `/connections/${annId}/kick`, { token })).status, 404)

    // A drain: 202, then everyone is told and the server exits 0.
    assert.strictEqual((await call(adminPort, "POST", "/drain", { token })).status, 202)
    assert.match(await bob.until(/restarting/), /This server is restarting/)
    assert.strictEqual((await server.exit()).code, 0)
  })

  it("refuses to start, in one line, without a token file off loopback, with a token too short, or with a token file and no port", async () => {
    const folder = Path.dirname(folders())
    const short = Path.join(folder, "short")
    Fs.writeFileSync(short, "abc\n")
    for (
      const [args, code, line] of [
        [["--admin-port", "0", "--admin-host", "0.0.0.0"], 2, /hubbub: the admin API on 0\.0\.0\.0 needs --admin-token-file/],
        [["--admin-port", "0", "--admin-token-file", short], 1, /a token of 16 characters or more/],
        [["--admin-port", "0", "--admin-token-file", Path.join(folder, "missing")], 1, /cannot read --admin-token-file .*: no such file/],
        [["--admin-token-file", short], 2, /--admin-token-file is the admin API's: set --admin-port too/]
      ] as const
    ) {
      const server = track(ServerProcess.start(["--port", "0", "--no-console", ...args]))
      const exit = await server.exit()
      assert.strictEqual(exit.code, code, server.stderr.join("\n"))
      const said = server.stderr.filter((l) => l.trim() !== "")
      assert.strictEqual(said.length, 1, said.join("\n"))
      assert.match(said[0]!, line)
    }
  })
})
