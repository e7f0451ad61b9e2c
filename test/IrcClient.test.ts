import { afterEach, assert, describe, it } from "@effect/vitest"
import { Option } from "effect"
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { fixtures } from "./support/fixtures.js"

const { join, server } = fixtures()

/**
 * A real IRC client: Debian's irssi, in a tmux session of its own (its own
 * tmux server socket), typed into with `send-keys` and read with
 * `capture-pane`. `.ci/run` installs both.
 */
class Irssi {
  private readonly socket = `hubbub-test-${process.pid}`
  private readonly home = mkdtempSync(Path.join(tmpdir(), "hubbub-irssi-"))

  /** Connects as `nick`; with `sasl`, to a network that logs in with SASL PLAIN as irssi's users set it up. */
  constructor(port: number, nick: string, sasl?: { readonly account: string; readonly password: string }) {
    // irssi paces its own commands (one per 2.2 s after a burst of 5), and takes keys that come
    // in a rush for a paste it may hold back: neither is wanted for keys typed by a test.
    const network = sasl === undefined
      ? ""
      : `servers = ({ address = "127.0.0.1"; chatnet = "hubbub"; port = "${port}"; });\n` +
        `chatnets = { hubbub = { type = "IRC"; sasl_mechanism = "PLAIN"; ` +
        `sasl_username = "${sasl.account}"; sasl_password = "${sasl.password}"; }; };\n`
    writeFileSync(
      Path.join(this.home, "config"),
      network +
        `settings = {\n` +
        `  "irc/core" = { cmd_queue_speed = "0msec"; };\n` +
        `  "fe-text" = { paste_detect_time = "0msec"; };\n` +
        `};\n`
    )
    this.tmux(
      "new-session", "-d", "-s", "irssi", "-x", "160", "-y", "50",
      `irssi --home=${this.home} -n ${nick} ${sasl === undefined ? `-c 127.0.0.1 -p ${port}` : "-c hubbub"}`
    )
  }

  private tmux(...args: Array<string>): string {
    return execFileSync("tmux", ["-L", this.socket, ...args], {
      encoding: "utf8",
      env: { ...process.env, TERM: "xterm" },
      stdio: ["ignore", "pipe", "pipe"]
    })
  }

  /** Types a line, and presses Enter once irssi shows it in its input line (keys in a rush may be taken for a paste). */
  async type(line: string): Promise<void> {
    this.tmux("send-keys", "-t", "irssi", "-l", line)
    await this.until(() => this.inputLine().endsWith(line), `its input line to read ${JSON.stringify(line)}`)
    this.tmux("send-keys", "-t", "irssi", "Enter")
    await this.until(() => !this.running || !this.inputLine().endsWith(line), `${JSON.stringify(line)} to be taken`)
  }

  /** The last line of the window: irssi's input line. */
  private inputLine(): string {
    return this.tmux("capture-pane", "-p", "-t", "irssi").trimEnd().split("\n").at(-1)!.trimEnd()
  }

  /** The window's text, scrollback included. */
  screen(): string {
    return this.tmux("capture-pane", "-p", "-t", "irssi", "-S", "-500")
  }

  get running(): boolean {
    try {
      this.tmux("has-session", "-t", "irssi")
      return true
    } catch {
      return false
    }
  }

  /** Waits (a bounded time) until `done`; a terminal has no event to await, so it looks every 50 ms. */
  private async until(done: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`irssi: no ${what}; the screen:\n${this.running ? this.screen() : "(gone)"}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  shows(match: RegExp): Promise<void> {
    return this.until(() => match.test(this.screen()), String(match))
  }

  exited(): Promise<void> {
    return this.until(() => !this.running, "exit")
  }

  close(): void {
    try {
      this.tmux("kill-server")
    } catch {
      // already gone
    }
    // the client may still be writing its files as it exits
    rmSync(this.home, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 })
  }
}

let irssi: Irssi | undefined

/** A wait on the netcat side; if it fails, the failure shows irssi's screen too. */
const alongside = async <A>(wait: Promise<A>): Promise<A> => {
  try {
    return await wait
  } catch (error) {
    throw new Error(`${String(error)}\nirssi's screen:\n${irssi?.screen()}`)
  }
}
afterEach(() => {
  irssi?.close()
  irssi = undefined
})

describe("irssi, a real IRC client", () => {
  it("connects, joins #lobby, chats with a netcat user both ways, and quits", async () => {
    const { ircPort, port } = await server({ ircPort: Option.some(0), serverName: "hub.test" })
    const bob = await join(port, "bob")
    irssi = new Irssi(ircPort, "alice")
    await irssi.shows(/Welcome to hubbub, alice/)
    await irssi.shows(/End of \/MOTD command/)

    await irssi.type("/join #lobby")
    assert.strictEqual(await alongside(bob.until(/alice/, 10_000)), "-!- alice has joined #lobby")
    await irssi.shows(/alice \[alice@hubbub\] has joined #lobby/)
    await irssi.shows(/\[.?bob\]/)

    await irssi.type("hello from irssi")
    assert.strictEqual(await alongside(bob.until(/^</, 10_000)), "<alice> hello from irssi")
    await irssi.type("/me nods")
    assert.strictEqual(await alongside(bob.until(/^\*/, 10_000)), "* alice nods")

    bob.send("hello from netcat", "/me waves", "/topic irssi and netcat")
    await irssi.shows(/<\s*bob> hello from netcat/)
    await irssi.shows(/\* bob waves/)
    await irssi.shows(/bob changed the topic of #lobby to: irssi and netcat/)

    // irssi's own /whois, of a netcat user who is away.
    bob.send("/away lunch")
    await bob.until("-!- You are marked as away: whoever writes to you is told why.")
    await irssi.type("/whois bob")
    // irssi shows a whois in its status window.
    await irssi.type("/window 1")
    await irssi.shows(/bob \[bob@hubbub\]/)
    await irssi.shows(/away\s+: lunch/)
    await irssi.shows(/End of WHOIS/i)

    await irssi.type("/quit bye now")
    assert.strictEqual(await alongside(bob.until(/alice has left/, 10_000)), "-!- alice has left #lobby (quit: bye now)")
    await irssi.exited()
  })

  it("moderates a room with irssi's own commands, and shows a netcat operator's modes and kick", async () => {
    const { ircPort, port } = await server({ ircPort: Option.some(0), serverName: "hub.test" })
    irssi = new Irssi(ircPort, "alice")
    await irssi.shows(/End of \/MOTD command/)
    await irssi.type("/join #ops")
    await irssi.shows(/\[@alice\]/)
    const bob = await join(port, "bob")
    bob.send("/join #ops")
    await alongside(bob.until("-!- Members of #ops (2): @alice, bob", 10_000))

    await irssi.type("/mode #ops +m")
    await alongside(bob.until("-!- alice sets mode +m on #ops", 10_000))
    await irssi.shows(/mode\/#ops \[\+m\] by alice/)
    bob.send("may I?")
    await alongside(bob.until("-!- #ops is moderated: only operators and voiced members may speak.", 10_000))
    await irssi.type("/voice bob")
    await alongside(bob.until("-!- alice gives voice to bob in #ops", 10_000))
    bob.send("thank you")
    await irssi.shows(/<\s*\+bob> thank you/)
    assert.notMatch(irssi.screen(), /may I\?/)

    await irssi.type("/kick bob be quiet now")
    await alongside(bob.until("-!- bob was kicked from #ops by alice (be quiet now)", 10_000))
    await irssi.shows(/bob was kicked from #ops by alice \[be quiet now\]/)
    await irssi.type("/mode #ops +i")
    await irssi.shows(/mode\/#ops \[\+i\] by alice/)
    bob.send("/join #ops")
    await alongside(bob.until("-!- Cannot join #ops: it is invite only.", 10_000))
    await irssi.type("/invite bob")
    await alongside(bob.until("-!- alice invites you to #ops (type /join #ops)", 10_000))
    bob.send("/join #ops")
    await irssi.shows(/bob \[bob@hubbub\] has joined #ops/)

    // The other way round: a netcat operator's changes and kick, as irssi shows them.
    bob.send("/join #den")
    await alongside(bob.until("-!- Members of #den (1): @bob", 10_000))
    await irssi.type("/join #den")
    await alongside(bob.until("-!- alice has joined #den", 10_000))
    bob.send("/mode +k sesame", "/kick alice out you go")
    await irssi.shows(/mode\/#den \[\+k sesame\] by bob/)
    await irssi.shows(/alice was kicked from #den by bob \[out you go\]/)
    await irssi.type("/join #den sesame")
    await alongside(bob.until("-!- alice has joined #den", 10_000))
  })

  it("logs in with SASL PLAIN, as irssi's network settings ask, and keeps its registered nickname", async () => {
    const { ircPort, port, sessions } = await server({ ircPort: Option.some(0), serverName: "hub.test" })
    const owner = await join(port, "owner")
    owner.send("/register sesame-opens", "/nick elsewhere")
    await owner.until("-!- owner is now known as elsewhere")
    owner.send("/quit")
    await owner.eof()
    irssi = new Irssi(ircPort, "owner", { account: "owner", password: "sesame-opens" })
    await irssi.shows(/You are now logged in as owner/)
    await irssi.shows(/End of \/MOTD command/)
    const watcher = await join(port, "watcher")
    await irssi.type("/join #lobby")
    await alongside(watcher.until("-!- owner has joined #lobby", 10_000))
    assert.strictEqual(sessions.findNick("owner")?.account, "owner")
    assert.isFalse(/is registered|Guest\d+/.test(irssi.screen()), irssi.screen())
  })
})
