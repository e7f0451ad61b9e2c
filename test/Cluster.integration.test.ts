import { afterEach, assert, describe, it } from "@effect/vitest"
import { createClient } from "redis"
import { ServerProcess } from "./support/process.js"
import { RedisServer } from "./support/RedisServer.js"
import { TestClient } from "./support/TestClient.js"

let cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const f of cleanup.reverse()) await f()
  cleanup = []
})

/** The lease is 2/3 of it: a killed server's users are dropped within 3 s. */
const ttl = "3"

const server = async (redis: RedisServer, node: string, ...more: Array<string>) => {
  const console = more.includes("--console") ? [] : ["--no-console"]
  const process = ServerProcess.start(["--port", "0", ...console, "--redis", redis.url, "--node-id", node, "--presence-ttl", ttl, ...more])
  cleanup.push(() => process.kill())
  return { process, port: await process.port() }
}

/** A test's own redis-server and `n` hubbub servers on it (a, b, c). */
const cluster = async (n: number) => {
  const redis = await RedisServer.start()
  cleanup.push(() => redis.stop())
  const servers = await Promise.all(["a", "b", "c"].slice(0, n).map((node) => server(redis, node)))
  return { redis, servers }
}

const join = async (port: number, nick: string) => {
  const client = await TestClient.join(port, nick)
  cleanup.push(() => client.reset())
  return client
}

/** The `hubbub_cluster_link_up` sample of a server's /metrics. */
const linkMetric = async (httpPort: number) => {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text()
  return /^hubbub_cluster_link_up (\S+)$/m.exec(text)?.[1]
}

const chat = (client: TestClient) => client.lines.filter((l) => l.startsWith("<"))

describe("several servers on one Redis (--redis)", () => {
  it("are one chat: everyone sees a room's messages in one order, their own included", async () => {
    const { servers } = await cluster(3)
    const clients = [await join(servers[0].port, "ann"), await join(servers[1].port, "ben"), await join(servers[2].port, "cat")]
    for (const client of clients.slice(0, 2)) await client.until("cat has joined #lobby")
    for (let i = 0; i < 30; i++) for (const client of clients) client.send(`${client.nick} ${i}`)
    for (const client of clients) await client.until("<cat> cat 29")
    for (const client of clients) await client.seen(/^<ann> ann 29$/)
    for (const client of clients) await client.seen(/^<ben> ben 29$/)
    const order = chat(clients[0])
    assert.strictEqual(order.length, 90)
    for (const nick of ["ann", "ben", "cat"]) {
      assert.deepStrictEqual(order.filter((l) => l.startsWith(`<${nick}>`)), Array.from({ length: 30 }, (_, i) => `<${nick}> ${nick} ${i}`))
    }
    assert.deepStrictEqual(chat(clients[1]), order)
    assert.deepStrictEqual(chat(clients[2]), order)
  })

  it("keeps nicknames unique across servers, ignoring case, and frees them when their owner leaves", async () => {
    const { servers } = await cluster(2)
    const ann = await join(servers[0].port, "ann")
    const other = await TestClient.connect(servers[1].port)
    cleanup.push(() => other.reset())
    await other.until("Choose a nickname")
    other.send("ANN")
    await other.until("Nickname ANN is already in use. Choose another nickname:")
    ann.send("/quit")
    await ann.eof()
    other.send("ANN")
    await other.until(/^-!- Welcome, ANN!/)
  })

  it("answers /who, /rooms and /msg across servers", async () => {
    const { servers } = await cluster(3)
    const ann = await join(servers[0].port, "ann")
    await join(servers[1].port, "ben")
    const cat = await join(servers[2].port, "cat")
    cat.send("/join #den", "/topic cats only")
    await cat.until("cat set the topic of #den to: cats only")
    ann.send("/who", "/rooms", "/msg cat psst")
    assert.strictEqual(await ann.until(/^-!- Members of #lobby/), "-!- Members of #lobby (2): ann, ben")
    assert.strictEqual(await ann.until(/^-!- Rooms/), "-!- Rooms (2): #den (1), #lobby (2)")
    await cat.until("*ann* psst")
    ann.send("/msg nobody hello")
    await ann.until("-!- No such nickname: nobody.")
    ann.send("/join #den")
    assert.strictEqual(await ann.until(/^-!- Members of #den/), "-!- Members of #den (2): ann, @cat")
    await ann.until("-!- Topic of #den: cats only")
  })

  it("lets IRC users on one server see, find and talk to text users on another (NAMES, WHO, PRIVMSG)", async () => {
    const redis = await RedisServer.start()
    cleanup.push(() => redis.stop())
    const a = await server(redis, "a", "--server-name", "a.test")
    const b = await server(redis, "b", "--irc-port", "0", "--server-name", "irc.test")
    const ircPort = Number((await b.process.waitFor("stderr", /listening for IRC on 127\.0\.0\.1:(\d+)/))[1])
    const ann = await join(a.port, "ann")
    const bob = await TestClient.connect(ircPort)
    cleanup.push(() => bob.reset())
    bob.send("NICK bob", "USER bob 0 * :Bob", "JOIN #lobby")
    assert.strictEqual(await bob.until(/ 353 /), ":irc.test 353 bob = #lobby :ann bob")
    await ann.until("bob has joined #lobby")
    bob.send("WHO ann")
    // ann is on a.test, and said nothing of herself but her nickname.
    assert.strictEqual(await bob.until(/ 352 /), ":irc.test 352 bob * ann hubbub a.test ann H :0 ann")
    bob.send("PRIVMSG ann :psst", "PRIVMSG #lobby :hello all")
    await ann.until("*bob* psst")
    await ann.until("<bob> hello all")
    ann.send("hi bob")
    assert.strictEqual(await bob.until(/PRIVMSG #lobby :hi bob/), ":ann!ann@hubbub PRIVMSG #lobby :hi bob")
  })

  it("replays a room's last messages to whoever joins it on another server", async () => {
    const { servers } = await cluster(2)
    const ann = await join(servers[0].port, "ann")
    ann.send("one", "/me waves", "two")
    await ann.until("<ann> two")
    const ben = await join(servers[1].port, "ben")
    const history = ben.lines.filter((l) => /^-!- \[\d\d:\d\d\] /.test(l))
    assert.deepStrictEqual(history.map((l) => l.slice(12)), ["<ann> one", "* ann waves", "<ann> two"])
  })

  it("drops a killed server's users within the lease: their rooms see them leave, and their nicknames are free", async () => {
    const { servers } = await cluster(3)
    const ann = await join(servers[0].port, "ann")
    await join(servers[1].port, "ben")
    await join(servers[2].port, "cat")
    await ann.until("cat has joined #lobby")
    servers[2].process.kill()
    // Dropped because its lease ran out (a server's reaping says so), and only then do its users leave.
    await Promise.any(servers.slice(0, 2).map((s) => s.process.waitFor("stderr", /INFO.*dropped server c: its lease ran out; 1 of its users left/, 20_000)))
    await ann.until("-!- cat has left #lobby (server lost)")
    ann.send("/who")
    assert.strictEqual(await ann.until(/^-!- Members of #lobby/), "-!- Members of #lobby (2): ann, ben")
    await join(servers[1].port, "cat")
  })

  it("keeps chatting on each server while Redis is away, tells users so, and is one chat again once it is back", async () => {
    const redis = await RedisServer.start()
    cleanup.push(() => redis.stop())
    const servers = await Promise.all([server(redis, "a", "--http-port", "0", "--public-metrics", "--console"), server(redis, "b")])
    const httpPort = Number((await servers[0].process.waitFor("stderr", /chat page at http:\/\/127\.0\.0\.1:(\d+)\//))[1])
    assert.strictEqual(await linkMetric(httpPort), "1")
    const ann = await join(servers[0].port, "ann")
    const amy = await join(servers[0].port, "amy")
    const ben = await join(servers[1].port, "ben")
    // Still choosing a nickname: not in the chat, so not told about the link.
    const guest = await TestClient.connect(servers[0].port)
    cleanup.push(() => guest.reset())
    await guest.until("Choose a nickname")
    await ann.until("ben has joined #lobby")
    await redis.stop()
    const lost = "-!- The link to the other servers is lost: until it is back, only the people on this server see your messages."
    for (const client of [ann, amy, ben]) await client.until(lost)
    // One who joins the chat meanwhile is told as well.
    const dan = await join(servers[0].port, "dan")
    await dan.seen(/^-!- The link to the other servers is lost/)
    assert.strictEqual(await linkMetric(httpPort), "0")
    servers[0].process.child.stdin!.write("stats\n")
    await servers[0].process.waitFor("stdout", /^cluster: the link to Redis is down$/)
    ann.send("only here")
    await amy.until("<ann> only here")
    await ann.until("<ann> only here")
    await redis.start()
    for (const client of [ann, amy, ben, dan]) await client.until("-!- The link to the other servers is back.", 10_000)
    assert.strictEqual(await linkMetric(httpPort), "1")
    guest.send("not a nick")
    await guest.until(/^-!- Invalid nickname/)
    assert.isFalse(guest.saw(/link to the other servers/))
    ben.send("across again")
    for (const client of [ann, amy, ben]) await client.until("<ben> across again")
    assert.isFalse(ben.saw(/only here/))
    ann.send("/who")
    assert.strictEqual(await ann.until(/^-!- Members of #lobby/), "-!- Members of #lobby (4): amy, ann, ben, dan")
    await servers[0].process.waitFor("stderr", /WARN.*lost the link to Redis/)
    assert.isFalse(servers[0].process.stderr.some((l) => /^\s+at /.test(l)), "no stack trace in the log")
  })

  it("stops one server gracefully while the others go on, its users leaving at once", async () => {
    const { redis: store, servers } = await cluster(3)
    const ann = await join(servers[0].port, "ann")
    const ben = await join(servers[1].port, "ben")
    const cat = await join(servers[2].port, "cat")
    await ann.until("cat has joined #lobby")
    servers[1].process.child.kill("SIGTERM")
    await ben.until("-!- Server shutting down. Goodbye.")
    assert.deepStrictEqual(await servers[1].process.exit(), { code: 0, signal: null })
    await ann.until("-!- ben has left #lobby (server shutting down)", 2000)
    cat.send("still here")
    await ann.until("<cat> still here")
    await join(servers[0].port, "ben")
    // Nothing of it is left in Redis: no lease, no sessions, no subscriptions.
    const redis = createClient({ url: store.url })
    await redis.connect()
    cleanup.push(() => redis.destroy())
    const ask = (...args: Array<string>): Promise<unknown> => redis.sendCommand(args)
    const sorted = async (...args: Array<string>) => ((await ask(...args)) as Array<string>).sort()
    assert.deepStrictEqual(await ask("KEYS", "hubbub:node:b:*"), [])
    assert.strictEqual(await ask("EXISTS", "hubbub:alive:b"), 0)
    assert.deepStrictEqual(await sorted("SMEMBERS", "hubbub:nodes"), ["a", "c"])
    assert.deepStrictEqual(await sorted("HKEYS", "hubbub:members:#lobby"), ["a/s1", "a/s2", "c/s1"])
    assert.deepStrictEqual(await ask("PUBSUB", "NUMSUB", "hubbub:to:b"), ["hubbub:to:b", 0])
  })

  it("refuses a second server under a node id that is in use, and lets a killed one's successor wait for its lease", async () => {
    const redis = await RedisServer.start()
    cleanup.push(() => redis.stop())
    const first = await server(redis, "same")
    const ann = await join(first.port, "ann")
    const second = ServerProcess.start(["--port", "0", "--no-console", "--redis", redis.url, "--node-id", "same", "--presence-ttl", ttl])
    cleanup.push(() => second.kill())
    assert.strictEqual((await second.exit()).code, 1)
    assert.match(second.stderr.join("\n"), /ERROR.*another server runs as node same \(its lease in Redis is being renewed\): give each server its own --node-id/)
    ann.send("still here")
    await ann.until("<ann> still here")
    // Killed, then started again at once under the same id: it waits for the old lease, then takes over.
    first.process.kill()
    const successor = await server(redis, "same")
    await successor.process.waitFor("stderr", /WARN.*node same still holds a lease/)
    const other = await server(redis, "other")
    const ben = await join(other.port, "ben")
    await join(successor.port, "cat")
    await ben.until("cat has joined #lobby")
    ben.send("/who")
    assert.strictEqual(await ben.until(/^-!- Members of #lobby/), "-!- Members of #lobby (2): ben, cat")
  })

  it("refuses to start when Redis does not answer, in one line, unless --redis-optional", async () => {
    const redis = await RedisServer.start()
    await redis.stop()
    const refused = ServerProcess.start(["--port", "0", "--no-console", "--redis", redis.url])
    cleanup.push(() => refused.kill())
    assert.strictEqual((await refused.exit()).code, 1)
    const lines = refused.stderr.filter((l) => l.trim() !== "")
    assert.strictEqual(lines.length, 1, lines.join("\n"))
    assert.match(lines[0], new RegExp(`cannot reach Redis at ${redis.url}: connection refused`))

    for (const [args, env, line] of [
      [["--redis", "127.0.0.1:6379"], {}, "hubbub: --redis 127.0.0.1:6379: expected a URL like redis://127.0.0.1:6379 (see hubbub --help)"],
      [[], { HUBBUB_REDIS_URL: redis.url, HUBBUB_NODE_ID: "a/b" }, "hubbub: HUBBUB_NODE_ID=a/b: expected 1-64 letters, digits, ., _, : or - (see hubbub --help)"],
      [["--redis", redis.url, "--presence-ttl", "0"], {}, "hubbub: --presence-ttl 0: expected 1 second or more (see hubbub --help)"]
    ] as const) {
      const bad = ServerProcess.start(["--port", "0", "--no-console", ...args], env)
      cleanup.push(() => bad.kill())
      // A setting that is wrong is a usage error.
      assert.strictEqual((await bad.exit()).code, 2)
      assert.deepStrictEqual(bad.stderr.filter((l) => l.trim() !== ""), [line])
    }

    // Not a Redis at all (a hubbub): one line, at once, not a wait forever.
    const hubbub = await server(await RedisServer.start().then((r) => (cleanup.push(() => r.stop()), r)), "x")
    const wrong = ServerProcess.start(["--port", "0", "--no-console", "--redis", `redis://127.0.0.1:${hubbub.port}`])
    cleanup.push(() => wrong.kill())
    assert.strictEqual((await wrong.exit()).code, 1)
    assert.match(wrong.stderr.filter((l) => l.trim() !== "").join("\n"), /cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: not a Redis server \(it answered PING with "-!- Welcome to hubbub/)

    const alone = await server(redis, "a", "--redis-optional")
    await alone.process.waitFor("stderr", /WARN.*cannot reach Redis.*running alone until it answers/)
    const ann = await join(alone.port, "ann")
    ann.send("hello")
    await ann.until("<ann> hello")
    cleanup.push(() => redis.stop())
    await redis.start()
    await alone.process.waitFor("stderr", /in a cluster through Redis/, 10_000)
    const other = await server(redis, "b")
    const ben = await join(other.port, "ben")
    ben.send("hi ann")
    await ann.until("<ben> hi ann")
  })
})
