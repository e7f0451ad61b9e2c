import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, ManagedRuntime, References } from "effect"
import { ChatServer } from "hubbub"
import { App } from "../examples/embed.ts"
import { TestClient } from "./support/TestClient.js"

const count = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length

describe("hubbub as a library (the README example)", () => {
  it("runs the server with an embedded bot, and leaves no socket or timer behind", async () => {
    const before = { servers: count("TCPServerWrap"), sockets: count("TCPSocketWrap"), timers: count("Timeout") }
    const runtime = ManagedRuntime.make(
      App({ port: 0 }).pipe(Layer.provide(Layer.succeed(References.MinimumLogLevel, "Warn")))
    )
    const server = await runtime.runPromise(Effect.gen(function*() {
      return yield* ChatServer
    }))
    assert.strictEqual(server.address._tag, "InetAddressV4")
    const port = (server.address as { port: number }).port
    const alice = await TestClient.join(port, "alice")
    const bob = await TestClient.join(port, "bob")
    alice.send("!time")
    assert.match(await bob.until(/^-!- It is/), /^-!- It is \d{4}-\d\d-\d\dT/)
    assert.isAbove(count("TCPServerWrap"), before.servers)

    await runtime.dispose()
    // both clients were told and closed by the server
    for (const c of [alice, bob]) {
      assert.strictEqual(await c.until(/shutting down/), "-!- Server shutting down. Goodbye.")
      await c.eof()
    }
    // Node reports a closed server before its listening handle is gone, which takes a turn or two.
    for (let turn = 0; turn < 100 && count("TCPServerWrap") > before.servers; turn++) {
      await new Promise((resolve) => setImmediate(resolve))
    }
    assert.strictEqual(count("TCPServerWrap"), before.servers)
    assert.strictEqual(count("TCPSocketWrap"), before.sockets)
    assert.isAtMost(count("Timeout"), before.timers)
  })
})
