import { afterEach, assert, describe, it } from "@effect/vitest"
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
  const process = ServerProcess.start(["--port", "0", "--no-console", "--redis", redis.url, "--node-id", node, "--presence-ttl", ttl, ...more])
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

/** The `hubbub_cluster_link_up` sample of a server's /metrics. */
const linkMetric = async (httpPort: number) => {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text()
  return /^hubbub_cluster_link_up (\S+)$/m.exec(text)?.[1]
}

const httpPortOf = async (process: ServerProcess) =>
  Number((await process.waitFor("stderr", /chat page at http:\/\/127\.0\.0\.1:(\d+)\//))[1])

/** A redis-server, servers a and b on it, and ann on a and ben on b, who have seen each other. */
const annAndBen = async () => {
  const redis = await redisServer()
  const a = await server(redis, "a")
  const b = await server(redis, "b")
  const ann = await join(a.port, "ann")
  const ben = await join(b.port, "ben")
  await ann.until("ben has joined #lobby")
  return { redis, a, b, ann, ben }
}

/** The nicknames a client's `/who` lists for #lobby. */
const who = async (client: TestClient) => {
  client.send("/who")
  const line = await client.until(/^-!- Members of #lobby/)
  return line.replace(/^-!- Members of #lobby \(\d+\): /, "").split(", ")
}

describe("a cluster when Redis stalls or restarts", () => {
  it("keeps local chat going while Redis is stopped (kill -STOP), tells its users, and is one chat again after kill -CONT", async () => {
    const redis = await redisServer()
    const a = await server(redis, "a", "--http-port", "0")
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
})

/**
 * Of two clients registered under one nickname (ignoring case) on two servers, exactly one keeps
 * it and the other is renamed to a GuestNNNN and told so; every server lists each once, and a
 * private message reaches the one who kept it.
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
  for (const client of others) {
    await client.until(`${nicks[loser.i]} is now known as ${guest}`)
    assert.deepStrictEqual(await who(client), expected)
  }
  // The renamed one speaks under its new name.
  clients[loser.i].send("renamed here")
  for (const client of others) await client.until(`<${guest}> renamed here`)
  for (const sender of others) {
    sender.send(`/msg ${kept} hello from ${sender.nick}`)
    await keeper.until(`*${sender.nick}* hello from ${sender.nick}`)
  }
  assert.isFalse(clients[loser.i].saw(/hello from/), "a private message reaches one user")
}
