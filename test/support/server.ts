import { Effect, Layer, Logger, ManagedRuntime, References, Tracer } from "effect"
import * as Path from "node:path"
import { ChatConfig, type ChatConfigShape } from "../../src/ChatConfig.js"
import { ChatServer } from "../../src/server/ChatServer.js"
import { Stats } from "../../src/observe/Stats.js"
import { Sessions } from "../../src/session/Sessions.js"

export interface LogEntry {
  readonly level: string
  readonly message: string
  readonly annotations: Record<string, unknown>
}

/**
 * A real server on 127.0.0.1 and a free port, in this process. Its warnings
 * and errors are collected in `logs` (HUBBUB_TEST_LOGS=1 also prints everything).
 */
export const startServer = async (overrides: Partial<ChatConfigShape> = {}) => {
  const logs: Array<LogEntry> = []
  /** The names of the spans the server started, in order. */
  const spans: Array<string> = []
  const tracer = Tracer.make({
    span(options) {
      spans.push(options.name)
      return new Tracer.NativeSpan(options)
    }
  })
  const collect = Logger.make<unknown, void>(({ fiber, logLevel, message }) => {
    if (logLevel !== "Warn" && logLevel !== "Error" && logLevel !== "Fatal") return
    logs.push({
      level: logLevel,
      message: (Array.isArray(message) ? message : [message]).map(String).join(" "),
      annotations: { ...fiber.getRef(References.CurrentLogAnnotations) }
    })
  })
  const runtime = ManagedRuntime.make(
    ChatServer.layerStandalone.pipe(
      // The page `npm test` built (the default is beside the built program, not the sources).
      Layer.provide(ChatConfig.layer({ port: 0, webRoot: Path.resolve(import.meta.dirname, "../../dist/web"), ...overrides })),
      Layer.provide(Logger.layer(process.env.HUBBUB_TEST_LOGS ? [collect, Logger.defaultLogger] : [collect])),
      Layer.provide(Layer.succeed(References.MinimumLogLevel, process.env.HUBBUB_TEST_LOGS ? "All" : "Warn")),
      Layer.provide(Layer.succeed(Tracer.Tracer, tracer))
    )
  )
  const { server, sessions, stats } = await runtime.runPromise(Effect.gen(function*() {
    return { server: yield* ChatServer, sessions: yield* Sessions, stats: yield* Stats }
  }))
  const address = server.address
  if (address._tag === "UnixPathAddress") throw new Error("expected a TCP address")
  const irc = server.ircAddress
  const ircPort = irc === undefined || irc._tag === "UnixPathAddress" ? 0 : irc.port
  const seed = server.seedAddress
  const seedPort = seed === undefined || seed._tag === "UnixPathAddress" ? 0 : seed.port
  const http = server.httpAddress
  const httpPort = http === undefined || http._tag === "UnixPathAddress" ? 0 : http.port
  return { port: address.port, ircPort, seedPort, httpPort, runtime, sessions, counters: stats.counters, logs, spans, stop: () => runtime.dispose() }
}
