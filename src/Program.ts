import * as V8 from "node:v8"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as LogLevel from "effect/LogLevel"
import * as References from "effect/References"
import { ChatConfig, type ChatConfigShape } from "./ChatConfig.js"
import * as Schema from "effect/Schema"
import { ChatServer } from "./server/ChatServer.js"
import * as OperatorConsole from "./server/OperatorConsole.js"
import { type LogLevelCell, type Reread, Reloader } from "./server/Reload.js"

export interface ProgramOptions {
  readonly config: ChatConfigShape
  /** Whether the operator's console reads stdin. */
  readonly console: boolean
  readonly logFormat: "pretty" | "json" | "logfmt"
  readonly logLevel: LogLevel.LogLevel
  /** The configuration as it reads now, for a reload (`SIGHUP`): the same flags and variables, the files read again. */
  readonly reread: Effect.Effect<Reread, { readonly message: string }>
}

// Logs go to stderr, so stdout carries only what the operator console prints. In colour only when
// stderr is a terminal (not a file it was sent to) and NO_COLOR is not set (no-color.org).
const colors = process.stderr.isTTY === true && (process.env.NO_COLOR ?? "") === ""
const loggers = {
  pretty: Logger.consolePretty({ colors }),
  json: Logger.withConsoleError(Logger.formatJson),
  logfmt: Logger.withConsoleError(Logger.formatLogFmt)
} as const

/** A logger that writes what is at `level` or above, as a reload leaves it. */
const gated = (logger: Logger.Logger<unknown, void>, level: LogLevelCell) =>
  Logger.make<unknown, void>((entry) => {
    if (LogLevel.isGreaterThanOrEqualTo(entry.logLevel, level.current)) logger.log(entry)
  })

/** The program: the server (and its console) on `options`, until a stop is asked for or it is interrupted. */
export const run = (options: ProgramOptions) => {
  const level: LogLevelCell = { current: options.logLevel }
  const server = Reloader.layer(options.reread, level).pipe(
    Layer.provideMerge(ChatServer.layerStandalone),
    Layer.provideMerge(ChatConfig.layer(options.config))
  )
  // Loaded only when it is on, as the page's HTTP listener is.
  const admin = Option.isSome(options.config.admin)
    ? Layer.unwrap(Effect.promise(() => import("./server/AdminApi.js")).pipe(Effect.map((AdminApi) => AdminApi.layer)))
    : Layer.empty
  const app = Layer.merge(options.console ? OperatorConsole.layer : Layer.empty, admin).pipe(Layer.provideMerge(server))
  const logging = Layer.mergeAll(
    Logger.layer([gated(loggers[options.logFormat], level)]),
    // Every line reaches the logger, which keeps what the level in force (a reload may lower it) lets through.
    Layer.succeed(References.MinimumLogLevel, "All"),
    Layer.succeed(References.LogToStderr, true)
  )
  const { host, port } = options.config
  const signals = Effect.gen(function*() {
    const chat = yield* ChatServer
    const reloader = yield* Reloader
    yield* Effect.sync(freeCompilationsHere)
    yield* onSignal("SIGUSR2", chat.requestDrain)
    yield* onSignal("SIGHUP", Effect.ignore(reloader.reload("SIGHUP")))
    yield* chat.stopRequested
  })
  return signals.pipe(
    Effect.scoped,
    Effect.provide(app),
    Effect.catchTags({
      SocketServerError: (error) => cannotStart(listenFailure(error.reason.cause, host, port)),
      ListenError: (error) => cannotStart(listenFailure(error.failure, error.host ?? host, error.port)),
      RedisUnavailable: (error) => cannotStart(error.message),
      NodeIdInUse: (error) => cannotStart(error.message),
      StoreError: (error) => cannotStart(error.message),
      PageError: (error) => cannotStart(`the chat page is missing: cannot read ${error.path} (run npm run build, or set --web-root)`)
    }),
    // A bug, or a broken install (a part of the program that will not load): one line, not silence.
    Effect.catchDefect((defect) => cannotStart(`stopped by an unexpected error: ${firstLine(defect)}`)),
    Effect.provide(logging)
  )
}

/** The server could not start, or stopped on a defect: logged (one line) as it failed. */
export class CannotStart extends Schema.TaggedError<CannotStart>()("CannotStart", { message: Schema.String }) {}

const cannotStart = (message: string) => Effect.andThen(Effect.logError(message), Effect.fail(new CannotStart({ message })))

const firstLine = (defect: unknown) => (defect instanceof Error ? defect.message : String(defect)).split("\n")[0]

/** A listener that could not open, as one line. */
const listenFailure = (failure: unknown, host: string, port: number) => {
  const cause = failure as { code?: string; message?: string } | undefined
  const why = cause?.code === "EADDRINUSE"
    ? "address already in use"
    : cause?.code === "EACCES"
    ? "permission denied"
    : cause?.code === "EADDRNOTAVAIL"
    ? "address not available"
    : cause?.message ?? String(failure)
  return `cannot listen on ${host}:${port}: ${why}`
}

/**
 * V8 frees its finished Maglev compilations on a worker thread by default, and the workers' malloc
 * arenas kept that memory: freed on the main thread, 10,000 idle clients hold 12 MiB less
 * (docs/architecture.md, "What an idle connection holds"). Set once the server listens, as the
 * compilations of its start then took 20 to 40 ms longer; the library's layers leave V8's flags alone.
 */
const freeCompilationsHere = () => V8.setFlagsFromString("--no-maglev-destroy-on-background")

/** Runs `effect` each time the process gets `signal` (SIGUSR2: drain for a restart; SIGHUP: reload), for as long as the scope is open. */
const onSignal = (signal: NodeJS.Signals, effect: Effect.Effect<void>) =>
  Effect.gen(function*() {
    const run = Effect.runForkWith(yield* Effect.context<never>())
    const listener = () => {
      run(effect)
    }
    yield* Effect.acquireRelease(Effect.sync(() => process.on(signal, listener)), () => Effect.sync(() => process.off(signal, listener)))
  })
