import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as LogLevel from "effect/LogLevel"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as References from "effect/References"
import * as Schema from "effect/Schema"
import * as FileSystem from "effect/FileSystem"
import * as Stdio from "effect/Stdio"
import * as Tls from "node:tls"
import * as CliOutput from "effect/cli/CliOutput"
import * as Command from "effect/cli/Command"
import * as GlobalFlag from "effect/cli/GlobalFlag"
import * as Os from "node:os"
import { ChatConfig, defaults, nodeIdPattern } from "./ChatConfig.js"
import { ChatServer } from "./server/ChatServer.js"
import * as OperatorConsole from "./server/OperatorConsole.js"
import * as Settings from "./Settings.js"

const whole = { min: 1, expected: "a whole number, 1 or more" }
const wholeOrZero = { min: 0, expected: "a whole number, 0 or more" }
const seconds = (name: string, text: string, fallback: Option.Option<Duration.Duration>) =>
  Settings.seconds(
    name,
    text,
    Option.match(fallback, { onNone: () => 0, onSome: Duration.toSeconds }),
    Option.match(fallback, { onNone: () => "0, off", onSome: (d) => String(Duration.toSeconds(d)) })
  )

/** Every operator setting, as a flag with its environment variable. */
const settings = {
  host: Settings.text("host", "Interface to listen on", defaults.host),
  port: Settings.integer("port", "TCP port; 0 picks a free one", defaults.port, {
    min: 0,
    max: 65535,
    expected: "a port number from 0 to 65535"
  }),
  maxLineBytes: Settings.integer("max-line-bytes", "Longest line a client may send, in bytes", defaults.maxLineBytes, whole),
  outboxBytes: Settings.integer(
    "outbox-bytes",
    "Bytes that may queue for a client that is not reading before it is disconnected",
    defaults.outboxBytes,
    whole
  ),
  writeTimeout: seconds(
    "write-timeout",
    "Seconds a client may leave a write untaken before it is disconnected as too slow",
    Option.some(defaults.writeTimeout)
  ),
  floodRate: Settings.integer(
    "flood-rate",
    "Lines per second a client may send; 0 turns flood control off",
    defaults.floodRate,
    wholeOrZero
  ),
  floodBurst: Settings.integer("flood-burst", "Lines a client may send at once before --flood-rate applies", defaults.floodBurst, whole),
  floodTimeout: seconds(
    "flood-timeout",
    "Seconds a client may stay over its flood budget without a pause before it is disconnected",
    Option.some(defaults.floodTimeout)
  ),
  maxConnections: Settings.integer("max-connections", "Connections at once; more are refused", defaults.maxConnections, whole),
  maxPerIp: Settings.integer(
    "max-per-ip",
    "Connections at once from one IP address; 0 is no limit",
    defaults.maxPerIp,
    wholeOrZero
  ),
  limitLoopback: Settings.boolean("limit-loopback", "Apply --max-per-ip to loopback addresses too", "off: loopback is exempt", false),
  announceMaxMembers: Settings.integer(
    "announce-max-members",
    "Rooms with more members get no join, leave and rename notices; 0 is no limit",
    defaults.announceMaxMembers,
    wholeOrZero
  ),
  registerTimeout: seconds(
    "register-timeout",
    "Seconds a new connection has to choose a nickname",
    Option.some(defaults.registerTimeout)
  ),
  idleTimeout: seconds("idle-timeout", "Seconds without a line before a client is disconnected; 0 is off", defaults.idleTimeout),
  keepalive: seconds("keepalive", "Seconds of silence before TCP keepalive probes; 0 is off", defaults.keepalive),
  shutdownTimeout: seconds("shutdown-timeout", "Seconds a graceful shutdown may take", Option.some(defaults.shutdownTimeout)),
  statusInterval: seconds("status-interval", "Seconds between status log lines; 0 is off", defaults.statusInterval),
  logFormat: Settings.choice("log-format", "Log line format", ["pretty", "json", "logfmt"], "pretty"),
  socketServer: Settings.choice(
    "socket-server",
    "What accepts TCP connections: hubbub's own node:net SocketServer, or @effect/platform-node's NodeSocketServer",
    ["net", "platform"],
    defaults.socketServer
  ),
  ircPort: Settings.integer("irc-port", "TCP port for IRC clients; 0 picks a free one", undefined, {
    min: 0,
    max: 65535,
    expected: "a port number from 0 to 65535",
    shown: "off"
  }),
  seedPort: Settings.integer(
    "seed-port",
    "TCP port for clients of the seed protocol (the Python server hubbub grew from: ACK <text>); 0 picks a free one",
    undefined,
    { min: 0, max: 65535, expected: "a port number from 0 to 65535", shown: "off" }
  ),
  httpPort: Settings.integer(
    "http-port",
    "TCP port for HTTP: the chat page, its WebSocket (/ws), /metrics, /healthz and /readyz; 0 picks a free one",
    undefined,
    { min: 0, max: 65535, expected: "a port number from 0 to 65535", shown: "off" }
  ),
  wsAllowedOrigins: Settings.text(
    "ws-allowed-origins",
    "Comma-separated origins (https://chat.example.org) whose pages may open the WebSocket besides the page's own; * for any",
    "",
    "none"
  ),
  history: Settings.integer("history", "A room's last messages shown to whoever joins it (0 to 1000); 0 keeps none", defaults.history, {
    min: 0,
    max: 1000,
    expected: "a number from 0 to 1000"
  }),
  webRoot: Settings.text("web-root", "The built chat page's folder", defaults.webRoot),
  tlsCert: Settings.text(
    "tls-cert",
    "PEM certificate (chain) file: with --tls-key, every listener speaks TLS",
    "",
    "off"
  ),
  tlsKey: Settings.text("tls-key", "PEM private key file of --tls-cert", "", "off"),
  serverName: Settings.text("server-name", "The server's name in IRC numerics and prefixes", defaults.serverName),
  pingInterval: seconds(
    "ping-interval",
    "Seconds of silence before an IRC client is pinged (as long again without an answer disconnects it); WebSocket clients are pinged this often",
    Option.some(defaults.pingInterval)
  ),
  redis: Settings.text(
    "redis",
    "Redis URL (redis://HOST:PORT) shared by several hubbub servers, which then are one chat",
    "",
    "off: this server alone"
  ),
  redisOptional: Settings.boolean(
    "redis-optional",
    "Start even when Redis does not answer: alone, joining the others once it does",
    "off: exit 1",
    false
  ),
  nodeId: Settings.text("node-id", "This server's name in the cluster: letters, digits, . _ : -", "", "HOSTNAME:PORT"),
  presenceTtl: seconds(
    "presence-ttl",
    "Seconds within which the cluster drops a server that stopped answering, and its users with it",
    Option.some(defaults.presenceTtl)
  ),
  console: Settings.boolean(
    "console",
    "Read operator commands from stdin: --console even when it is not a terminal, --no-console not even when it is",
    "only when stdin is a terminal",
    undefined
  )
}

type Values = { readonly [K in keyof typeof settings]: (typeof settings)[K] extends Settings.Setting<infer A> ? A : never }

const flags = Object.fromEntries(Object.entries(settings).map(([key, setting]) => [key, setting.flag])) as {
  readonly [K in keyof typeof settings]: (typeof settings)[K]["flag"]
}

/** Every setting from its flag, or else its environment variable, or else its default. */
const resolveAll = (given: { readonly [K in keyof typeof settings]: Option.Option<unknown> }) =>
  Effect.forEach(Object.entries(settings), ([key, setting]) =>
    Effect.map(
      Settings.resolve(setting as Settings.Setting<unknown>, given[key as keyof typeof settings]),
      (value) => [key, value] as const
    )).pipe(Effect.map((entries) => Object.fromEntries(entries) as unknown as Values))

/** `HUBBUB_LOG_LEVEL`, read like `--log-level`: any case, `warning` for `warn`. */
const logLevel = Settings.choice(
  "log-level",
  "Minimum log level",
  ["all", "trace", "debug", "info", "warn", "warning", "error", "fatal", "none"],
  "info"
)
const levels: Record<string, LogLevel.LogLevel> = {
  all: "All",
  trace: "Trace",
  debug: "Debug",
  info: "Info",
  warn: "Warn",
  warning: "Warn",
  error: "Error",
  fatal: "Fatal",
  none: "None"
}

const positive = (seconds: number) => seconds > 0 ? Option.some(Duration.seconds(seconds)) : Option.none()

const loggers = {
  pretty: Logger.consolePretty(),
  json: Logger.withConsoleError(Logger.formatJson),
  logfmt: Logger.withConsoleError(Logger.formatLogFmt)
} as const

// Logs go to stderr, so stdout carries only what the operator console prints.

/** A startup failure as one line for the operator. */
const describeListenError = (failure: unknown, host: string, port: number) => {
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

const cannotListen = (message: string) =>
  Effect.andThen(Effect.logError(message), Effect.fail(new StartupError({ message })))

/** The certificate and key files, read and checked to work together; a bad one is one line, before anything listens. */
const readTls = (certFile: string, keyFile: string) =>
  Effect.gen(function*() {
    if (certFile === "" && keyFile === "") return Option.none()
    if (certFile === "" || keyFile === "") return yield* Effect.fail("TLS needs both --tls-cert and --tls-key")
    const fs = yield* FileSystem.FileSystem
    const read = (flag: string, file: string) =>
      fs.readFileString(file).pipe(
        Effect.mapError((error) =>
          `cannot read ${flag} ${file}: ${
            error.reason._tag === "NotFound"
              ? "no such file"
              : error.reason._tag === "PermissionDenied"
              ? "permission denied"
              : "not a readable file"
          }`
        )
      )
    const pair = { cert: yield* read("--tls-cert", certFile), key: yield* read("--tls-key", keyFile) }
    // Node takes an empty (or PEM-less) file as no certificate at all, and then fails every handshake.
    if (!/-----BEGIN [A-Z0-9 ]*CERTIFICATE-----/.test(pair.cert)) {
      return yield* Effect.fail(`no PEM certificate in --tls-cert ${certFile}`)
    }
    if (!/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(pair.key)) {
      return yield* Effect.fail(`no PEM private key in --tls-key ${keyFile}`)
    }
    const problem = yield* Effect.try({ try: () => Tls.createSecureContext(pair), catch: (error) => String(error) }).pipe(
      Effect.flip,
      Effect.option
    )
    if (Option.isSome(problem)) {
      return yield* Effect.fail(`bad TLS certificate or key (${certFile}, ${keyFile}): ${problem.value.replace(/^Error: /, "")}`)
    }
    return Option.some(pair)
  })

export class StartupError extends Schema.TaggedError<StartupError>()("StartupError", { message: Schema.String }) {}

export const command = Command.make("hubbub", flags, (given) =>
  Effect.gen(function*() {
    const stdio = yield* Stdio.Stdio
    const levelFlag = yield* GlobalFlag.LogLevel
    // A bad environment variable is one line, like a bad flag.
    const invalid = (error: Settings.SettingError) =>
      Effect.andThen(
        Console.error(`hubbub: ${error.message} (see hubbub --help)`),
        Effect.fail(new StartupError({ message: error.message }))
      )
    const level = Option.isSome(levelFlag)
      ? levelFlag.value
      : levels[yield* Settings.resolve(logLevel, Option.none()).pipe(Effect.catch(invalid))]
    const f = yield* resolveAll(given).pipe(Effect.catch(invalid))
    const withConsole = f.console ?? (yield* stdio.stdinIsTerminal)
    const nodeId = f.nodeId === "" ? `${Os.hostname()}:${f.port === 0 ? `pid-${process.pid}` : f.port}` : f.nodeId
    const clusterProblem = f.redis !== "" && !/^rediss?:\/\/[^\s]+$/.test(f.redis)
      ? `--redis ${f.redis}: expected a URL like redis://127.0.0.1:6379`
      : !nodeIdPattern.test(nodeId)
      ? `--node-id ${nodeId}: expected 1-64 letters, digits, ., _, : or -`
      : f.presenceTtl < 1
      ? `--presence-ttl ${f.presenceTtl}: expected 1 second or more`
      : undefined
    if (clusterProblem !== undefined) yield* invalid(new Settings.SettingError({ message: clusterProblem }))
    const tls = yield* readTls(f.tlsCert, f.tlsKey).pipe(
      Effect.catch((message) =>
        Effect.andThen(Console.error(`hubbub: ${message}`), Effect.fail(new StartupError({ message })))
      )
    )

    const config = ChatConfig.layer({
      host: f.host,
      port: f.port,
      maxLineBytes: f.maxLineBytes,
      outboxBytes: f.outboxBytes,
      writeTimeout: Duration.seconds(f.writeTimeout),
      floodRate: f.floodRate,
      floodBurst: f.floodBurst,
      floodTimeout: Duration.seconds(f.floodTimeout),
      maxConnections: f.maxConnections,
      maxPerIp: f.maxPerIp,
      limitLoopback: f.limitLoopback,
      announceMaxMembers: f.announceMaxMembers,
      registerTimeout: Duration.seconds(f.registerTimeout),
      idleTimeout: positive(f.idleTimeout),
      keepalive: positive(f.keepalive),
      shutdownTimeout: Duration.seconds(f.shutdownTimeout),
      statusInterval: positive(f.statusInterval),
      socketServer: f.socketServer,
      ircPort: Option.fromUndefinedOr(f.ircPort),
      seedPort: Option.fromUndefinedOr(f.seedPort),
      serverName: f.serverName,
      pingInterval: Duration.seconds(f.pingInterval),
      httpPort: Option.fromUndefinedOr(f.httpPort),
      allowedOrigins: f.wsAllowedOrigins.split(",").map((origin) => origin.trim()).filter((origin) => origin !== ""),
      webRoot: f.webRoot,
      history: f.history,
      tls,
      redisUrl: f.redis === "" ? Option.none() : Option.some(f.redis),
      redisOptional: f.redisOptional,
      nodeId,
      presenceTtl: Duration.seconds(f.presenceTtl)
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
      Effect.catchTags({
        SocketServerError: (error) => cannotListen(describeListenError(error.reason.cause, f.host, f.port)),
        ListenError: (error) => cannotListen(describeListenError(error.failure, f.host, error.port)),
        RedisUnavailable: (error) => cannotListen(error.message),
        PageError: (error) =>
          cannotListen(`the chat page is missing: cannot read ${error.path} (run npm run build, or set --web-root)`)
      }),
      Effect.provide(logging)
    )
  })).pipe(
    Command.withDescription(
      "hubbub: a group chat server. Connect with `nc HOST PORT`, pick a nickname, chat. " +
        "Every flag can also be set with the environment variable named in its description (--log-level with " +
        "HUBBUB_LOG_LEVEL); the flag wins."
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
