import { assert, describe, it } from "@effect/vitest"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import { Effect, Layer, Logger, ManagedRuntime, References } from "effect"
import { ChatConfig } from "../../src/ChatConfig.js"
import { ChatServer } from "../../src/server/ChatServer.js"
import { TestClient } from "../support/TestClient.js"

/** Warnings and errors the server logged, to show at the end of a test. */
const collectLogs = () => {
  const logs: Array<string> = []
  const logger = Logger.make<unknown, void>(({ logLevel, message }) => {
    logs.push(`${logLevel}: ${(Array.isArray(message) ? message : [message]).map(String).join(" ")}`)
  })
  return { logs, layer: Layer.mergeAll(Logger.layer([logger]), Layer.succeed(References.MinimumLogLevel, "Warn")) }
}

/** The port of the `ChatServer` in `runtime`. */
const portOf = async (runtime: ManagedRuntime.ManagedRuntime<ChatServer, unknown>) => {
  const server = await runtime.runPromise(Effect.service(ChatServer))
  if (server.address._tag === "UnixPathAddress") throw new Error("expected a TCP address")
  return server.address.port
}

/** A WebSocket client that collects the lines it receives; every wait is bounded and says what did arrive. */
class WsClient {
  readonly lines: Array<string> = []
  private read = 0
  private partial = ""
  private wake = () => {}
  closed = false

  private constructor(readonly socket: WebSocket) {
    socket.binaryType = "arraybuffer"
    socket.onmessage = (event) => {
      const text = typeof event.data === "string" ? event.data : new TextDecoder().decode(event.data as ArrayBuffer)
      const parts = (this.partial + text).split("\n")
      this.partial = parts.pop()!
      this.lines.push(...parts)
      this.wake()
    }
    socket.onclose = () => {
      this.closed = true
      this.wake()
    }
  }

  static connect(url: string): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url)
      socket.onopen = () => resolve(new WsClient(socket))
      socket.onerror = () => reject(new Error(`websocket error connecting to ${url}`))
    })
  }

  send(...lines: Array<string>): void {
    this.socket.send(lines.map((l) => l + "\n").join(""))
  }

  /** Reads lines until one matches and returns it; a timeout or close says what arrived. */
  async until(match: RegExp, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      while (this.read < this.lines.length) {
        const line = this.lines[this.read++]
        if (match.test(line)) return line
      }
      const left = deadline - Date.now()
      if (this.closed || left <= 0) {
        throw new Error(`${this.closed ? "closed" : "timed out"} before ${match}; got:\n${this.lines.join("\n")}`)
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.wake = () => {
          clearTimeout(timer)
          this.wake = () => {}
          resolve()
        }
      })
    }
  }
}

describe("the same sessions over other SocketServers", () => {
  it("WebSocket (NodeSocketServer.layerWebSocket): clients register, chat, and one quits", async () => {
    const { layer, logs } = collectLogs()
    const runtime = ManagedRuntime.make(
      ChatServer.layer.pipe(
        Layer.provide(NodeSocketServer.layerWebSocket({ port: 0, host: "127.0.0.1" })),
        Layer.provideMerge(ChatServer.layerServices),
        Layer.provide(ChatConfig.layer()),
        Layer.provide(layer)
      )
    )
    const clients: Array<WsClient> = []
    try {
      const url = `ws://127.0.0.1:${await portOf(runtime)}`
      const alice = await WsClient.connect(url)
      clients.push(alice)
      await alice.until(/Choose a nickname/)
      alice.send("alice")
      assert.strictEqual(await alice.until(/^-!- Members of #lobby/), "-!- Members of #lobby (1): alice")
      const bob = await WsClient.connect(url)
      clients.push(bob)
      bob.send("bob", "hello over websocket")
      assert.strictEqual(await bob.until(/^-!- Members of #lobby/), "-!- Members of #lobby (2): alice, bob")
      assert.strictEqual(await alice.until(/^-!- bob has joined/), "-!- bob has joined #lobby")
      assert.strictEqual(await alice.until(/^<bob>/), "<bob> hello over websocket")
      assert.strictEqual(await bob.until(/^<bob>/), "<bob> hello over websocket")
      alice.send("hi bob")
      assert.strictEqual(await bob.until(/^<alice>/), "<alice> hi bob")
      bob.send("/quit")
      assert.strictEqual(await bob.until(/Goodbye/), "-!- Goodbye, bob.")
      assert.strictEqual(await alice.until(/bob has left/), "-!- bob has left #lobby (quit)")
      assert.deepStrictEqual(logs, [])
    } finally {
      for (const client of clients) client.socket.close()
      await runtime.dispose()
    }
  })

  it("TCP over the platform's NodeSocketServer (socketServer: \"platform\"): chat, then a graceful shutdown", async () => {
    const { layer, logs } = collectLogs()
    const runtime = ManagedRuntime.make(
      ChatServer.layerStandalone.pipe(
        Layer.provide(ChatConfig.layer({ port: 0, socketServer: "platform" })),
        Layer.provide(layer)
      )
    )
    const clients: Array<TestClient> = []
    let disposed = false
    try {
      const port = await portOf(runtime)
      const alice = await TestClient.join(port, "alice")
      clients.push(alice)
      const bob = await TestClient.join(port, "bob")
      clients.push(bob)
      assert.strictEqual(await alice.until("bob has joined"), "-!- bob has joined #lobby")
      bob.send("hello over the platform's socket")
      assert.strictEqual(await alice.until(/^<bob>/), "<bob> hello over the platform's socket")
      assert.strictEqual(await bob.until(/^<bob>/), "<bob> hello over the platform's socket")
      // A half-closed client still gets its answers (the server is half-open).
      const carol = await TestClient.join(port, "carol")
      clients.push(carol)
      carol.send("/who")
      carol.socket.end()
      assert.strictEqual(await carol.until("Members of"), "-!- Members of #lobby (3): alice, bob, carol")
      await carol.eof()

      disposed = true
      await runtime.dispose()
      for (const client of [alice, bob]) {
        assert.strictEqual(await client.until(/shutting down/), "-!- Server shutting down. Goodbye.")
        await client.eof()
      }
      assert.deepStrictEqual(logs, [])
    } finally {
      for (const client of clients) client.reset()
      if (!disposed) await runtime.dispose()
    }
  })
})
