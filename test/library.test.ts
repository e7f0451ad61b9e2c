import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, ManagedRuntime, References } from "effect"
import { ChatServer } from "hubbub"
import { App } from "../examples/embed.js"
import { TestClient } from "./support/TestClient.js"

describe("hubbub as a library (the README example)", () => {
  it("runs the server with an embedded bot from the package's own exports", async () => {
    const runtime = ManagedRuntime.make(
      App({ port: 0 }).pipe(Layer.provide(Layer.succeed(References.MinimumLogLevel, "Warn")))
    )
    try {
      const server = await runtime.runPromise(Effect.gen(function*() {
        return yield* ChatServer
      }))
      assert.strictEqual(server.address._tag, "InetAddressV4")
      const port = (server.address as { port: number }).port
      const alice = await TestClient.join(port, "alice")
      alice.send("!time")
      assert.match(await alice.until(/^-!- It is/), /^-!- It is \d{4}-\d\d-\d\dT/)
      alice.reset()
    } finally {
      await runtime.dispose()
    }
  })
})
