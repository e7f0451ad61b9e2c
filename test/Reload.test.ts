import { assert, beforeAll, describe, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Tls from "node:tls"
import { temporaryFolders } from "./support/folders.js"
import { ServerProcess } from "./support/process.js"
import { tracking } from "./support/tracked.js"
import { TestClient } from "./support/TestClient.js"

const track = tracking()
const folders = temporaryFolders("hubbub-reload-")

/** Two throwaway certificates for localhost, told apart by their organisation. */
let dir = ""
const pem = (name: string) => Fs.readFileSync(Path.join(dir, name), "utf8")
beforeAll(() => {
  dir = Path.dirname(folders())
  for (const which of ["old", "new"]) {
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/O=${which}/CN=localhost`,
      "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout", Path.join(dir, `${which}-key.pem`), "-out", Path.join(dir, `${which}-cert.pem`)
    ], { stdio: "ignore" })
  }
})

/** A TLS connection that trusts either certificate, and the organisation of the one the server showed. */
const tlsClient = async (port: number) => {
  const client = track(await TestClient.connectTls(port, pem("old-cert.pem") + pem("new-cert.pem")))
  return { client, organisation: String((client.socket as Tls.TLSSocket).getPeerCertificate().subject.O) }
}

/** A configuration file in `dir`, with `lines` after what every test needs. */
const configure = (file: string, ...lines: Array<string>) =>
  Fs.writeFileSync(file, [
    "port = 0",
    "irc-port = 0",
    "store = \"memory\"",
    `tls-cert = "${Path.join(dir, "cert.pem")}"`,
    `tls-key = "${Path.join(dir, "key.pem")}"`,
    `motd = "${Path.join(dir, "motd.txt")}"`,
    "server-name = \"irc.test\"",
    ...lines
  ].join("\n") + "\n")

describe("reload without a restart (SIGHUP, the console's reload)", () => {
  it("renews the TLS certificate for new connections while the old ones stay, and takes a new MOTD, limits and log level; a new listener waits for a restart", async () => {
    Fs.copyFileSync(Path.join(dir, "old-cert.pem"), Path.join(dir, "cert.pem"))
    Fs.copyFileSync(Path.join(dir, "old-key.pem"), Path.join(dir, "key.pem"))
    Fs.writeFileSync(Path.join(dir, "motd.txt"), "the first message of the day\n")
    const file = Path.join(dir, "hubbub.toml")
    configure(file, "max-connections = 2")
    const server = track(ServerProcess.start(["--config", file, "--no-console"]))
    const port = await server.port()
    const ircPort = Number((await server.waitFor("stderr", /listening for IRC on 127\.0\.0\.1:(\d+)/))[1])

    const before = await tlsClient(port)
    assert.strictEqual(before.organisation, "old")
    before.client.send("ann")
    await before.client.until(/Members of #lobby/)
    const irc = await tlsClient(ircPort)
    irc.client.send("NICK bob", "USER bob 0 * :Bob")
    assert.strictEqual(await irc.client.until(/ 372 bob /), ":irc.test 372 bob :- the first message of the day")
    // Full: two connections at most.
    const third = await tlsClient(port)
    assert.match(await third.client.until(/full/i), /Server full/)
    // Debug lines are off: a failed handshake says nothing yet.
    const garbage = track(await TestClient.connect(port))
    garbage.send("not a TLS hello")
    await garbage.eof()

    Fs.copyFileSync(Path.join(dir, "new-cert.pem"), Path.join(dir, "cert.pem"))
    Fs.copyFileSync(Path.join(dir, "new-key.pem"), Path.join(dir, "key.pem"))
    Fs.writeFileSync(Path.join(dir, "motd.txt"), "the second message of the day\n")
    configure(file, "max-connections = 3", "log-level = \"debug\"", "seed-port = 0", "http-port = 0")
    server.child.kill("SIGHUP")
    await server.waitFor("stderr", /INFO .*reload: changed max-connections, motd, tls-cert\/tls-key, log-level$/)
    await server.waitFor("stderr", /WARN .*reload: changing seed-port, http-port needs a restart: still running as started$/)

    // The connection made before keeps its session; the ones after get the new certificate, and the new limit.
    before.client.send("still here")
    await before.client.until("<ann> still here")
    const after = await tlsClient(port)
    assert.strictEqual(after.organisation, "new")
    after.client.send("cat")
    await after.client.until(/Members of #lobby/)
    irc.client.send("MOTD")
    assert.strictEqual(await irc.client.until(/ 372 bob :- the second/), ":irc.test 372 bob :- the second message of the day")
    // The welcome of one who registers now shows it too.
    irc.client.send("QUIT")
    const newcomer = await tlsClient(ircPort)
    newcomer.client.send("NICK eve", "USER eve 0 * :Eve")
    assert.strictEqual(await newcomer.client.until(/ 372 eve /), ":irc.test 372 eve :- the second message of the day")
    const again = track(await TestClient.connect(port))
    again.send("not a TLS hello")
    await server.waitFor("stderr", /DEBUG .*TLS handshake failed/)
    // No seed protocol listener opened.
    assert.isFalse(server.stderr.some((line) => line.includes("seed protocol")))
  })

  it("refuses a bad configuration in one line and keeps the running one; the console's reload says what changed; operators follow the file", async () => {
    Fs.copyFileSync(Path.join(dir, "old-cert.pem"), Path.join(dir, "cert.pem"))
    Fs.copyFileSync(Path.join(dir, "old-key.pem"), Path.join(dir, "key.pem"))
    Fs.writeFileSync(Path.join(dir, "motd.txt"), "hello\n")
    const file = Path.join(dir, "operators.toml")
    configure(file)
    const server = track(ServerProcess.start(["--config", file, "--console", "--admin-port", "0"]))
    const port = await server.port()
    const adminPort = Number((await server.waitFor("stderr", /admin API at http:\/\/127\.0\.0\.1:(\d+)\//))[1])
    const alice = (await tlsClient(port)).client
    alice.send("alice")
    await alice.until(/Members of #lobby/)
    alice.send("/register correct-horse-battery")
    await alice.until(/registered/i)
    const bob = (await tlsClient(port)).client
    bob.send("bob")
    await bob.until(/Members of #lobby/)
    alice.send("/kill bob go away")
    assert.strictEqual(await alice.until(/server operators/), "-!- Only server operators may do that.")

    // A file that does not read: one line, and nothing changes (alice is still no operator, the server serves).
    Fs.writeFileSync(file, Fs.readFileSync(file, "utf8") + "operators = \"alice\"\nmax-connections = many\n")
    server.child.stdin!.write("reload\n")
    assert.match((await server.waitFor("stdout", /^reload refused.*$/))[0], /^reload refused, the running configuration kept: .*operators\.toml:\d+: max-connections: expected a "string" \(in double quotes\), a number in digits, true or false$/)
    await server.waitFor("stderr", /ERROR .*reload refused, the running configuration kept/)
    alice.send("/kill bob go away")
    await alice.until((line) => line === "-!- Only server operators may do that." && alice.lines.filter((l) => l === line).length === 2)

    configure(file, "operators = \"alice\"")
    server.child.stdin!.write("reload\n")
    assert.strictEqual((await server.waitFor("stdout", /^reloaded: .*$/))[0], "reloaded: operators")
    await server.waitFor("stderr", /moderation: a reload made alice a server operator/)
    alice.send("/kill bob go away")
    await bob.eof()

    // A name the file gives before its account exists: powers once it is registered and the file read again, unchanged.
    configure(file, "operators = \"alice,carol\"")
    server.child.stdin!.write("reload\n")
    await server.waitFor("stderr", /server operator carol is no account/)
    const carol = (await tlsClient(port)).client
    carol.send("carol")
    await carol.until(/Members of #lobby/)
    carol.send("/register another-horse-battery")
    await carol.until(/registered/i)
    server.child.stdin!.write("reload\n")
    await server.waitFor("stderr", /moderation: a reload made carol a server operator/)

    // Through the admin API too; the reloads are counted.
    configure(file)
    const response = await fetch(`http://127.0.0.1:${adminPort}/reload`, { method: "POST" })
    assert.deepStrictEqual(await response.json(), { changed: ["operators"], needsRestart: [], bans: 0 })
    await server.waitFor("stderr", /moderation: a reload took server operator powers from alice/)
    await server.waitFor("stderr", /moderation: a reload took server operator powers from carol/)
    const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text()
    assert.match(metrics, /^hubbub_config_reloads_total 4$/m)
    assert.match(metrics, /^hubbub_config_reloads_refused_total 1$/m)
  })
})
