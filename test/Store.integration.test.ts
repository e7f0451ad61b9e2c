import { afterAll, afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { DatabaseSync } from "node:sqlite"
import { temporaryFolders } from "./support/folders.js"
import { PostgresServer } from "./support/PostgresServer.js"
import { ServerProcess } from "./support/process.js"
import { TestClient } from "./support/TestClient.js"

let cleanup: Array<() => void> = []
afterEach(() => {
  for (const f of cleanup.reverse()) f()
  cleanup = []
})
const freshFolder = temporaryFolders("hubbub-data-")

const start = (args: ReadonlyArray<string>) => {
  // The program's own default store (`HUBBUB_STORE` unset): a data folder unless the flags say otherwise.
  const server = ServerProcess.start(["--port", "0", "--no-console", ...args], { HUBBUB_STORE: "" })
  cleanup.push(() => server.kill())
  return server
}
const join = async (port: number, nick: string) => {
  const client = await TestClient.join(port, nick)
  cleanup.push(() => client.reset())
  return client
}
const stop = async (server: ServerProcess) => {
  server.child.kill("SIGINT")
  assert.strictEqual((await server.exit()).code, 0)
}
const errorLines = (server: ServerProcess) => server.stderr.filter((line) => line.trim() !== "")

/** ann sets topics and talks in #lobby and #side, then leaves. */
const talk = async (port: number) => {
  const ann = await join(port, "ann")
  ann.send("/topic the lobby's topic", "first words", "/me waves", "/join #side", "/topic side talk", "in the side room")
  await ann.until("<ann> in the side room")
  ann.close()
}

/** What a newcomer is shown in #lobby and #side. */
const shown = async (port: number, nick: string) => {
  const ben = await join(port, nick)
  await ben.until("-!- [", 5000)
  ben.send("/join #side")
  await ben.until(/in the side room/)
  return ben.lines
}

describe("the store, as the program runs it", () => {
  it("keeps topics and history in its data folder across a graceful restart", async () => {
    const dataDir = freshFolder()
    const first = start(["--data-dir", dataDir])
    await talk(await first.port())
    await stop(first)
    assert.isTrue(Fs.existsSync(Path.join(dataDir, "hubbub.db")))

    const second = start(["--data-dir", dataDir])
    await second.waitFor("stderr", new RegExp(`keeping accounts, topics and history in ${dataDir}/hubbub.db`))
    const lines = await shown(await second.port(), "ben")
    assert.include(lines, "-!- Topic of #lobby: the lobby's topic")
    assert.isTrue(lines.some((line) => /^-!- \[\d\d:\d\d\] <ann> first words$/.test(line)), lines.join("\n"))
    assert.isTrue(lines.some((line) => /^-!- \[\d\d:\d\d\] \* ann waves$/.test(line)), lines.join("\n"))
    assert.include(lines, "-!- Topic of #side: side talk")
    await stop(second)
  })

  it("keeps server bans and its operators' accounts across a restart; the console sets, lists and lifts bans", async () => {
    const dataDir = freshFolder()
    const withConsole = () => {
      const server = ServerProcess.start(["--port", "0", "--console", "--data-dir", dataDir, "--operators", "boss"], { HUBBUB_STORE: "" })
      cleanup.push(() => server.kill())
      return server
    }
    const console = (server: ServerProcess, line: string) => server.child.stdin!.write(line + "\n")
    const first = withConsole()
    const port = await first.port()
    await first.waitFor("stderr", /server operator boss is no account/)
    const boss = await join(port, "boss")
    boss.send("/register boss-password")
    await boss.until("-!- Nickname boss is now registered to you")
    console(first, "ban 127.0.0.3 1w spam from there")
    await first.waitFor("stdout", /^banned 127\.0\.0\.3 until \d{4}-.*: spam from there$/)
    console(first, "ban everyone*")
    await first.waitFor("stdout", /^banned everyone\*!\*@\*: no reason given$/)
    console(first, "ban *")
    await first.waitFor("stdout", /^\* is not a server ban hubbub can apply/)
    console(first, "ban 10.0.0.0/4 too wide")
    await first.waitFor("stdout", /^10\.0\.0\.0\/4 is not a server ban hubbub can apply/)
    console(first, "unban everyone")
    await first.waitFor("stdout", /^no server ban for everyone!\*@\*$/)
    console(first, "unban everyone*")
    await first.waitFor("stdout", /^everyone\*!\*@\* is banned no more$/)
    boss.close()
    await stop(first)

    const second = withConsole()
    const port2 = await second.port()
    const refused = await TestClient.connect(port2, "127.0.0.1", "127.0.0.3")
    cleanup.push(() => refused.reset())
    await refused.until("-!- Banned from this server: spam from there")
    await refused.eof()
    console(second, "bans")
    await second.waitFor("stdout", /^1 server ban\(s\)$/)
    await second.waitFor("stdout", /^127\.0\.0\.3\tby the console\tuntil \d{4}-.*\tspam from there$/)
    // boss was an account when this server started: an operator from the start.
    assert.isFalse(second.stderr.some((line) => line.includes("server operator boss is no account")))
    const again = await join(port2, "boss")
    again.send("/identify boss-password", "/unkline 127.0.0.3")
    await again.until("-!- 127.0.0.3 is banned from this server no more.")
    const welcome = await TestClient.connect(port2, "127.0.0.1", "127.0.0.3")
    cleanup.push(() => welcome.reset())
    await welcome.until(/^-!- Choose a nickname/)
    await stop(second)
  })

  it("keeps a registered room's modes, bans, topic, operators and invitations across a restart: its founder gets @, whoever else makes it again does not", async () => {
    const dataDir = freshFolder()
    const start = () => {
      const server = ServerProcess.start(["--port", "0", "--data-dir", dataDir], { HUBBUB_STORE: "" })
      cleanup.push(() => server.kill())
      return server
    }
    const first = start()
    const dee = await join(await first.port(), "dee")
    dee.send("/register dee-password")
    await dee.until("-!- Nickname dee is now registered to you, and you are identified as dee.")
    const ann = await join(await first.port(), "ann")
    ann.send("/register ann-password", "/join #club", "/room register", "/mode +k sesame", "/ban troll 1w spam", "/topic members only", "/invite dee")
    await ann.until("-!- #club is registered to you: its modes, bans, topic and operators stay while nobody is in it, and you get @ whenever you join identified.")
    await ann.until("-!- ann set the topic of #club to: members only")
    await ann.until("-!- Invited dee to #club.")
    dee.close()
    ann.close()
    await stop(first)

    const second = start()
    const port = await second.port()
    const cal = await join(port, "cal")
    cal.send("/join #club")
    await cal.until("-!- Cannot join #club: it needs a key (/join #club KEY).")
    cal.send("/join #club sesame")
    await cal.until("-!- Members of #club (1): cal")
    await cal.until("-!- Topic of #club: members only")
    cal.send("/mode -k *", "/bans")
    await cal.until("-!- You are not an operator of #club.")
    await cal.until(/^-!- Bans of #club \(1\): troll!\*@\* by ann until .* \(spam\)$/)
    const back = await join(port, "ann")
    back.send("/identify ann-password", "/join #club")
    await back.until(/^-!- Members of #club \(2\): (@ann, cal|cal, @ann)$/)
    // The invitation was kept for dee's account: it lets dee in without the key, once.
    const invited = await join(port, "dee")
    invited.send("/identify dee-password", "/join #club")
    await invited.until(/^-!- Members of #club \(3\)/)
    invited.send("/join #lobby", "/join #club")
    await invited.until("-!- Cannot join #club: it needs a key (/join #club KEY).")
    await stop(second)
  })

  it("after kill -9, keeps what was said a second before it", async () => {
    const dataDir = freshFolder()
    const server = start(["--data-dir", dataDir, "--flood-rate", "0"])
    const port = await server.port()
    const ann = await join(port, "ann")
    const early = Array.from({ length: 200 }, (_, i) => `early ${i}`)
    ann.send(...early)
    await ann.until("<ann> early 199")
    // What the README promises: at most the last second is lost.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    ann.send("late words")
    await ann.until("<ann> late words")
    server.child.kill("SIGKILL")
    await server.exit()

    const db = new DatabaseSync(Path.join(dataDir, "hubbub.db"), { readOnly: true })
    // A row holds a run of a room's lines, a column a field: [times, senders, texts, actions].
    const kept = db.prepare("SELECT lines FROM history_batches ORDER BY id").all()
      .flatMap((row) => (JSON.parse(String(row.lines)) as [Array<number>, Array<string>, Array<string>, Array<number>])[2])
    db.close()
    assert.deepStrictEqual(kept.slice(0, 200), early)

    const again = start(["--data-dir", dataDir, "--history", "1000"])
    const ben = await join(await again.port(), "ben")
    await ben.until("-!- [", 5000)
    await ben.until(/<ann> early 199$/)
  })

  it("refuses a second server on the same data folder, in one line", async () => {
    const dataDir = freshFolder()
    const first = start(["--data-dir", dataDir])
    await first.port()
    const second = start(["--data-dir", dataDir])
    assert.strictEqual((await second.exit()).code, 1)
    const lines = errorLines(second)
    assert.strictEqual(lines.length, 1, lines.join("\n"))
    assert.match(lines[0]!, new RegExp(`ERROR.*the data folder ${dataDir} is in use by another hubbub`))
    await first.port()
  })

  it("refuses a database file that is not one, in one line, and leaves it as it was", async () => {
    const dataDir = freshFolder()
    Fs.mkdirSync(dataDir, { recursive: true })
    const file = Path.join(dataDir, "hubbub.db")
    Fs.writeFileSync(file, Buffer.alloc(8192, 7))
    const server = start(["--data-dir", dataDir])
    assert.strictEqual((await server.exit()).code, 1)
    const lines = errorLines(server)
    assert.strictEqual(lines.length, 1, lines.join("\n"))
    assert.match(lines[0]!, /ERROR.*cannot read the database .*hubbub\.db: file is not a database/)
    assert.isTrue(Fs.readFileSync(file).equals(Buffer.alloc(8192, 7)))
  })

  it("forgets history older than --history-days when it starts", async () => {
    const dataDir = freshFolder()
    const first = start(["--data-dir", dataDir])
    await talk(await first.port())
    await stop(first)
    const db = new DatabaseSync(Path.join(dataDir, "hubbub.db"))
    // Eight days back: the line in its row of the history, and the row's first time.
    const eightDaysAgo = Date.now() - 8 * 86_400_000
    for (const row of db.prepare("SELECT id, lines FROM history_batches").all()) {
      const [ats, froms, texts, actions] = JSON.parse(String(row.lines)) as [Array<number>, Array<string>, Array<string>, Array<number>]
      const moved = ats.map((at, i) => texts[i] === "first words" ? eightDaysAgo : at)
      db.prepare("UPDATE history_batches SET lines = ?, first_at = ? WHERE id = ?")
        .run(JSON.stringify([moved, froms, texts, actions]), Math.min(...moved), Number(row.id))
    }
    db.close()
    const second = start(["--data-dir", dataDir, "--history-days", "7"])
    await second.waitFor("stderr", /forgot 1 history line\(s\) older than 7 days/)
    const lines = await shown(await second.port(), "ben")
    assert.isFalse(lines.some((line) => line.includes("first words")), lines.join("\n"))
    assert.isTrue(lines.some((line) => line.includes("* ann waves")), lines.join("\n"))
  })
})

describe("the Postgres store, as the program runs it", () => {
  let postgres: PostgresServer
  beforeAll(async () => {
    postgres = await PostgresServer.start()
  }, 60_000)
  afterAll(() => postgres?.stop())

  it("keeps topics and history in Postgres across a restart", async () => {
    const url = postgres.createDatabase("restart")
    const first = start(["--database", url])
    await first.waitFor("stderr", /keeping accounts, topics and history in postgres:\/\/postgres@127\.0\.0\.1:\d+\/restart/)
    await talk(await first.port())
    await stop(first)
    const second = start(["--database", url])
    const lines = await shown(await second.port(), "ben")
    assert.include(lines, "-!- Topic of #lobby: the lobby's topic")
    assert.include(lines, "-!- Topic of #side: side talk")
    await stop(second)
  })

  it("refuses to start when Postgres refuses the login, in one line without the password", async () => {
    const url = `postgres://nobody:hunter2@127.0.0.1:${postgres.port}/nowhere`
    const server = start(["--database", url])
    assert.strictEqual((await server.exit(20_000)).code, 1)
    const lines = errorLines(server)
    assert.strictEqual(lines.length, 1, lines.join("\n"))
    assert.match(lines[0]!, /ERROR.*postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:\d+\/nowhere/)
    assert.notInclude(server.stderr.join("\n"), "hunter2")
  })
})

describe("readiness with the store", () => {
  it("answers /readyz 503 with the store's one line while Postgres hangs or once it is gone, and 200 while it answers", async () => {
    const postgres = await PostgresServer.start()
    let stopped = false
    try {
      const server = start(["--database", postgres.createDatabase("ready"), "--http-port", "0"])
      const httpPort = Number((await server.waitFor("stderr", /chat page at http:\/\/127\.0\.0\.1:(\d+)\//))[1])
      const ready = async () => {
        const response = await fetch(`http://127.0.0.1:${httpPort}/readyz`)
        return [response.status, await response.text()] as const
      }
      assert.deepStrictEqual(await ready(), [200, "ready\n"])
      // A database that hangs (stopped, its connections open) is no more ready than one that is gone.
      postgres.pause()
      assert.deepStrictEqual(await ready(), [503, "store: does not answer within 1 s\n"])
      postgres.resume()
      assert.deepStrictEqual(await ready(), [200, "ready\n"])
      await postgres.stop()
      stopped = true
      const [status, text] = await ready()
      assert.strictEqual(status, 503)
      assert.match(text, /^store: (cannot reach the database postgres:\/\/postgres@127\.0\.0\.1:\d+\/ready: .+|the database .+ failed to answer: .+|does not answer within 1 s)\n$/)
      // About the process, not its dependencies.
      assert.strictEqual((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status, 200)
      await stop(server)
    } finally {
      if (!stopped) await postgres.stop()
    }
  }, 60_000)
})

