import { Effect, Layer, ManagedRuntime, References } from "effect"
import { ChatConfig, type ChatConfigShape } from "../../src/ChatConfig.js"
import { ChatServer } from "../../src/ChatServer.js"

/** A real server on 127.0.0.1 and a free port, in this process. */
export const startServer = async (overrides: Partial<ChatConfigShape> = {}) => {
  const runtime = ManagedRuntime.make(
    ChatServer.layerStandalone.pipe(
      Layer.provide(ChatConfig.layer({ port: 0, ...overrides })),
      // HUBBUB_TEST_LOGS=1 shows the servers' logs
      Layer.provide(Layer.succeed(References.MinimumLogLevel, process.env.HUBBUB_TEST_LOGS ? "All" : "Warn"))
    )
  )
  const server = await runtime.runPromise(Effect.gen(function*() {
    return yield* ChatServer
  }))
  const address = server.address
  if (address._tag === "UnixPathAddress") throw new Error("expected a TCP address")
  return { port: address.port, runtime, stop: () => runtime.dispose() }
}



