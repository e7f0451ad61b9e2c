import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
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
  cleanup.push(() => {
    redis.resume()
    return redis.stop()
  })
  const database = postgres.createDatabase(`cluster_${++databases}`)
  const start = async (node: string) => {
    const process = ServerProcess.start(
      // A lease long enough that none runs out while a server or Redis is stopped for a few seconds.
      ["--port", "0", "--irc-port", "0", "--no-console", "--redis", redis.url, "--node-id", node, "--database", database, "--presence-ttl", "30"],
      { HUBBUB_STORE: "" }
    )
    cleanup.push(() => {
      process.child.kill("SIGCONT")
      return process.kill()
    })
    const port = await process.port()
    const ircPort = Number((await process.waitFor("stderr", /listening for IRC on 127\.0\.0\.1:(\d+)/))[1])
    return { process, port, ircPort }
  }
  const [a, b] = await Promise.all([start("a"), start("b")])
  return [a, b, redis] as const
}

const lost = "-!- The link to the other servers is lost: until it is back, only the people on this server see your messages."
const back = "-!- The link to the other servers is back."

/** The nicknames a client's `/who` lists for #lobby. */
const who = async (client: TestClient) => {
  client.send("/who")
  const line = await client.until(/^-!- Members of #lobby/)
  return line.replace(/^-!- Members of #lobby \(\d+\): /, "").replace(/; identified: .*$/, "").split(", ").sort()
}

/** An account `owner` (password `shared-secret`), registered on a server of the cluster. */
const registerOwner = async (port: number) => {
  const owner = await join(port, "owner")
  owner.send("/register shared-secret", "/quit")
  await owner.eof()
}

/** A client connected to `port` (text or IRC), not yet registered. */
const connect = async (port: number) => {
  const client = await TestClient.connect(port)
  cleanup.push(() => client.reset())
  return client
}

const join = async (port: number, nick: string) => {
  const client = await TestClient.join(port, nick)
  cleanup.push(() => client.reset())
  return client
}

describe("accounts across servers (--redis with --database)", () => {
  it("an account registered on one server logs in on the other, and its nickname is protected there too", async () => {
    const [a, b] = await cluster()
    await registerOwner(a.port)

    const squatter = await join(b.port, "owner")
    await squatter.until("-!- Nickname owner is registered. Identify with /identify PASSWORD within 30 s, or you will be renamed.")
    squatter.send("/identify owner guessed-wrong")
    await squatter.until("-!- Wrong password for owner.")

    const ircGuess = await connect(b.ircPort)
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

  it("takes its nickname back from an unidentified holder on the other server", async () => {
    const [a, b] = await cluster()
    await registerOwner(a.port)
    const squatter = await join(b.port, "owner")
    await squatter.until(/^-!- Nickname owner is registered/)
    const watcher = await join(b.port, "watcher")
    const visitor = await join(a.port, "visitor")
    await squatter.until("-!- visitor has joined #lobby")
    visitor.send("/identify owner shared-secret")
    await visitor.until("-!- You are now identified as owner.")
    const renamed = await squatter.until(/^-!- The owner of owner identified: you are now (Guest\d+)\.$/)
    const guest = /(Guest\d+)/.exec(renamed)![1]!
    await visitor.until("-!- visitor is now known as owner")
    // Two servers' renames: in either order.
    await watcher.seen(new RegExp(`^-!- owner is now known as ${guest}$`))
    await watcher.seen(/^-!- visitor is now known as owner$/)
    assert.deepStrictEqual(await who(watcher), [guest, "owner", "watcher"].sort())
    assert.deepStrictEqual(await who(visitor), [guest, "owner", "watcher"].sort())
    watcher.send("/msg owner found you")
    await visitor.until("*watcher* found you")
    // Identified, it keeps it on the other server against whoever asks, by any protocol.
    squatter.send("/nick owner")
    await squatter.until("-!- Nickname owner is already in use.")
    const irc = await connect(b.ircPort)
    irc.send("NICK OWNER", "USER x 0 * :X")
    await irc.until(/ 433 \* OWNER :Nickname is already in use$/)
  })

  it("keeps a nickname both servers gave out while apart for the one identified as its account", async () => {
    const [a, b, redis] = await cluster()
    await registerOwner(a.port)
    const amy = await join(a.port, "amy")
    const ben = await join(b.port, "ben")
    await amy.until("-!- ben has joined #lobby")
    redis.pause()
    await amy.until(lost, 10_000)
    await ben.until(lost, 10_000)
    // Apart: an unidentified squatter on a, and the owner logging in on b.
    const squatter = await join(a.port, "owner")
    await squatter.until(/^-!- Nickname owner is registered/)
    const owner = await connect(b.port)
    owner.send("/identify owner shared-secret")
    await owner.until("-!- You are now identified as owner.")
    await owner.until(/^-!- Welcome, owner!/)
    // a puts its sessions back first (b is stopped meanwhile): b's identified owner then takes the name back.
    b.process.child.kill("SIGSTOP")
    redis.resume()
    await amy.until(back, 10_000)
    b.process.child.kill("SIGCONT")
    await ben.until(back, 10_000)
    const renamed = await squatter.until(/^-!- The owner of owner identified: you are now (Guest\d+)\.$/, 10_000)
    const guest = /(Guest\d+)/.exec(renamed)![1]!
    assert.isFalse(owner.saw(/is now known as|while the servers were apart/), "the identified owner keeps its nickname")
    for (const client of [amy, ben]) {
      await client.until(new RegExp(`${guest}`))
      assert.deepStrictEqual(await who(client), [guest, "amy", "ben", "owner"].sort())
    }
    amy.send("/msg owner hello owner")
    await owner.until("*amy* hello owner")
  }, 60_000)

  it("keeps rooms' topics and history in the database when Redis restarts empty", async () => {
    const [a, b, redis] = await cluster()
    const ann = await join(a.port, "ann")
    const ben = await join(b.port, "ben")
    await ann.until("-!- ben has joined #lobby")
    ann.send("/topic kept in the database", "said before the restart", "/join #side", "/topic the side room", "side words")
    await ann.until("<ann> side words")
    // What the README promises a restart keeps: all but the last second.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    await redis.stop()
    await ann.until(lost, 10_000)
    await redis.start()
    await ann.until(back, 10_000)
    await ben.until(back, 10_000)
    for (const [port, nick] of [[b.port, "cat"], [a.port, "dan"]] as const) {
      const late = await join(port, nick)
      await late.until("-!- Topic of #lobby: kept in the database")
      await late.until(/^-!- \[\d\d:\d\d\] <ann> said before the restart$/)
      late.send("/join #side")
      await late.until("-!- Topic of #side: the side room")
      await late.until(/^-!- \[\d\d:\d\d\] <ann> side words$/)
    }
    // Put back in Redis too: asked there, not only shown to who joins.
    ben.send("/topic")
    await ben.until("-!- Topic of #lobby: kept in the database")
  }, 60_000)

  it("logs out every server's sessions identified as an account when it is dropped, and their rooms on every server hear it (account-notify)", async () => {
    const [a, b] = await cluster()
    const ann = await join(a.port, "ann")
    ann.send("/register correct-horse")
    await ann.until(/is now registered to you/)
    const elsewhere = await join(b.port, "annbot")
    elsewhere.send("/identify ann correct-horse")
    await elsewhere.until("-!- You are now identified as ann.")
    // IRC watchers of #lobby on both servers, with account-notify.
    const watchers = await Promise.all([a.ircPort, b.ircPort].map(async (port, i) => {
      const watcher = await connect(port)
      watcher.send("CAP LS 302", "CAP REQ :account-notify", `NICK watch${i}`, `USER watch${i} 0 * :W`, "CAP END", "JOIN #lobby")
      await watcher.until(new RegExp(` 366 watch${i} #lobby `))
      return watcher
    }))
    ann.send("/unregister correct-horse")
    await ann.until("-!- Account ann is dropped: its nickname is free for anyone.")
    await elsewhere.until("-!- You are no longer identified.")
    for (const watcher of watchers) {
      await watcher.seen(/^:ann!\S+ ACCOUNT \*$/)
      await watcher.seen(/^:annbot!\S+ ACCOUNT \*$/)
    }
    elsewhere.send("/password correct-horse stolen-password")
    await elsewhere.until("-!- You are not identified (/identify PASSWORD).")
    // Registered again by someone else, the name is not the old session's to take.
    const newOwner = await join(a.port, "ann2")
    ann.send("/nick someone")
    await ann.until("-!- ann is now known as someone")
    newOwner.send("/nick ann", "/register another-password")
    await newOwner.until(/Nickname ann is now registered to you/)
    newOwner.send("/quit")
    await newOwner.eof()
    elsewhere.send("/nick ann")
    await elsewhere.until("-!- Nickname ann is registered. Identify with /identify PASSWORD within 30 s, or you will be renamed.")
  })
})
