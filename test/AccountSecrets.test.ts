import { afterEach, assert, describe, it } from "@effect/vitest"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { temporaryFolders } from "./support/folders.js"
import { ServerProcess } from "./support/process.js"
import { TestClient } from "./support/TestClient.js"

let cleanup: Array<() => void> = []
afterEach(() => {
  for (const f of cleanup.reverse()) f()
  cleanup = []
})
const freshFolder = temporaryFolders("hubbub-secrets-")
const track = <A extends { reset(): void }>(client: A) => {
  cleanup.push(() => client.reset())
  return client
}

describe("passwords", () => {
  it("never reach a log line, a room, another client or the database, whatever the client mistypes", async () => {
    const secrets = Array.from({ length: 12 }, (_, i) => `Secret${i}-${Math.random().toString(36).slice(2, 8)}`)
    const dataDir = freshFolder()
    const server = ServerProcess.start(
      ["--port", "0", "--irc-port", "0", "--no-console", "--log-level", "all", "--data-dir", dataDir],
      { HUBBUB_STORE: "" }
    )
    cleanup.push(() => server.kill())
    const port = await server.port()
    const ircPort = Number((await server.waitFor("stderr", /listening for IRC on 127\.0\.0\.1:(\d+)/))[1])
    const bystander = track(await TestClient.join(port, "bystander"))
    const ann = track(await TestClient.join(port, "ann"))
    ann.send(
      `/register ${secrets[0]}`,
      `/identfy ${secrets[1]}`,
      `/msg NickServ identify ${secrets[2]}`,
      `/msg nickserv identify ann ${secrets[3]}`,
      `/password ${secrets[4]} ${secrets[5]}`,
      `/password ${secrets[0]} ${secrets[6]}`,
      "/logout",
      `/identify ann ${secrets[7]}`,
      `/unregister ${secrets[8]}`,
      `/identify ${secrets[6]}`,
      "done"
    )
    await bystander.until("<ann> done")
    const irc = track(await TestClient.connect(ircPort))
    irc.send("NICK bob", "USER bob 0 * :Bob")
    await irc.until(/ 376 /)
    irc.send(
      `PRIVMSG NickServ :REGISTER ${secrets[9]} bob@example.org`,
      `PRIVMSG NickSrv :IDENTIFY ${secrets[10]}`,
      `PRIVMSG NickServ :IDENTIFY ann ${secrets[11]}`,
      `PRIVMSG NickServ :IDENTIFY ${secrets[9]} extra`,
      "JOIN #lobby",
      "PRIVMSG #lobby :done too"
    )
    await bystander.until("<bob> done too")
    server.child.kill("SIGINT")
    assert.strictEqual((await server.exit()).code, 0)

    const everything = [
      ...server.stdout,
      ...server.stderr,
      ...bystander.lines,
      ...ann.lines,
      ...irc.lines,
      Fs.readFileSync(Path.join(dataDir, "hubbub.db")).toString("latin1")
    ].join("\n")
    for (const secret of secrets) {
      const at = everything.indexOf(secret)
      assert.strictEqual(at, -1, `${secret} in: ${everything.slice(Math.max(0, at - 300), at + 100)}`)
    }
    // What the commands did, so that the test saw them run.
    assert.include(ann.lines, "-!- Unknown command /identfy. Type /help for the list.")
    assert.include(ann.lines, "-!- You are now identified as ann.")
    assert.include(ann.lines, "-!- The password of ann is changed.")
    assert.include(irc.lines, ":NickServ!NickServ@services NOTICE bob :Nickname bob is now registered to you, and you are identified as bob.")
    assert.isTrue(server.stderr.some((line) => line.includes("failed login for account ann")))
  })
})
