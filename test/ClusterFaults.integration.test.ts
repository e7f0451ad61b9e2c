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

/** Long enough that no lease runs out while Redis is stopped for a few seconds. */
const ttl = "30"

const server = async (redis: RedisServer, node: string, ...more: Array<string>) => {
  const lease = more.includes("--presence-ttl") ? [] : ["--presence-ttl", ttl]
  const process = ServerProcess.start(["--port", "0", "--no-console", "--redis", redis.url, "--node-id", node, ...lease, ...more])
  cleanup.push(() => process.kill())
  return { process, port: await process.port() }
}

const redisServer = async () => {
  const redis = await RedisServer.start()
  cleanup.push(() => {
    redis.resume()
    return redis.stop()
  })
  return redis
}

const join = async (port: number, nick: string) => {
  const client = await TestClient.join(port, nick)
  cleanup.push(() => client.reset())
  return client
}

const lost = "-!- The link to the other servers is lost: until it is back, only the people on this server see your messages."
const back = "-!- The link to the other servers is back."

/** A sample of a server's /metrics (`hubbub_cluster_link_up` by default). */
const linkMetric = async (httpPort: number, name = "hubbub_cluster_link_up") => {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text()
  return new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]
}

/** What a server's /readyz says: its status and text. */
const ready = async (httpPort: number) => {
  const response = await fetch(`http://127.0.0.1:${httpPort}/readyz`)
  return [response.status, await response.text()] as const
}

/** A client of the test's own, to set Redis up as an operator would. */
const operator = async (redis: RedisServer) => {
  const client = createClient({ url: redis.url })
  client.on("error", () => undefined)
  await client.connect()
  cleanup.push(() => client.destroy())
  return client
}

const httpPortOf = async (process: ServerProcess) =>
  Number((await process.waitFor("stderr", /chat page at http:\/\/127\.0\.0\.1:(\d+)\//))[1])

/** A redis-server, servers a and b on it (with more settings given), and ann on a and ben on b, who have seen each other. */
const annAndBen = async (onA: ReadonlyArray<string> = [], onB: ReadonlyArray<string> = []) => {
  const redis = await redisServer()
  const a = await server(redis, "a", ...onA)
  const b = await server(redis, "b", ...onB)
  const ann = await join(a.port, "ann")
  const ben = await join(b.port, "ben")
  await ann.until("ben has joined #lobby", 10_000)
  return { redis, a, b, ann, ben }
}

/** The nicknames a client's `/who` lists for #lobby. */
const who = async (client: TestClient) => {
  client.send("/who")
  const line = await client.until(/^-!- Members of #lobby/)
  return line.replace(/^-!- Members of #lobby \(\d+\): /, "").split(", ")
}

describe("a cluster when Redis stalls, refuses or restarts", () => {
  it("keeps local chat going while Redis is stopped (kill -STOP), tells its users, and is one chat again after kill -CONT", async () => {
    const redis = await redisServer()
    const a = await server(redis, "a", "--http-port", "0", "--public-metrics")
    const b = await server(redis, "b")
    const httpPort = await httpPortOf(a.process)
    const ann = await join(a.port, "ann")
    const amy = await join(a.port, "amy")
    const ben = await join(b.port, "ben")
    await ann.until("ben has joined #lobby")
    redis.pause()
    // Sent before anyone noticed: shown here once the stall is found, and on b once Redis answers.
    ann.send("just before")
    for (const client of [ann, amy, ben]) await client.until(lost, 10_000)
    await amy.until("<ann> just before")
    assert.strictEqual(await linkMetric(httpPort), "0")
    assert.deepStrictEqual(await ready(httpPort), [503, "cluster link down\n"])
    await a.process.waitFor("stderr", /WARN.*lost the link to Redis \(no answer within 2 s\)/)
    // Redis is still stopped: whatever arrives now did not wait for it.
    ann.send("while stopped")
    await amy.until("<ann> while stopped")
    const dan = await join(a.port, "dan")
    await dan.seen(/^-!- The link to the other servers is lost/)
    assert.deepStrictEqual(await who(amy), ["amy", "ann", "dan"])
    redis.resume()
    for (const client of [ann, amy, ben, dan]) await client.until(back, 10_000)
    assert.strictEqual(await linkMetric(httpPort), "1")
    assert.deepStrictEqual(await ready(httpPort), [200, "ready\n"])
    await ben.seen(/^<ann> just before$/)
    ben.send("across again")
    for (const client of [ann, amy, dan]) await client.until("<ben> across again")
    assert.strictEqual(amy.lines.filter((line) => line === "<ann> just before").length, 1, "shown once, not again when Redis delivered it")
    assert.deepStrictEqual(await who(ben), ["amy", "ann", "ben", "dan"])
    assert.isFalse(a.process.stderr.some((l) => /^\s+at /.test(l)), "no stack trace in the log")
  }, 60_000)

  it("keeps a nickname given out on two servers during a stall on one of them, and renames the other to a GuestNNNN", async () => {
    const { redis, a, b, ann, ben } = await annAndBen()
    redis.pause()
    await ann.until(lost, 10_000)
    await ben.until(lost, 10_000)
    const first = await join(a.port, "dupe")
    const second = await join(b.port, "DUPE")
    redis.resume()
    await ann.until(back, 10_000)
    await ben.until(back, 10_000)
    await expectOneKeeps([first, second], ["dupe", "DUPE"], [ann, ben])
  }, 60_000)

  it("keeps a nickname given out on two servers while Redis was down, once it restarts empty, and renames the other", async () => {
    const { redis, a, b, ann, ben } = await annAndBen()
    await redis.stop()
    await ann.until(lost, 10_000)
    await ben.until(lost, 10_000)
    const first = await join(a.port, "twin")
    const second = await join(b.port, "twin")
    await redis.start()
    await ann.until(back, 10_000)
    await ben.until(back, 10_000)
    await expectOneKeeps([first, second], ["twin", "twin"], [ann, ben])
  }, 60_000)

  it("loses no message when Redis is out of memory (maxmemory, noeviction), keeps its leases and nicknames, and says what it could not keep", async () => {
    const { redis, a, ann, ben } = await annAndBen(["--http-port", "0", "--public-metrics", "--presence-ttl", "3"], ["--presence-ttl", "3"])
    const httpPort = await httpPortOf(a.process)
    const admin = await operator(redis)
    await admin.configSet({ "maxmemory-policy": "noeviction", maxmemory: "1" })
    for (let i = 0; i < 20; i++) ann.send(`full ${i}`), ben.send(`still ${i}`)
    for (const client of [ann, ben]) {
      await client.until("<ann> full 19")
      await client.seen(/^<ben> still 19$/)
      for (let i = 0; i < 20; i++) assert.isTrue(client.saw(new RegExp(`^<ann> full ${i}$`)) && client.saw(new RegExp(`^<ben> still ${i}$`)))
    }
    await a.process.waitFor("stderr", /WARN.*Redis did not keep a room's history \(OOM/)
    assert.isAbove(Number(await linkMetric(httpPort, "hubbub_cluster_refused_total")), 0)
    // Its lease is still renewed (Redis reports the write): nobody sees a healthy server's users leave.
    await admin.configSet({ "notify-keyspace-events": "K$" })
    const watcher = admin.duplicate()
    watcher.on("error", () => undefined)
    await watcher.connect()
    cleanup.push(() => watcher.destroy())
    await new Promise<void>((resolve) => void watcher.subscribe("__keyspace@0__:hubbub:alive:a", (event) => event === "set" && resolve()))
    // Nicknames stay unique.
    const other = await TestClient.connect(a.port)
    cleanup.push(() => other.reset())
    await other.until("Choose a nickname")
    other.send("BEN")
    await other.until("Nickname BEN is already in use. Choose another nickname:")
    await admin.configSet({ maxmemory: "0" })
    ann.send("after")
    await ben.until("<ann> after")
    assert.isFalse(ann.saw(/left|server lost/) || ben.saw(/left|server lost/), "no false leaves")
    assert.isFalse(ann.saw(/Redis refuses/), "nothing was lost: nobody is told it was")
  }, 60_000)

  it("tells its users when Redis refuses writes (a read-only replica), and puts back what it did meanwhile once Redis takes writes again", async () => {
    const { redis, a, ann, ben } = await annAndBen(["--http-port", "0", "--public-metrics", "--presence-ttl", "3"], ["--presence-ttl", "3"])
    const httpPort = await httpPortOf(a.process)
    const admin = await operator(redis)
    // A replica of a server that does not exist: it refuses every write.
    await admin.sendCommand(["REPLICAOF", "127.0.0.1", "1"])
    const refusing = "-!- Redis refuses what this server sends: until it accepts it again, your messages may not reach the people on other servers."
    await ann.until(refusing, 10_000)
    await a.process.waitFor("stderr", /WARN.*Redis refused a command \(READONLY/)
    assert.strictEqual(await linkMetric(httpPort, "hubbub_cluster_link_degraded"), "1")
    assert.deepStrictEqual(await ready(httpPort), [503, "cluster link degraded\n"])
    const dan = await join(a.port, "dan")
    await admin.sendCommand(["REPLICAOF", "NO", "ONE"])
    await ann.until("-!- Redis accepts what this server sends again: your messages reach everyone.", 10_000)
    await dan.seen(/^-!- Redis accepts what this server sends again/)
    assert.strictEqual(await linkMetric(httpPort, "hubbub_cluster_link_degraded"), "0")
    assert.deepStrictEqual(await who(ben), ["ann", "ben", "dan"])
    assert.isFalse(a.process.stderr.some((l) => /^\s+at /.test(l)), "no stack trace in the log")
  }, 60_000)

  it("shows a server's users coming back to the others' rooms after they dropped it for a lapsed lease", async () => {
    const { a, ann, ben } = await annAndBen(["--presence-ttl", "3"], ["--presence-ttl", "3"])
    // A server too busy to renew its lease (here: stopped) is dropped by the others, its users shown leaving.
    a.process.child.kill("SIGSTOP")
    cleanup.push(() => void a.process.child.kill("SIGCONT"))
    await ben.until("-!- ann has left #lobby (server lost)", 10_000)
    a.process.child.kill("SIGCONT")
    await ben.until("-!- ann has joined #lobby", 10_000)
    await a.process.waitFor("stderr", /WARN.*the others dropped it; putting it back|lost the link to Redis/)
    assert.deepStrictEqual(await who(ben), ["ann", "ben"])
    ann.send("still here")
    await ben.until("<ann> still here")
    assert.isFalse(ann.saw(/ann has left/), "nobody on its own server saw it go")
    assert.strictEqual(ann.lines.filter((line) => line === "-!- ann has joined #lobby").length, 1, "nor come back")
  }, 60_000)
})

/**
 * Of two clients registered under one nickname (ignoring case) on two servers (a and b, where
 * `others` are a user of each), exactly one keeps it and the other is renamed to a GuestNNNN and
 * told so; every server lists each once, and a private message reaches the one who kept it.
 */
const expectOneKeeps = async (clients: ReadonlyArray<TestClient>, nicks: ReadonlyArray<string>, others: ReadonlyArray<TestClient>) => {
  const told = /^-!- Someone on another server had the nickname (\S+) while the servers were apart; you are now (Guest\d{4})/
  const loser = await Promise.any(clients.map((client, i) => client.until(told, 15_000).then((line) => ({ i, line }))))
  const guest = told.exec(loser.line)![2]
  const keeper = clients[1 - loser.i]
  const kept = nicks[1 - loser.i]
  await clients[loser.i].seen(new RegExp(`^-!- ${nicks[loser.i]} is now known as ${guest}$`))
  assert.isFalse(keeper.saw(told), "the other keeps its nickname")
  const expected = [kept, guest, "ann", "ben"].sort((x, y) => x.localeCompare(y))
  // Its own server's users saw it under the lost name, the other server's did not (theirs had it).
  await others[loser.i].until(`${nicks[loser.i]} is now known as ${guest}`)
  await others[1 - loser.i].until(`${guest} has joined #lobby`)
  // (Its lines were read while waiting for either client to be told.)
  await keeper.seen(new RegExp(`^-!- ${guest} has joined #lobby$`))
  assert.isFalse(keeper.saw(/is now known as/), "the one who kept the name is not shown a rename of that name")
  for (const client of others) assert.deepStrictEqual(await who(client), expected)
  // The renamed one speaks under its new name.
  clients[loser.i].send("renamed here")
  for (const client of others) await client.until(`<${guest}> renamed here`)
  for (const sender of others) {
    sender.send(`/msg ${kept} hello from ${sender.nick}`)
    await keeper.until(`*${sender.nick}* hello from ${sender.nick}`)
  }
  assert.isFalse(clients[loser.i].saw(/hello from/), "a private message reaches one user")
}
