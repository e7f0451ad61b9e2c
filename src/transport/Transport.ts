import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as SocketServer from "effect/socket/SocketServer"
import { ChatConfig, type ChatConfigShape } from "../ChatConfig.js"
import * as NetSocketServer from "./NetSocketServer.js"

/**
 * A TCP `SocketServer` on `config.host` and `port`: hubbub's lean one over
 * `node:net` by default, or `@effect/platform-node`'s `NodeSocketServer`
 * (`socketServer: "platform"`). Both hand the sessions Effect `Socket`s;
 * nothing past this module can tell them apart. With `config.tls`, hubbub's
 * own serves TLS (the platform's has no TLS server).
 */
export const tcp = (
  config: ChatConfigShape,
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
      maxHandshakes: config.maxConnections
    })

/** The TCP `SocketServer` on `ChatConfig`'s host and port. */
export const layerTcp: Layer.Layer<SocketServer.SocketServer, SocketServer.SocketServerError, ChatConfig> = Layer.effect(
  SocketServer.SocketServer,
  Effect.flatMap(Effect.service(ChatConfig), (config) => tcp(config, config.port))
)
