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

  constructor(port: number, nick: string) {
    // irssi paces its own commands (one per 2.2 s after a burst of 5); the test has no need to wait for that.
    writeFileSync(
      Path.join(this.home, "config"),
      `settings = { "irc/core" = { cmd_queue_speed = "0msec"; max_cmds_at_once = "0"; }; };\n`
    )
    this.tmux(
      "new-session", "-d", "-s", "irssi", "-x", "160", "-y", "50",
      `irssi --home=${this.home} -n ${nick} -c 127.0.0.1 -p ${port}`
    )
  }

  private tmux(...args: Array<string>): string {
    return execFileSync("tmux", ["-L", this.socket, ...args], { encoding: "utf8", env: { ...process.env, TERM: "xterm" } })
  }

  type(line: string): void {
    this.tmux("send-keys", "-t", "irssi", "-l", line)
    this.tmux("send-keys", "-t", "irssi", "Enter")
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

  /** Waits (a bounded time) until the screen shows `match`; a terminal has no event to await, so it looks every 50 ms. */
  async shows(match: RegExp, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!match.test(this.screen())) {
      if (Date.now() > deadline) throw new Error(`irssi never showed ${match}; the screen:\n${this.screen()}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  async exited(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.running) {
      if (Date.now() > deadline) throw new Error(`irssi still running; the screen:\n${this.screen()}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  close(): void {
    try {
      this.tmux("kill-server")
    } catch {
      // already gone
    }
    rmSync(this.home, { recursive: true, force: true })
  }
}

let irssi: Irssi | undefined
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

    irssi.type("/join #lobby")
    assert.strictEqual(await bob.until(/alice/), "-!- alice has joined #lobby")
    await irssi.shows(/alice \[alice@hubbub\] has joined #lobby/)
    await irssi.shows(/\[.?bob\]/)

    irssi.type("hello from irssi")
    assert.strictEqual(await bob.until(/^</), "<alice> hello from irssi")
    irssi.type("/me nods")
    assert.strictEqual(await bob.until(/^\*/), "* alice nods")

    bob.send("hello from netcat", "/me waves", "/topic irssi and netcat")
    await irssi.shows(/<\s*bob> hello from netcat/)
    await irssi.shows(/\* bob waves/)
    await irssi.shows(/bob changed the topic of #lobby to: irssi and netcat/)

    irssi.type("/quit bye now")
    assert.strictEqual(await bob.until(/alice has left/), "-!- alice has left #lobby (quit: bye now)")
    await irssi.exited()
  })
})
