import { RoomRegistry } from "../../src/session/RoomRegistry.js"
import { ServerBans } from "../../src/session/ServerBans.js"
import { ServerOperators } from "../../src/session/ServerOperators.js"
import { Cause, Deferred, Effect, Exit, Latch, Layer, Queue } from "effect"
import * as Socket from "effect/socket/Socket"
import { TestClock } from "effect/testing"
import { ChatConfig, type ChatConfigShape, defaults } from "../../src/ChatConfig.js"
import * as HubMemory from "../../src/hub/HubMemory.js"
import { Stats } from "../../src/observe/Stats.js"
import { Warnings } from "../../src/observe/Warnings.js"
import { Accounts } from "../../src/accounts/Accounts.js"
import * as StoreMemory from "../../src/store/StoreMemory.js"
import { Flusher } from "../../src/session/Flusher.js"
import * as Serve from "../../src/session/Serve.js"
import { Tuning } from "../../src/session/Tuning.js"
import { Sessions } from "../../src/session/Sessions.js"
import { Codec } from "../../src/wire/Codec.js"
import { makeCodec } from "../../src/wire/CodecCache.js"
import * as TextCodec from "../../src/wire/TextCodec.js"
import { ircFormat } from "../../src/wire/IrcCodec.js"

type Input = Uint8Array | "end" | "reset" | "done"

/**
 * A client on an in-memory Effect `Socket`: what it sends is what the
 * session reads, what the session writes is kept as lines. `pause` makes the
 * client stop taking what is written (the writer's write then waits), as a
 * client that stops reading does.
 */
export class MemoryClient {
  readonly lines: Array<string> = []
  readonly bytes: Array<Uint8Array> = []
  readonly socket: Socket.Socket
  /** Completes when the server has let the connection go. */
  readonly closed = Deferred.makeUnsafe<void>()
  private partial = ""
  private read = 0
  private readonly taking = Latch.makeUnsafe(true)
  private waiters: Array<() => void> = []

  static readonly make: Effect.Effect<MemoryClient> = Effect.map(Queue.unbounded<Input>(), (inbound) => new MemoryClient(inbound))

  private constructor(private readonly inbound: Queue.Queue<Input>) {
    const pull = Effect.flatMap(Queue.take(this.inbound), (input) =>
      input === "done"
        // Not a reader's contract (its pull fails only with a SocketError), but what a Stream stage ends with.
        ? Cause.done() as unknown as Effect.Effect<never, Socket.SocketError>
        : input === "end" || input === "reset"
        ? Effect.fail(new Socket.SocketError({ reason: new Socket.SocketCloseError({ code: input === "end" ? 1000 : 1006 }) }))
        : Effect.succeed([input] as const))
    const write = (chunk: Uint8Array | string | Socket.CloseEvent) =>
      Socket.isCloseEvent(chunk) ? Effect.void : this.taking.whenOpen(Effect.sync(() => this.received(chunk)))
    this.socket = Socket.make({
      reader: Effect.acquireRelease(
        Effect.succeed<Socket.Reader>({ pull, upgrade: Socket.SocketUpgradeError.unsupported }),
        () => Effect.sync(() => Deferred.doneUnsafe(this.closed, Exit.void))
      ),
      writer: Effect.succeed<Socket.Writer>({
        write,
        writeAll: (chunks) => Effect.forEach(chunks, write, { discard: true })
      })
    })
  }

  send(...lines: Array<string>): void {
    Queue.offerUnsafe(this.inbound, new TextEncoder().encode(lines.map((l) => l + "\n").join("")))
  }

  sendBytes(bytes: Uint8Array): void {
    Queue.offerUnsafe(this.inbound, bytes)
  }

  /** Closes its side (the session may still write to it). */
  end(): void {
    Queue.offerUnsafe(this.inbound, "end")
  }

  reset(): void {
    Queue.offerUnsafe(this.inbound, "reset")
  }

  /** Ends its input as a Stream ends: the socket's pull is done, with no error. */
  done(): void {
    Queue.offerUnsafe(this.inbound, "done")
  }

  pause(): void {
    this.taking.closeUnsafe()
  }

  resume(): void {
    this.taking.openUnsafe()
  }

  private received(chunk: Uint8Array | string) {
    const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk
    this.bytes.push(bytes)
    const parts = (this.partial + new TextDecoder().decode(bytes)).split("\n")
    this.partial = parts.pop()!
    // IRC's CRLF: lines are kept without their CR.
    for (const part of parts) this.lines.push(part.endsWith("\r") ? part.slice(0, -1) : part)
    const waiters = this.waiters
    this.waiters = []
    for (const wake of waiters) wake()
  }

  /** Reads lines until one matches and returns it (waiting at most 5 s of real time). */
  until(match: string | RegExp): Effect.Effect<string> {
    const test = typeof match === "string" ? (l: string) => l.includes(match) : (l: string) => match.test(l)
    const self = this
    const next: Effect.Effect<string> = Effect.suspend(() => {
      while (self.read < self.lines.length) {
        const line = self.lines[self.read++]
        if (test(line)) return Effect.succeed(line)
      }
      return Effect.andThen(Effect.callback<void>((resume) => {
        self.waiters.push(() => resume(Effect.void))
      }), next)
    })
    return TestClock.withLive(next.pipe(
      Effect.timeoutOrElse({
        duration: "5 seconds",
        orElse: () => Effect.die(new Error(`no line ${String(match)}; got:\n${this.lines.join("\n")}`))
      })
    ))
  }

  /** Whether any line received so far, read or not, matches. */
  saw(match: RegExp): boolean {
    return this.lines.some((l) => match.test(l))
  }

  /** Registers `nick` and waits until it is in the lobby. */
  join(nick: string): Effect.Effect<this> {
    this.send(nick)
    return Effect.as(this.until(`Members of #lobby`), this)
  }
}

/** The services a session needs, with `overrides` on the default settings. */
export const sessionServices = (overrides: Partial<ChatConfigShape> = {}) =>
  Layer.merge(ServerBans.layer, RoomRegistry.layer).pipe(Layer.provideMerge(Layer.mergeAll(
    HubMemory.layer({ ...defaults, ...overrides }),
    TextCodec.layer,
    Sessions.layer,
    Stats.layer,
    Flusher.layer,
    ServerOperators.layer,
    Accounts.layer({ protection: overrides.nickProtection ?? "grace", graceSeconds: overrides.nickGrace ?? 30 })
  ))).pipe(
    Layer.provideMerge(StoreMemory.layer),
    Layer.provideMerge(Warnings.layer),
    Layer.provideMerge(Tuning.layer),
    Layer.provideMerge(ChatConfig.layer(overrides))
  )

/**
 * Runs a test's sessions on fresh services: the sessions live in a scope of
 * their own that closes (their goodbyes included) before the services do.
 */
export const withServices = (overrides: Partial<ChatConfigShape> = {}) =>
<A, E, R>(body: Effect.Effect<A, E, R>) => body.pipe(Effect.scoped, Effect.provide(sessionServices(overrides)))

/** An IRC listener's codec, its server named `irc.test`. */
export const ircCodec = makeCodec(ircFormat({ serverName: "irc.test", version: "test", created: "today", motd: ["Be kind."] }))

/** Serves a new in-memory IRC client with a session of its own, for as long as the scope lasts. */
export const connectIrc = Effect.gen(function*() {
  const serve = yield* Effect.provideService(Serve.handler, Codec, ircCodec)
  const client = yield* MemoryClient.make
  yield* Effect.forkScoped(serve(client.socket))
  return client
})

/** Serves a new in-memory client with a session of its own, for as long as the scope lasts. */
export const connect = Effect.gen(function*() {
  const serve = yield* Serve.handler
  const client = yield* MemoryClient.make
  yield* Effect.forkScoped(serve(client.socket))
  return client
})
