import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as SocketServer from "effect/socket/SocketServer"
import { ChatConfig } from "../ChatConfig.js"
import * as NetSocketServer from "./NetSocketServer.js"

/**
 * The TCP `SocketServer` on `ChatConfig`'s host and port: hubbub's lean one
 * over `node:net` by default, or `@effect/platform-node`'s `NodeSocketServer`
 * (`socketServer: "platform"`). Both hand the sessions Effect `Socket`s;
 * nothing past this module can tell them apart.
 */
export const layerTcp: Layer.Layer<SocketServer.SocketServer, SocketServer.SocketServerError, ChatConfig> = Layer.unwrap(
  Effect.map(Effect.service(ChatConfig), (config) =>
    config.socketServer === "platform"
      ? NodeSocketServer.layer({
        host: config.host,
        port: config.port,
        allowHalfOpen: true,
        noDelay: true,
        keepAlive: Option.isSome(config.keepalive),
        keepAliveInitialDelay: Option.match(config.keepalive, { onNone: () => 0, onSome: Duration.toMillis })
      })
      : NetSocketServer.layer({ host: config.host, port: config.port, keepalive: config.keepalive }))
)
