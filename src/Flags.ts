/** The command line's settings: each flag, the environment variable it falls back to, and its default. */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { DatabaseUrl, defaults, NodeId, PublicUrl, RedisUrl, ServerName } from "./ChatConfig.js"
import * as Settings from "./Settings.js"

const whole = { min: 1, expected: "a whole number, 1 or more" }
const wholeOrZero = { min: 0, expected: "a whole number, 0 or more" }
const seconds = (
  name: string,
  text: string,
  fallback: Option.Option<Duration.Duration>,
  least?: { readonly min: number; readonly expected: string }
) =>
  Settings.seconds(
    name,
    text,
    Option.match(fallback, { onNone: () => 0, onSome: Duration.toSeconds }),
    Option.match(fallback, { onNone: () => "0, off", onSome: (d) => String(Duration.toSeconds(d)) }),
    least
  )

/** Every operator setting, as a flag with its environment variable. */
export const settings = {
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
    "Seconds a client may stay over its flood budget without a pause before it is disconnected; 0 is never (only held back)",
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
    "Seconds a new connection has to choose a nickname; 0 is no limit",
    Option.some(defaults.registerTimeout)
  ),
  idleTimeout: seconds("idle-timeout", "Seconds without a line before a client is disconnected; 0 is off", defaults.idleTimeout),
  keepalive: seconds("keepalive", "Seconds of silence before TCP keepalive probes; 0 is off", defaults.keepalive),
  shutdownTimeout: seconds("shutdown-timeout", "Seconds a graceful shutdown may take", Option.some(defaults.shutdownTimeout)),
  drainSeconds: seconds(
    "drain-seconds",
    "Seconds a drain for a restart (SIGUSR2, the console's drain) spreads its disconnections over",
    Option.some(defaults.drainSeconds)
  ),
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
    "TCP port for HTTP: the chat page, its WebSocket (/ws), /healthz and /readyz (and /metrics with --public-metrics); 0 picks a free one",
    undefined,
    { min: 0, max: 65535, expected: "a port number from 0 to 65535", shown: "off" }
  ),
  wsAllowedOrigins: Settings.text(
    "ws-allowed-origins",
    "Comma-separated origins (https://chat.example.org) whose pages may open the WebSocket besides the page's own; * for any",
    "",
    { shown: "none" }
  ),
  publicUrl: Settings.text(
    "public-url",
    "The page's public address (https://chat.example.org): the page and its WebSocket are served only for its host",
    "",
    { shown: "none: only for an IP address or localhost", schema: Schema.Union([Schema.Literal(""), PublicUrl]), expected: "a URL like https://chat.example.org" }
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
    { shown: "off" }
  ),
  tlsKey: Settings.text("tls-key", "PEM private key file of --tls-cert", "", { shown: "off" }),
  serverName: Settings.text("server-name", "The server's name in IRC numerics and prefixes: letters, digits, . _ -", defaults.serverName, {
    schema: ServerName,
    expected: "a host name: letters, digits, '.', '_' and '-', a letter or digit first, at most 63"
  }),
  motd: Settings.text("motd", "A text file whose lines are the message of the day (IRC's MOTD, /motd)", "", { shown: "a line about rooms" }),
  pingInterval: seconds(
    "ping-interval",
    "Seconds of silence before an IRC client is pinged (as long again without an answer disconnects it); WebSocket clients are pinged this often; 0 is no pings",
    Option.some(defaults.pingInterval)
  ),
  redis: Settings.text(
    "redis",
    "Redis URL (redis://HOST:PORT) shared by several hubbub servers, which then are one chat",
    "",
    {
      shown: "off: this server alone",
      env: "HUBBUB_REDIS_URL",
      schema: Schema.Union([Schema.Literal(""), RedisUrl]),
      expected: "a URL like redis://127.0.0.1:6379"
    }
  ),
  redisOptional: Settings.boolean(
    "redis-optional",
    "Start even when Redis does not answer: alone, joining the others once it does",
    "off: exit 1",
    false
  ),
  nodeId: Settings.text("node-id", "This server's name in the cluster: letters, digits, . _ : -", "", {
    shown: "HOSTNAME:PORT",
    schema: Schema.Union([Schema.Literal(""), NodeId]),
    expected: "1-64 letters, digits, ., _, : or -"
  }),
  presenceTtl: seconds(
    "presence-ttl",
    "Seconds within which the cluster drops a server that stopped answering, and its users with it",
    Option.some(defaults.presenceTtl),
    { min: 1, expected: "1 second or more" }
  ),
  store: Settings.text(
    "store",
    "Where accounts, topics and history are kept: sqlite (a file in --data-dir), postgres (--database), or memory (nothing survives a restart)",
    "",
    {
      shown: "sqlite, or postgres with --database",
      schema: Schema.Literals(["", "sqlite", "postgres", "memory"]),
      expected: "sqlite, postgres or memory"
    }
  ),
  dataDir: Settings.text("data-dir", "The folder of the SQLite store (created on first start)", "./hubbub-data"),
  database: Settings.text("database", "Postgres URL (postgres://USER:PASSWORD@HOST:PORT/DB) of the store several servers share", "", {
    shown: "none",
    env: "HUBBUB_DATABASE_URL",
    schema: Schema.Union([Schema.Literal(""), DatabaseUrl]),
    expected: "a URL like postgres://hubbub@127.0.0.1:5432/hubbub"
  }),
  historyDays: Settings.integer("history-days", "Days a room's history is kept; 0 keeps it forever", 90, {
    min: 0,
    max: 36_500,
    expected: "a number of days from 0 to 36500"
  }),
  nickProtection: Settings.choice(
    "nick-protection",
    "A registered nickname taken without identifying: grace (renamed after --nick-grace), strict (refused), off (only reserved against registering)",
    ["grace", "strict", "off"],
    "grace"
  ),
  nickGrace: Settings.integer("nick-grace", "Seconds to identify for a registered nickname before being renamed to a guest", 30, {
    min: 1,
    max: 3600,
    expected: "a number of seconds from 1 to 3600"
  }),
  requireTlsForAuth: Settings.boolean(
    "require-tls-for-auth",
    "Refuse passwords (/identify, SASL, NickServ) sent without TLS from another machine",
    "off: taken, with a warning",
    false
  ),
  operators: Settings.text(
    "operators",
    "Comma-separated accounts with server operator powers: /kill, /wallops, secret rooms in sight (the console's oper adds more)",
    "",
    {
      shown: "none",
      schema: Schema.String.check(Schema.isPattern(/^\s*([A-Za-z0-9_-]{1,24}\s*(,\s*[A-Za-z0-9_-]{1,24}\s*)*)?$/)),
      expected: "account names separated by commas (alice,bob)"
    }
  ),
  adminPort: Settings.integer(
    "admin-port",
    "TCP port of the admin API (JSON: connections, rooms, kicks, bans, notices, drain, /metrics); 0 picks a free one",
    undefined,
    { min: 0, max: 65535, expected: "a port number from 0 to 65535", shown: "off" }
  ),
  adminHost: Settings.text("admin-host", "Interface the admin API listens on; any but loopback needs --admin-token-file", "127.0.0.1"),
  adminTokenFile: Settings.text(
    "admin-token-file",
    "A file whose first line is the token every admin API request bears (Authorization: Bearer TOKEN)",
    "",
    { shown: "none: loopback only, no token asked" }
  ),
  publicMetrics: Settings.boolean("public-metrics", "Serve /metrics on --http-port too, not only on the admin API", "off", false),
  config: Settings.text(
    "config",
    "A configuration file (TOML: key = value, the keys the flags' names); flags and variables win over it",
    "",
    { shown: "none" }
  ),
  printConfig: Settings.boolean("print-config", "Print the settings in effect (passwords masked) as a configuration file, and exit", "off", false, true),
  console: Settings.boolean(
    "console",
    "Read operator commands from stdin: --console even when it is not a terminal, --no-console not even when it is",
    "only when stdin is a terminal",
    undefined
  )
}

export type Values = { readonly [K in keyof typeof settings]: (typeof settings)[K] extends Settings.Setting<infer A> ? A : never }

export const flags = Object.fromEntries(Object.entries(settings).map(([key, setting]) => [key, setting.flag])) as {
  readonly [K in keyof typeof settings]: (typeof settings)[K]["flag"]
}

/** The settings a configuration file may hold, by the name it gives them (the flag's): all but the file itself. */
export const fileKeys: ReadonlySet<string> = new Set(
  [...Object.entries(settings).flatMap(([key, setting]) => key === "config" || key === "printConfig" ? [] : [setting.name.slice(2)]), "log-level"]
)

/** Every setting from its flag, or else its environment variable, or else the configuration file, or else its default. */
export const resolveAll = (
  given: { readonly [K in keyof typeof settings]: Option.Option<unknown> },
  file: ReadonlyMap<string, { readonly text: string; readonly where: string }> = new Map()
) =>
  Effect.forEach(Object.entries(settings), ([key, setting]) =>
    Effect.map(
      Settings.resolve(setting as Settings.Setting<unknown>, given[key as keyof typeof settings], file.get(setting.name.slice(2))),
      (value) => [key, value] as const
    )).pipe(Effect.map((entries) => Object.fromEntries(entries) as unknown as Values))


/** `HUBBUB_LOG_LEVEL`, read like `--log-level`: any case, `warning` for `warn`. */
export const logLevel = Settings.choice(
  "log-level",
  "Minimum log level",
  ["all", "trace", "debug", "info", "warn", "warning", "error", "fatal", "none"],
  "info"
)
export const levels: Record<string, LogLevel.LogLevel> = {
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
