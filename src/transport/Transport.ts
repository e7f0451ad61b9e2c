import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as SocketServer from "effect/socket/SocketServer"
import type * as Tls from "node:tls"
import * as NetSocketServer from "./NetSocketServer.js"

/** What a TCP listener is told (the settings of the same names). */
export interface TcpOptions {
  readonly host: string
  /** `net`: hubbub's own `SocketServer` over `node:net`; `platform`: `@effect/platform-node`'s. */
  readonly socketServer: "net" | "platform"
  readonly keepalive: Option.Option<Duration.Duration>
  readonly tls: Option.Option<{ readonly cert: string; readonly key: string }>
  /** With TLS, handshakes under way at once are bounded by it too. */
  readonly maxConnections: number
  /** With TLS: told of each TLS server, whose certificate a reload may renew. */
  readonly secured?: ((server: Tls.Server) => void) | undefined
}

/**
 * A TCP `SocketServer` on `options.host` and `port`: hubbub's lean one over
 * `node:net` by default, or `@effect/platform-node`'s `NodeSocketServer`
 * (`socketServer: "platform"`). Both hand the sessions Effect `Socket`s;
 * nothing past this module can tell them apart. With `options.tls`, hubbub's
 * own serves TLS (the platform's has no TLS server).
 */
export const tcp = (
  config: TcpOptions,
  port: number
): Effect.Effect<SocketServer.SocketServer["Service"], SocketServer.SocketServerError, Scope.Scope> =>
  config.socketServer === "platform" && Option.isNone(config.tls)
    ? NodeSocketServer.make({
      host: config.host,
      port,
      allowHalfOpen: true,
      noDelay: true,
      keepAlive: Option.isSome(config.keepalive),
      keepAliveInitialDelay: Option.match(config.keepalive, { onNone: () => 0, onSome: Duration.toMillis })
    })
    : NetSocketServer.make({
      host: config.host,
      port,
      keepalive: config.keepalive,
      tls: Option.getOrUndefined(config.tls),
      maxHandshakes: config.maxConnections,
      secured: config.secured
    })

/** A TCP `SocketServer` layer on `options.host` and `port`. */
export const layerTcp = (
  options: TcpOptions,
  port: number
): Layer.Layer<SocketServer.SocketServer, SocketServer.SocketServerError> => Layer.effect(SocketServer.SocketServer, tcp(options, port))
