import type { ClientMessage } from "../../src/protocol/Json.js"
import * as NodeWS from "@effect/platform-node/NodeWS"
import type { ServerMessage } from "../../src/protocol/Json.js"

/**
 * A plain WebSocket client on hubbub's JSON protocol: every message the
 * server sends, parsed, in order. Every wait is bounded, and a timeout says
 * what did arrive.
 */
export class WsClient {
  readonly messages: Array<ServerMessage> = []
  /** Raw WebSocket messages (each may hold several lines). */
  readonly frames: Array<string> = []
  private read = 0
  private waiter: (() => void) | undefined
  ended = false
  closeCode: number | undefined
  readonly closed: Promise<number>
  nick = ""

  private constructor(readonly ws: NodeWS.WebSocket) {
    ws.on("message", (data: Buffer, binary: boolean) => {
      if (binary) throw new Error("expected text frames")
      const text = data.toString("utf8")
      this.frames.push(text)
      for (const line of text.split("\n")) if (line !== "") this.messages.push(JSON.parse(line))
      this.waiter?.()
    })
    ws.on("error", () => {})
    this.closed = new Promise((resolve) =>
      ws.on("close", (code: number) => {
        this.ended = true
        this.closeCode = code
        this.waiter?.()
        resolve(code)
      })
    )
  }

  /** Opens `/ws` on `port`; fails with the HTTP status when the server refuses the upgrade. */
  static connect(port: number, options: NodeWS.ClientOptions = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      // With a certificate to trust, over TLS.
      const ws = new NodeWS.WebSocket(`${options.ca === undefined ? "ws" : "wss"}://127.0.0.1:${port}/ws`, options)
      ws.once("open", () => resolve(new WsClient(ws)))
      ws.once("unexpected-response", (_request, response) => {
        reject(new Error(`HTTP ${response.statusCode}`))
        ws.terminate()
      })
      ws.once("error", reject)
    })
  }

  /** Connects and registers `nick`; resolves once the client is in #lobby with its member list. */
  static async join(port: number, nick: string, options: NodeWS.ClientOptions = {}): Promise<WsClient> {
    const client = await WsClient.connect(port, options)
    await client.until((m) => m.type === "hello")
    client.say(nick)
    await client.until((m) => m.type === "members")
    client.nick = nick
    return client
  }

  /** Any message of the JSON protocol, as the page sends one. */
  send(message: ClientMessage): void {
    this.ws.send(JSON.stringify(message))
  }

  /** A line, as the page sends one. */
  say(text: string): void {
    this.ws.send(JSON.stringify({ type: "line", text }))
  }

  /** Reads messages until one matches and returns it. */
  async until<M extends ServerMessage>(match: (message: ServerMessage) => message is M, timeoutMs?: number): Promise<M>
  async until(match: (message: ServerMessage) => boolean, timeoutMs?: number): Promise<ServerMessage>
  async until(match: (message: ServerMessage) => boolean, timeoutMs = 5000): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      while (this.read < this.messages.length) {
        const message = this.messages[this.read++]
        if (match(message)) return message
      }
      if (this.ended) throw new Error(`closed (${this.closeCode}) before a match; got:\n${this.tail()}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out; got:\n${this.tail()}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiter = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      this.waiter = undefined
    }
  }

  /** Resolves with the close code when the server closes the socket; fails after `timeoutMs`. */
  async closedWithin(timeoutMs = 5000): Promise<number> {
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      return await Promise.race([
        this.closed,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`still open; got:\n${this.tail()}`)), timeoutMs)
        })
      ])
    } finally {
      clearTimeout(timer)
    }
  }

  tail(): string {
    return this.messages.slice(-10).map((m) => JSON.stringify(m)).join("\n")
  }

  reset(): void {
    this.ws.terminate()
  }
}
