import { afterAll, afterEach, beforeAll, describe, it } from "@effect/vitest"
import { PostgresServer } from "./support/PostgresServer.js"
import { ServerProcess } from "./support/process.js"
import { RedisServer } from "./support/RedisServer.js"
import { TestClient } from "./support/TestClient.js"

let cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const f of cleanup.reverse()) await f()
  cleanup = []
})
let postgres: PostgresServer
beforeAll(async () => {
  postgres = await PostgresServer.start()
}, 60_000)
afterAll(() => postgres?.stop())

let databases = 0
/** Two servers (a, b) on one Redis and one Postgres: one chat, one set of accounts. */
const cluster = async () => {
  const redis = await RedisServer.start()
  cleanup.push(() => redis.stop())
  const database = postgres.createDatabase(`cluster_${++databases}`)
  const start = async (node: string) => {
    const process = ServerProcess.start(
      ["--port", "0", "--irc-port", "0", "--no-console", "--redis", redis.url, "--node-id", node, "--database", database],
      { HUBBUB_STORE: "" }
    )
    cleanup.push(() => process.kill())
    const port = await process.port()
    const ircPort = Number((await process.waitFor("stderr", /listening for IRC on 127\.0\.0\.1:(\d+)/))[1])
    return { process, port, ircPort }
  }
  return Promise.all([start("a"), start("b")])
}

const join = async (port: number, nick: string) => {
  const client = await TestClient.join(port, nick)
  cleanup.push(() => client.reset())
  return client
}

describe("accounts across servers (--redis with --database)", () => {
  it("an account registered on one server logs in on the other, and its nickname is protected there too", async () => {
    const [a, b] = await cluster()
    const owner = await join(a.port, "owner")
    owner.send("/register shared-secret", "/quit")
    await owner.eof()

    const squatter = await join(b.port, "owner")
    await squatter.until("-!- Nickname owner is registered. Identify with /identify PASSWORD within 30 s, or you will be renamed.")
    squatter.send("/identify owner guessed-wrong")
    await squatter.until("-!- Wrong password for owner.")

    const ircGuess = await TestClient.connect(b.ircPort)
    cleanup.push(() => ircGuess.reset())
    ircGuess.send("NICK guesser", "USER guesser 0 * :G")
    await ircGuess.until(/ 376 /)
    ircGuess.send("PRIVMSG NickServ :IDENTIFY owner also-wrong")
    await ircGuess.until(":NickServ!NickServ@services NOTICE guesser :Wrong password for owner.")

    const visitor = await join(b.port, "visitor")
    visitor.send("/identify owner shared-secret")
    await visitor.until("-!- You are now identified as owner.")
    await squatter.until(/^-!- The owner of owner identified: you are now Guest\d+\.$/)
    await visitor.until("-!- visitor is now known as owner")

    const onA = await join(a.port, "someone")
    onA.send("/msg owner hello across")
    await visitor.until("*someone* hello across")
  })
})
