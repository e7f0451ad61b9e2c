import { afterEach, describe, it } from "@effect/vitest"
import { Option } from "effect"
import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as Path from "node:path"
import { DatabaseSync } from "node:sqlite"
import { fixtures } from "./support/fixtures.js"
import { temporaryFolders } from "./support/folders.js"

const { join, server } = fixtures()
const freshFolder = temporaryFolders("hubbub-weechat-data-")

/**
 * A real IRC client: Debian's WeeChat, in a tmux session of its own (its own tmux server socket),
 * typed into with `send-keys` and read with `capture-pane`. `.ci/run` installs both.
 */
class WeeChat {
  private readonly socket = `hubbub-weechat-${process.pid}`
  private readonly home = mkdtempSync(Path.join(tmpdir(), "hubbub-weechat-"))

  constructor(port: number, nick: string) {
    const setup = [
      "/set weechat.look.paste_max_lines -1",
      `/set irc.server_default.nicks ${nick}`,
      `/set irc.server_default.username ${nick}`,
      `/server add hubbub 127.0.0.1/${port} -notls`,
      "/connect hubbub"
    ].join(";")
    this.tmux("new-session", "-d", "-s", "weechat", "-x", "160", "-y", "50", `weechat-curses -d ${this.home} -r '${setup}'`)
  }

  private tmux(...args: Array<string>): string {
    return execFileSync("tmux", ["-L", this.socket, ...args], {
      encoding: "utf8",
      // Times on its screen in UTC, as the test reads them.
      env: { ...process.env, TERM: "xterm", TZ: "UTC" },
      stdio: ["ignore", "pipe", "pipe"]
    })
  }

  /** Types a line and Enter. */
  type(line: string): void {
    this.tmux("send-keys", "-t", "weechat", "-l", line)
    this.tmux("send-keys", "-t", "weechat", "Enter")
  }

  /** The window's text, scrollback included. */
  screen(): string {
    return this.tmux("capture-pane", "-p", "-t", "weechat", "-S", "-500")
  }

  /** Waits (a bounded time) until the window shows `match`; a terminal has no event to await, so it looks every 50 ms. */
  async shows(match: RegExp, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!match.test(this.screen())) {
      if (Date.now() > deadline) throw new Error(`WeeChat: no ${String(match)}; the screen:\n${this.screen()}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
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

let weechat: WeeChat | undefined
afterEach(() => {
  weechat?.close()
  weechat = undefined
})

/** A wait on the netcat side; if it fails, the failure shows WeeChat's screen too. */
const alongside = async <A>(wait: Promise<A>): Promise<A> => {
  try {
    return await wait
  } catch (error) {
    throw new Error(`${String(error)}\nWeeChat's screen:\n${weechat?.screen()}`)
  }
}

describe("WeeChat, a real IRC client", () => {
  it("moderates a room with WeeChat's own commands, and shows a netcat operator's modes and kick", async () => {
    const { ircPort, port } = await server({ ircPort: Option.some(0), serverName: "hub.test" })
    weechat = new WeeChat(ircPort, "wendy")
    await weechat.shows(/Welcome to hubbub, wendy/)
    weechat.type("/join #wee")
    await weechat.shows(/wendy.*has joined #wee/)
    const bob = await join(port, "bob")
    bob.send("/join #wee")
    await alongside(bob.until("-!- Members of #wee (2): bob, @wendy", 10_000))

    weechat.type("/mode +m")
    await alongside(bob.until("-!- wendy sets mode +m on #wee", 10_000))
    bob.send("may I?")
    await alongside(bob.until("-!- #wee is moderated: only operators and voiced members may speak."))
    weechat.type("/voice bob")
    await alongside(bob.until("-!- wendy gives voice to bob in #wee", 10_000))
    bob.send("thank you")
    await weechat.shows(/bob.*thank you/)
    weechat.type("/kick bob be quiet")
    await alongside(bob.until("-!- bob was kicked from #wee by wendy (be quiet)", 10_000))
    await weechat.shows(/wendy has kicked bob \(be quiet\)/)

    // The other way round: a netcat operator's mode and kick, as WeeChat shows them.
    bob.send("/join #den")
    await alongside(bob.until("-!- Members of #den (1): @bob", 10_000))
    weechat.type("/join #den")
    await alongside(bob.until("-!- wendy has joined #den", 10_000))
    bob.send("/mode +i", "/kick wendy out you go")
    await weechat.shows(/Mode #den \[\+i\] by bob/)
    await weechat.shows(/bob has kicked wendy \(out you go\)/)

    // WeeChat's own /whois, of a netcat user who is away: in its server buffer (merged with the core one).
    bob.send("/away lunch")
    await alongside(bob.until("-!- You are marked as away: whoever writes to you is told why.", 10_000))
    weechat.type("/whois bob")
    weechat.type("/buffer 1")
    await weechat.shows(/\[bob\] \(bob@hubbub\)/)
    await weechat.shows(/\[bob\] is away: lunch/)
    await weechat.shows(/\[bob\] End of \/WHOIS list/)
  })

  it("shows a history line at the time it was said (server-time), and its own message once", async () => {
    const dataDir = freshFolder()
    const store = { _tag: "Sqlite", dataDir } as const
    const first = await server({ ircPort: Option.some(0), serverName: "hub.test", store })
    const ann = await join(first.port, "ann")
    ann.send("/join #old", "said long ago")
    await ann.until("<ann> said long ago")
    ann.close()
    await first.stop()
    // Said yesterday at 03:04:05 UTC, as the store keeps it (within --history-days).
    const today = new Date()
    const said = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - 1, 3, 4, 5)
    const db = new DatabaseSync(Path.join(dataDir, "hubbub.db"))
    const [row] = db.prepare("SELECT id, lines FROM history_batches WHERE room = '#old'").all() as Array<{ id: number; lines: string }>
    const packed = JSON.parse(row!.lines) as [Array<number>, ...Array<unknown>]
    packed[0] = packed[0].map(() => said)
    db.prepare("UPDATE history_batches SET lines = ?, first_at = ?, last_at = ? WHERE id = ?").run(JSON.stringify(packed), said, said, row!.id)
    db.close()

    const { ircPort, port } = await server({ ircPort: Option.some(0), serverName: "hub.test", store })
    weechat = new WeeChat(ircPort, "wendy")
    await weechat.shows(/Welcome to hubbub, wendy/)
    weechat.type("/join #old")
    await weechat.shows(/03:04:05 .*ann.*said long ago/)
    const bob = await join(port, "bob")
    bob.send("/join #old")
    await weechat.shows(/bob.*has joined #old/)
    weechat.type("only once, please")
    await alongside(bob.until("<wendy> only once, please", 10_000))
    // Anything the server sends wendy of her line comes before what bob says next.
    bob.send("and then")
    await weechat.shows(/bob.*and then/)
    const shown = weechat.screen().split("\n").filter((line) => line.includes("only once, please"))
    if (shown.length !== 1) throw new Error(`shown ${shown.length} times:\n${weechat.screen()}`)
  })
})
