import { assert, describe, it } from "@effect/vitest"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import { Effect, Layer, ManagedRuntime, References } from "effect"
import { ChatConfig } from "../src/ChatConfig.js"
import { ChatServer } from "../src/ChatServer.js"
import { Codec } from "../src/Codec.js"
import { Hub } from "../src/Hub.js"
import { Listener } from "../src/Listener.js"
import { Sessions } from "../src/Sessions.js"

/** A WebSocket client that collects the lines it receives. */
const connect = (url: string) =>
  new Promise<{ socket: WebSocket; lines: Array<string>; until: (re: RegExp) => Promise<string> }>((resolve, reject) => {
    const socket = new WebSocket(url)
    socket.binaryType = "arraybuffer"
    const lines: Array<string> = []
    let partial = ""
    let wake = () => {}
    socket.onmessage = (event) => {
      const text = typeof event.data === "string" ? event.data : new TextDecoder().decode(event.data as ArrayBuffer)
      const parts = (partial + text).split("\n")
      partial = parts.pop()!
      lines.push(...parts)
      wake()
    }
    const until = async (re: RegExp) => {
      const deadline = Date.now() + 5000
      for (;;) {
        const found = lines.find((l) => re.test(l))
        if (found !== undefined) return found
        if (Date.now() > deadline) throw new Error(`no ${re}; got:\n${lines.join("\n")}`)
        await new Promise<void>((r) => {
          const timer = setTimeout(r, deadline - Date.now())
          wake = () => {
            clearTimeout(timer)
            r()
          }
        })
      }
    }
    socket.onopen = () => resolve({ socket, lines, until })
    socket.onerror = () => reject(new Error("websocket error"))
  })

describe("transports", () => {
  it("runs the same sessions over another SocketServer (WebSocket), without a Node socket to write to", async () => {
    const runtime = ManagedRuntime.make(
      ChatServer.layer.pipe(
        Layer.provide(Listener.layerSocketServer),
        Layer.provide(NodeSocketServer.layerWebSocket({ port: 0, host: "127.0.0.1" })),
        Layer.provideMerge(Layer.mergeAll(Hub.layerMemory, Codec.layerText, Sessions.layer)),
        Layer.provide(ChatConfig.layer()),
        Layer.provide(Layer.succeed(References.MinimumLogLevel, "Warn"))
      )
    )
    try {
      const server = await runtime.runPromise(Effect.gen(function*() {
        return yield* ChatServer
      }))
      const url = `ws://127.0.0.1:${(server.address as { port: number }).port}`
      const alice = await connect(url)
      await alice.until(/Choose a nickname/)
      alice.socket.send("alice\n")
      await alice.until(/^-!- Members of #lobby \(1\): alice$/)
      const bob = await connect(url)
      bob.socket.send("bob\nhello over websocket\n")
      assert.strictEqual(await alice.until(/^<bob>/), "<bob> hello over websocket")
      assert.strictEqual(await bob.until(/^<bob>/), "<bob> hello over websocket")
      bob.socket.send("/quit\n")
      assert.strictEqual(await bob.until(/Goodbye/), "-!- Goodbye, bob.")
      assert.strictEqual(await alice.until(/bob has left/), "-!- bob has left #lobby (quit)")
      alice.socket.close()
    } finally {
      await runtime.dispose()
    }
  })
})
