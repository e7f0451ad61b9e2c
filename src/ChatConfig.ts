import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Os from "node:os"
import { fileURLToPath } from "node:url"

/**
 * Everything an operator can tune. The CLI (`Cli.ts`) fills it from flags and
 * environment variables; a library user provides it with `ChatConfig.layer`.
 */
export interface ChatConfigShape {
  /** Interface to listen on. */
  readonly host: string
  /** TCP port; `0` picks a free one (read it back from `ChatServer.address`). */
  readonly port: number
  /** Longest accepted line in bytes, without its line end. Longer lines are discarded with a notice. */
  readonly maxLineBytes: number
  /** Bytes that may queue for a client that is not taking its output before it is disconnected. */
  readonly outboxBytes: number
  /** A write the client does not take within this time marks it as too slow. */
  readonly writeTimeout: Duration.Duration
  /** Sustained lines per second a client may send; 0 turns flood control off. */
  readonly floodRate: number
  /** Lines a client may send at once before `floodRate` applies. */
  readonly floodBurst: number
  /** A client held back by flood control for this long without a pause is disconnected. */
  readonly floodTimeout: Duration.Duration
  /** Connections at once; more are refused with a notice. */
  readonly maxConnections: number
  /** Connections at once from one IP address; 0 is no limit. */
  readonly maxPerIp: number
  /** Whether the per-IP limit applies to loopback addresses (127.0.0.0/8, ::1) too. */
  readonly limitLoopback: boolean
  /**
   * Rooms with more members than this get no join, leave and rename notices
   * (only the person concerned is told); 0 announces in rooms of any size.
   */
  readonly announceMaxMembers: number
  /** Time a new connection has to choose a nickname. */
  readonly registerTimeout: Duration.Duration
  /** A registered client that sends no line for this long is disconnected; none is off. */
  readonly idleTimeout: Option.Option<Duration.Duration>
  /** TCP keepalive probes start after this much silence; none is off. */
  readonly keepalive: Option.Option<Duration.Duration>
  /** How long a graceful shutdown may take before remaining sockets are destroyed. */
  readonly shutdownTimeout: Duration.Duration
  /** How long a drain for a restart spreads its closes over (`ChatServer.requestDrain`). */
  readonly drainSeconds: Duration.Duration
  /** Period of the status log line; none turns it off. */
  readonly statusInterval: Option.Option<Duration.Duration>
  /**
   * What accepts TCP connections: hubbub's own `node:net` `SocketServer`
   * (`net`), or `@effect/platform-node`'s `NodeSocketServer` (`platform`),
   * which costs about 7 KiB more per connection.
   */
  readonly socketServer: "net" | "platform"
  /** A port for IRC clients (`0` picks a free one); none is off. */
  readonly ircPort: Option.Option<number>
  /** A port for the clients of the seed protocol (`ACK <text>`; `0` picks a free one); none is off. */
  readonly seedPort: Option.Option<number>
  /** The server's name in IRC numerics and prefixes. */
  readonly serverName: string
  /** The message of the day (IRC's `MOTD`, `/motd`), a line each. */
  readonly motd: ReadonlyArray<string>
  /**
   * An IRC client silent this long is pinged, and disconnected if it stays
   * silent as long again; WebSocket clients are pinged this often, and cut
   * off when they have not answered by the next ping.
   */
  readonly pingInterval: Duration.Duration
  /** A port for HTTP: the chat page, its WebSocket, metrics and health (`0` picks a free one); none is off. */
  readonly httpPort: Option.Option<number>
  /** Origins besides the page's own whose pages may open the WebSocket (`*` for any). */
  readonly allowedOrigins: ReadonlyArray<string>
  /**
   * The page's public address (`https://chat.example.org`): the HTTP port serves the page and its
   * WebSocket only to requests for its host. None: only to an address (an IP) or `localhost`.
   */
  readonly publicUrl: Option.Option<string>
  /** The built chat page's folder (`dist/web`, built with the program). */
  readonly webRoot: string
  /** A room's last messages kept for whoever joins it (chat and actions); 0 keeps none. */
  readonly history: number
  /**
   * TLS for every listener (text, IRC, seed, HTTP and its WebSocket) with
   * this certificate (chain) and private key, in PEM; none is plaintext.
   */
  readonly tls: Option.Option<{ readonly cert: string; readonly key: string }>
  /** Redis for a cluster of servers (`redis://host:port`): `ChatServer.layerHub` picks `HubRedis.layer` with it, `HubMemory.layer` without. */
  readonly redisUrl: Option.Option<string>
  /** Start alone when Redis does not answer (and link up when it does), instead of failing. */
  readonly redisOptional: boolean
  /** This server's name in the cluster: letters, digits, `.`, `_`, `:` and `-`; unique among the servers. */
  readonly nodeId: string
  /** A server that stops renewing its lease is dropped from the cluster within this time, and its users with it. */
  readonly presenceTtl: Duration.Duration
  /** The start of every Redis key and channel name: several clusters can share one Redis. */
  readonly redisPrefix: string
  /** Where accounts, topics and history are kept: `ChatServer.layerStore` picks the store it says. */
  readonly store: StoreChoice
  /** History older than this many days is forgotten (hourly); 0 keeps it forever. */
  readonly historyDays: number
  /** A registered nickname taken without identifying: renamed after `nickGrace` (`grace`), refused (`strict`), or left (`off`). */
  readonly nickProtection: NickProtection
  /** Seconds to identify for a registered nickname before being renamed to a guest. */
  readonly nickGrace: number
  /** Refuse passwords sent without TLS from another machine (by default they are taken, with a warning). */
  readonly requireTlsForAuth: boolean
  /** Accounts with server operator powers (`/kill`, `/wallops`, secret rooms in sight). */
  readonly operators: ReadonlyArray<string>
  /** The admin API (`AdminApi.layer`): its port, host and bearer token; none is off. */
  readonly admin: Option.Option<AdminOptions>
  /** Whether the public HTTP port serves `/metrics` too (the admin API always does). */
  readonly publicMetrics: boolean
}

/** Where the admin API listens, and the token every request must bear (none: loopback only, no token asked). */
export interface AdminOptions {
  readonly port: number
  readonly host: string
  readonly token: Option.Option<string>
}

/** How a registered nickname is kept for its account: renamed after a grace period, refused outright, or only reserved. */
export type NickProtection = "grace" | "strict" | "off"

/** Nothing kept past the process; a SQLite file in a data folder; a Postgres database (several servers share it). */
export type StoreChoice =
  | { readonly _tag: "Memory" }
  | { readonly _tag: "Sqlite"; readonly dataDir: string }
  | { readonly _tag: "Postgres"; readonly url: string }

export const defaults: ChatConfigShape = {
  host: "127.0.0.1",
  port: 9999,
  maxLineBytes: 4096,
  outboxBytes: 1024 * 1024,
  writeTimeout: Duration.seconds(30),
  floodRate: 20,
  floodBurst: 60,
  floodTimeout: Duration.seconds(30),
  maxConnections: 10_000,
  maxPerIp: 64,
  limitLoopback: false,
  announceMaxMembers: 200,
  registerTimeout: Duration.seconds(30),
  idleTimeout: Option.none(),
  keepalive: Option.some(Duration.seconds(60)),
  shutdownTimeout: Duration.seconds(5),
  drainSeconds: Duration.seconds(30),
  statusInterval: Option.none(),
  socketServer: "net",
  ircPort: Option.none(),
  seedPort: Option.none(),
  serverName: Os.hostname(),
  motd: ["Channels are hubbub's rooms: #lobby is everyone's, whatever they connect with."],
  pingInterval: Duration.seconds(120),
  httpPort: Option.none(),
  allowedOrigins: [],
  publicUrl: Option.none(),
  // Beside the built program (dist/), where `npm run build` puts the page; the bundle may put this module in dist/chunks/.
  webRoot: fileURLToPath(new URL(/\/chunks\/[^/]+$/.test(import.meta.url) ? "../web" : "web", import.meta.url)),
  tls: Option.none(),
  history: 50,
  redisUrl: Option.none(),
  redisOptional: false,
  nodeId: `${Os.hostname()}:${process.pid}`,
  presenceTtl: Duration.seconds(15),
  redisPrefix: "hubbub:",
  // The library keeps nothing on disk unless asked to; the program (`hubbub`) defaults to a data folder.
  store: { _tag: "Memory" },
  historyDays: 90,
  nickProtection: "grace",
  nickGrace: 30,
  requireTlsForAuth: false,
  operators: [],
  admin: Option.none(),
  publicMetrics: false
}

/** A Postgres database's URL. */
export const DatabaseUrl = Schema.String.check(Schema.isPattern(/^postgres(ql)?:\/\/\S+$/))

/** A page's public address: http or https, a host, perhaps a port and a path. */
export const PublicUrl = Schema.String.check(
  Schema.isPattern(/^https?:\/\/[A-Za-z0-9.-]+(:([1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5]))?(\/\S*)?$/)
)

/** What a server's name may be: a host name's letters (IRC's lines carry it as a prefix and a parameter). */
export const ServerName = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/))

/** What a node id may be: it names sessions in the cluster (`<node>/<id>`) and Redis keys. */
export const NodeId = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9._:-]{1,64}$/))

/** A Redis server's URL (`redis://` or, with TLS, `rediss://`). */
export const RedisUrl = Schema.String.check(Schema.isPattern(/^rediss?:\/\/\S+$/))

export class ChatConfig extends Context.Service<ChatConfig, ChatConfigShape>()("hubbub/ChatConfig") {
  /** The configuration with `overrides` applied over the defaults. */
  static readonly layer = (overrides: Partial<ChatConfigShape> = {}) =>
    Layer.succeed(ChatConfig, ChatConfig.of({ ...defaults, ...overrides }))
}
