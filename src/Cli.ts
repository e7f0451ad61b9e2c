import { Config, Console, Duration, Effect, Layer, Logger, Option, References, Schema, Stdio } from "effect"
import { CliOutput, Command, Flag, GlobalFlag } from "effect/cli"
import type * as SocketServer from "effect/socket/SocketServer"
import { ChatConfig, defaults } from "./ChatConfig.js"
import { ChatServer } from "./ChatServer.js"
import * as OperatorConsole from "./OperatorConsole.js"

const PortNumber = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 }))
const Positive = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))
const Seconds = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))

const env = (name: string) => `HUBBUB_${name}`

const flags = {
  host: Flag.String("host").pipe(
    Flag.withDescription(`Interface to listen on [env ${env("HOST")}] (default ${defaults.host})`),
    Flag.withFallbackConfig(Config.String(env("HOST"))),
    Flag.withDefault(defaults.host)
  ),
  port: Flag.Int("port").pipe(
    Flag.withAlias("p"),
    Flag.withDescription(`TCP port; 0 picks a free one [env ${env("PORT")}] (default ${defaults.port})`),
    Flag.withFallbackConfig(Config.Int(env("PORT"))),
    Flag.withDefault(defaults.port),
    Flag.withSchema(PortNumber)
  ),
  maxLineBytes: Flag.Int("max-line-bytes").pipe(
    Flag.withDescription(
      `Longest line a client may send, in bytes [env ${env("MAX_LINE_BYTES")}] (default ${defaults.maxLineBytes})`
    ),
    Flag.withFallbackConfig(Config.Int(env("MAX_LINE_BYTES"))),
    Flag.withDefault(defaults.maxLineBytes),
    Flag.withSchema(Positive)
  ),
  outboxBytes: Flag.Int("outbox-bytes").pipe(
    Flag.withDescription(
      `Bytes that may wait for one client before it is disconnected as too slow [env ${
        env("OUTBOX_BYTES")
      }] (default ${defaults.outboxBytes})`
    ),
    Flag.withFallbackConfig(Config.Int(env("OUTBOX_BYTES"))),
    Flag.withDefault(defaults.outboxBytes),
    Flag.withSchema(Positive)
  ),
  shutdownTimeout: Flag.Finite("shutdown-timeout").pipe(
    Flag.withDescription(
      `Seconds a graceful shutdown may take [env ${env("SHUTDOWN_TIMEOUT")}] (default ${
        Duration.toSeconds(defaults.shutdownTimeout)
      })`
    ),
    Flag.withFallbackConfig(Config.Finite(env("SHUTDOWN_TIMEOUT"))),
    Flag.withDefault(Duration.toSeconds(defaults.shutdownTimeout)),
    Flag.withSchema(Seconds)
  ),
  statusInterval: Flag.Finite("status-interval").pipe(
    Flag.withDescription(`Seconds between status log lines; 0 is off [env ${env("STATUS_INTERVAL")}] (default 0)`),
    Flag.withFallbackConfig(Config.Finite(env("STATUS_INTERVAL"))),
    Flag.withDefault(0),
    Flag.withSchema(Seconds)
  ),
  logFormat: Flag.Literals("log-format", ["pretty", "json", "logfmt"]).pipe(
    Flag.withDescription(`Log line format [env ${env("LOG_FORMAT")}] (default pretty)`),
    Flag.withFallbackConfig(Config.Literals(["pretty", "json", "logfmt"], env("LOG_FORMAT"))),
    Flag.withDefault("pretty" as const)
  ),
  console: Flag.Boolean("console").pipe(
    Flag.withDescription(
      `Read operator commands from stdin even when it is not a terminal [env ${env("CONSOLE")}] (default: only on a terminal)`
    ),
    Flag.withFallbackConfig(Config.Boolean(env("CONSOLE"))),
    Flag.withDefault(false)
  )
}

const loggers = {
  pretty: Logger.consolePretty(),
  json: Logger.withConsoleError(Logger.formatJson),
  logfmt: Logger.withConsoleError(Logger.formatLogFmt)
} as const

// Logs go to stderr, so stdout carries only what the operator console prints.

/** A startup failure as one line for the operator. */
const describeListenError = (error: SocketServer.SocketServerError, host: string, port: number) => {
  const cause = error.reason.cause as { code?: string; message?: string } | undefined
  const why = cause?.code === "EADDRINUSE"
    ? "address already in use"
    : cause?.code === "EACCES"
    ? "permission denied"
    : cause?.code === "EADDRNOTAVAIL"
    ? "address not available"
    : cause?.message ?? String(error.reason.cause)
  return `cannot listen on ${host}:${port}: ${why}`
}

export class StartupError extends Schema.TaggedError<StartupError>()("StartupError", { message: Schema.String }) {}

export const command = Command.make("hubbub", flags, (f) =>
  Effect.gen(function*() {
    const stdio = yield* Stdio.Stdio
    const levelFlag = yield* GlobalFlag.LogLevel
    const level = Option.isSome(levelFlag)
      ? levelFlag.value
      : yield* Config.LogLevel(env("LOG_LEVEL")).pipe(Config.withDefault("Info"))
    const withConsole = f.console || (yield* stdio.stdinIsTerminal)

    const config = ChatConfig.layer({
      host: f.host,
      port: f.port,
      maxLineBytes: f.maxLineBytes,
      outboxBytes: f.outboxBytes,
      shutdownTimeout: Duration.seconds(f.shutdownTimeout),
      statusInterval: f.statusInterval > 0 ? Option.some(Duration.seconds(f.statusInterval)) : Option.none()
    })
    const server = ChatServer.layerStandalone.pipe(Layer.provide(config))
    const app = withConsole ? OperatorConsole.layer.pipe(Layer.provideMerge(server)) : server
    const logging = Layer.mergeAll(
      Logger.layer([loggers[f.logFormat]]),
      Layer.succeed(References.MinimumLogLevel, level),
      Layer.succeed(References.LogToStderr, true)
    )

    yield* Effect.gen(function*() {
      const chat = yield* ChatServer
      yield* chat.stopRequested
    }).pipe(
      Effect.provide(app),
      Effect.catchTag("SocketServerError", (error) =>
        Effect.gen(function*() {
          const message = describeListenError(error, f.host, f.port)
          yield* Effect.logError(message)
          return yield* new StartupError({ message })
        })),
      Effect.provide(logging)
    )
  })).pipe(
    Command.withDescription(
      "hubbub: a group chat server. Connect with `nc HOST PORT`, pick a nickname, chat. " +
        "Every flag can also be set with the environment variable named in its description; the flag wins."
    )
  )

/** A bad command line is one line on stderr, not the whole help. */
export const presenter = CliOutput.layerPresenter({
  present: (event) =>
    event._tag === "InvalidInvocation"
      ? Console.error(
        `hubbub: ${event.errors.map((e) => e.message.replace(/\s+/g, " ")).join("; ")} (see hubbub --help)`
      )
      : CliOutput.defaultPresenter.present(event)
})
