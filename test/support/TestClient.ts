import * as Net from "node:net"
import * as Tls from "node:tls"

/**
 * A raw line client for black-box tests: what a netcat user would see.
 * Every wait is bounded, and a timeout says what did arrive.
 */
export class TestClient {
  readonly lines: Array<string> = []
  private read = 0
  private partial = ""
  private waiter: (() => void) | undefined
  ended = false
  /** How many lines ended in CRLF. */
  crlf = 0
  /** Everything received, as it came (a last line without its line end included). */
  all = ""
  /** The nickname `join` registered. */
  nick = ""
  readonly closed: Promise<void>

  private constructor(readonly socket: Net.Socket) {
    socket.setEncoding("utf8")
    socket.on("data", (text: string) => {
      this.all += text
      const parts = (this.partial + text).split("\n")
      this.partial = parts.pop()!
      for (const part of parts) {
        // IRC's lines end in CRLF: kept as lines without their CR, and counted.
        if (part.endsWith("\r")) this.crlf++
        this.lines.push(part.endsWith("\r") ? part.slice(0, -1) : part)
      }
      this.waiter?.()
    })
    socket.on("error", () => {})
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        this.ended = true
        this.waiter?.()
        resolve()
      })
    )
  }

  /** Connects to 127.0.0.1 (or `host`), from `localAddress` when given (127.0.0.2 is another loopback address). */
  static connect(port: number, host = "127.0.0.1", localAddress?: string): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const options = localAddress === undefined ? { port, host } : { port, host, localAddress }
      const socket = Net.createConnection(options, () => resolve(new TestClient(socket)))
      socket.once("error", reject)
    })
  }

  /** Connects over TLS, trusting the certificate `ca`. */
  static connectTls(port: number, ca: string): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = Tls.connect({ port, host: "127.0.0.1", ca, servername: "localhost" }, () => resolve(new TestClient(socket)))
      socket.once("error", reject)
    })
  }

  /** Connects and registers `nick`; resolves once the client is in #lobby. */
  static async join(port: number, nick: string): Promise<TestClient> {
    const client = await TestClient.connect(port)
    await client.until("Choose a nickname")
    client.send(nick)
    await client.until(/^-!- Members of #lobby/)
    client.nick = nick
    return client
  }

  send(...lines: Array<string>): void {
    this.socket.write(lines.map((l) => l + "\n").join(""))
  }

  /** The next unread line. */
  next(timeoutMs = 5000): Promise<string> {
    return this.until(() => true, timeoutMs)
  }

  /** Reads lines until one matches and returns it; the lines skipped stay in `lines`. */
  async until(match: string | RegExp | ((line: string) => boolean), timeoutMs = 5000): Promise<string> {
    const test = typeof match === "string"
      ? (l: string) => l.includes(match)
      : match instanceof RegExp
      ? (l: string) => match.test(l)
      : match
    const deadline = Date.now() + timeoutMs
    for (;;) {
      while (this.read < this.lines.length) {
        const line = this.lines[this.read++]
        if (test(line)) return line
      }
      if (this.ended) throw new Error(`connection closed before ${String(match)}; got:\n${this.tail()}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out waiting for ${String(match)}; got:\n${this.tail()}`)
      await this.data(left)
    }
  }

  /** Resolves when more data arrives or the connection closes, or after `ms`. */
  private data(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      this.waiter = () => {
        clearTimeout(timer)
        this.waiter = undefined
        resolve()
      }
    })
  }

  /** Waits until any line received, read or not, matches. */
  async seen(match: RegExp, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!this.saw(match)) {
      const left = deadline - Date.now()
      if (this.ended || left <= 0) throw new Error(`never saw ${match}; got:\n${this.tail()}`)
      await this.data(left)
    }
  }

  /** Waits until everything received so far, as it came, matches (for text that ends no line). */
  async received(match: RegExp, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!match.test(this.all)) {
      const left = deadline - Date.now()
      if (this.ended || left <= 0) throw new Error(`never received ${match}; got:\n${JSON.stringify(this.all.slice(-500))}`)
      await this.data(left)
    }
  }

  /** Whether any line received so far, read or not, matches. */
  saw(match: RegExp): boolean {
    return this.lines.some((l) => match.test(l))
  }

  /** Lines read since the last call to `since` (or the start). */
  unread(): Array<string> {
    const out = this.lines.slice(this.read)
    this.read = this.lines.length
    return out
  }

  /** An IRC client's: waits until it has seen everything it was sent before now (a PING's PONG). */
  async settled(): Promise<void> {
    this.send("PING :settled")
    await this.until(/PONG .*settled/)
  }

  /** Resolves when the server closes the connection; fails after `timeoutMs`. */
  async eof(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      this.closed,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no EOF within ${timeoutMs} ms; got:\n${this.tail()}`)), timeoutMs)
      })
    ]).finally(() => clearTimeout(timer))
  }

  close(): void {
    this.socket.end()
  }

  reset(): void {
    // A TLS socket cannot be reset (its handle is TLS's, not TCP's).
    if (this.socket instanceof Tls.TLSSocket) this.socket.destroy()
    else this.socket.resetAndDestroy()
  }

  private tail() {
    return this.lines.slice(-20).join("\n")
  }
}
