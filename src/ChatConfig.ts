import { Context, Duration, Layer, Option } from "effect"

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
  /** Bytes that may wait for one client before it is disconnected as too slow. */
  readonly outboxBytes: number
  /** How long a graceful shutdown may take before remaining sockets are destroyed. */
  readonly shutdownTimeout: Duration.Duration
  /** Period of the status log line; none turns it off. */
  readonly statusInterval: Option.Option<Duration.Duration>
}

export const defaults: ChatConfigShape = {
  host: "127.0.0.1",
  port: 9999,
  maxLineBytes: 4096,
  outboxBytes: 1024 * 1024,
  shutdownTimeout: Duration.seconds(5),
  statusInterval: Option.none()
}

export class ChatConfig extends Context.Service<ChatConfig, ChatConfigShape>()("hubbub/ChatConfig") {
  /** The configuration with `overrides` applied over the defaults. */
  static readonly layer = (overrides: Partial<ChatConfigShape> = {}) =>
    Layer.succeed(ChatConfig, ChatConfig.of({ ...defaults, ...overrides }))
}
