/** Real TCP clients and a NetSocketServer that hands the test each connection, for the transport tests. */
import { assert } from "@effect/vitest"
import { Effect, Option, Queue } from "effect"
import type * as NetAddress from "effect/net/NetAddress"
import * as Socket from "effect/socket/Socket"
import * as Net from "node:net"
import type * as Connection from "../../src/transport/Connection.js"
import { NetSocket } from "../../src/transport/NetSocket.js"
import * as NetSocketServer from "../../src/transport/NetSocketServer.js"

export const options = { host: "127.0.0.1", port: 0, keepalive: Option.none() }
export const servers = () => process.getActiveResourcesInfo().filter((r) => r === "TCPServerWrap").length
export const portOf = (address: NetAddress.SocketAddress) => address._tag === "UnixPathAddress" ? -1 : address.port

/** Fails the test after `ms`, saying what was awaited and what there was. */
export const within = (what: () => string, ms = 5000) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.timeoutOrElse(effect, { duration: ms, orElse: () => Effect.die(new Error(`timed out: ${what()}`)) })

/**
 * Event-loop turns until `check` holds, for socket state Node has no event for
 * (at most `turns` of them, and 5 seconds); returns whether it holds.
 */
export const poll = (check: () => boolean, turns = Infinity) =>
  Effect.promise(async () => {
    const deadline = Date.now() + 5000
    for (let turn = 0; turn < turns && Date.now() < deadline && !check(); turn++) {
      await new Promise((resolve) => setImmediate(resolve))
    }
    return check()
  })
export const turns = (n: number) => poll(() => false, n)
/** Closed servers' handles go a turn or two after they report closing: the count once they have. */
export const settle = (expected: number) => Effect.map(poll(() => servers() <= expected, 100), servers)

/** A raw TCP client that keeps what it receives and how its connection ended. */
export class Client {
  chunks: Array<Buffer> = []
  bytes = 0
  ended = false
  closed = false
  private readonly waiters = new Set<() => void>()
  constructor(readonly socket: Net.Socket) {
    const wake = () => this.waiters.forEach((waiter) => waiter())
    socket.on("data", (b: Buffer) => (this.chunks.push(b), this.bytes += b.length, wake()))
    socket.on("end", () => (this.ended = true, wake()))
    socket.on("close", () => (this.closed = true, wake()))
    socket.on("error", () => {})
  }
  text = () => Buffer.concat(this.chunks).toString()
  /** Waits (bounded) until `check` holds; a timeout says what the client got. */
  until(what: string, check: () => boolean): Effect.Effect<void> {
    return Effect.callback<void>((resume) => {
      const test = () => check() && (this.waiters.delete(test), resume(Effect.void))
      this.waiters.add(test)
      test()
      return Effect.sync(() => this.waiters.delete(test))
    }).pipe(within(() =>
      `${what}; client got ${this.bytes} bytes ${JSON.stringify(this.text().slice(-80))}, ended: ${this.ended}, closed: ${this.closed}`
    ))
  }
}

export const connect = (port: number) =>
  Effect.acquireRelease(
    Effect.callback<Client>((resume) => {
      const socket = Net.createConnection({ port, host: "127.0.0.1" }, () => resume(Effect.succeed(new Client(socket))))
      socket.once("error", (e) => resume(Effect.die(e)))
    }),
    (client) => Effect.sync(() => client.socket.destroy())
  )

/** A server whose handler hands each connection's socket to the test and keeps serving it until the test ends. */
export const serving = Effect.gen(function*() {
  const server = yield* NetSocketServer.make(options)
  const accepted = yield* Queue.unbounded<Socket.Socket>()
  yield* server.run((socket) => Queue.offer(accepted, socket).pipe(Effect.andThen(Effect.never))).pipe(Effect.forkScoped)
  const port = portOf(server.address)
  const pair = Effect.gen(function*() {
    const client = yield* connect(port)
    const socket = yield* Queue.take(accepted).pipe(within(() => "the handler getting the connection"))
    assert.instanceOf(socket, NetSocket)
    return { client, socket: socket as NetSocket }
  })
  return { server, port, pair }
})

/** A handler that echoes what its connection sends until it ends. */
export const echo = (socket: Socket.Socket) =>
  Effect.gen(function*() {
    const { pull } = yield* socket.reader
    const writer = yield* socket.writer
    return yield* Effect.forever(Effect.flatMap(pull, writer.writeAll))
  }).pipe(Effect.scoped, Effect.ignore)

/** Pulls until `n` bytes have arrived. */
export const readBytes = (pull: Socket.Reader["pull"], n: number) =>
  Effect.gen(function*() {
    const got: Array<Uint8Array> = []
    for (let size = 0; size < n;) {
      for (const chunk of yield* pull) {
        const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk
        got.push(bytes)
        size += bytes.length
      }
    }
    return Buffer.concat(got)
  }).pipe(within(() => `${n} bytes from the client`, 10_000))

/** Writes until the sink reports it is backed up, then `extra` bytes more (each of which must report so too). */
export const fillUp = (sink: Connection.Connection["sink"], extra: number) => {
  const chunk = Buffer.alloc(16 * 1024, 97)
  const first = sink.write(chunk)
  let written = chunk.length
  let backedUp = !first
  for (; !backedUp && written < 256 * 1024 * 1024; written += chunk.length) backedUp = !sink.write(chunk)
  let alwaysFalse = true
  for (let more = 0; more < extra; more += chunk.length, written += chunk.length) alwaysFalse &&= !sink.write(chunk)
  return { first, backedUp, alwaysFalse, written }
}

