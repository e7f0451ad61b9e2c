import { assert, describe, it } from "@effect/vitest"
import { Context, Duration, Effect, Exit, Fiber, Layer, Option, Queue, Scope } from "effect"
import type * as NetAddress from "effect/net/NetAddress"
import * as Socket from "effect/socket/Socket"
import * as SocketServer from "effect/socket/SocketServer"
import * as DiagnosticsChannel from "node:diagnostics_channel"
import * as Net from "node:net"
import * as Connection from "../../src/transport/Connection.js"
import { NetSocket } from "../../src/transport/NetSocket.js"
import * as NetSocketServer from "../../src/transport/NetSocketServer.js"

const options = { host: "127.0.0.1", port: 0, keepalive: Option.none() }
const servers = () => process.getActiveResourcesInfo().filter((r) => r === "TCPServerWrap").length
const portOf = (address: NetAddress.SocketAddress) => address._tag === "UnixPathAddress" ? -1 : address.port

/** Fails the test after `ms`, saying what was awaited and what there was. */
const within = (what: () => string, ms = 5000) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.timeoutOrElse(effect, { duration: ms, orElse: () => Effect.die(new Error(`timed out: ${what()}`)) })

/**
 * Event-loop turns until `check` holds, for socket state Node has no event for
 * (at most `turns` of them, and 5 seconds); returns whether it holds.
 */
const poll = (check: () => boolean, turns = Infinity) =>
  Effect.promise(async () => {
    const deadline = Date.now() + 5000
    for (let turn = 0; turn < turns && Date.now() < deadline && !check(); turn++) {
      await new Promise((resolve) => setImmediate(resolve))
    }
    return check()
  })
const turns = (n: number) => poll(() => false, n)
/** Closed servers' handles go a turn or two after they report closing: the count once they have. */
const settle = (expected: number) => Effect.map(poll(() => servers() <= expected, 100), servers)

/** A raw TCP client that keeps what it receives and how its connection ended. */
class Client {
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

const connect = (port: number) =>
  Effect.acquireRelease(
    Effect.callback<Client>((resume) => {
      const socket = Net.createConnection({ port, host: "127.0.0.1" }, () => resume(Effect.succeed(new Client(socket))))
      socket.once("error", (e) => resume(Effect.die(e)))
    }),
    (client) => Effect.sync(() => client.socket.destroy())
  )

/** A server whose handler hands each connection's socket to the test and keeps serving it until the test ends. */
const serving = Effect.gen(function*() {
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
const echo = (socket: Socket.Socket) =>
  Effect.gen(function*() {
    const { pull } = yield* socket.reader
    const writer = yield* socket.writer
    return yield* Effect.forever(Effect.flatMap(pull, writer.writeAll))
  }).pipe(Effect.scoped, Effect.ignore)

/** Pulls until `n` bytes have arrived. */
const readBytes = (pull: Socket.Reader["pull"], n: number) =>
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
const fillUp = (sink: Connection.Connection["sink"], extra: number) => {
  const chunk = Buffer.alloc(16 * 1024, 97)
  const first = sink.write(chunk)
  let written = chunk.length
  let backedUp = !first
  for (; !backedUp && written < 256 * 1024 * 1024; written += chunk.length) backedUp = !sink.write(chunk)
  let alwaysFalse = true
  for (let more = 0; more < extra; more += chunk.length, written += chunk.length) alwaysFalse &&= !sink.write(chunk)
  return { first, backedUp, alwaysFalse, written }
}

describe("NetSocketServer", () => {
  it.live("listens on 127.0.0.1 port 0, reports its address, and serves each connection in a fiber of its own", () =>
    Effect.gen(function*() {
      const server = yield* NetSocketServer.make(options)
      const port = portOf(server.address)
      assert.strictEqual(server.address._tag, "InetAddressV4")
      assert.isAbove(port, 0)
      assert.strictEqual(String(server.address), `127.0.0.1:${port}`)
      const fibers: Array<number> = []
      const sockets: Array<unknown> = []
      const handler = (socket: Socket.Socket) =>
        Effect.flatMap(Effect.fiberId, (id) => (fibers.push(id), sockets.push(socket), echo(socket)))
      yield* server.run(handler).pipe(Effect.forkScoped)
      const a = yield* connect(port)
      const b = yield* connect(port)
      // a's handler waits in `pull` while b's is served
      b.socket.write("two")
      yield* b.until("the echo of two", () => b.text() === "two")
      a.socket.write("one")
      yield* a.until("the echo of one", () => a.text() === "one")
      assert.strictEqual(new Set([...fibers, yield* Effect.fiberId]).size, 3)
      for (const socket of sockets) assert.isTrue(socket instanceof NetSocket && Socket.isSocket(socket))
    }))

  it.live("keeps connections that arrive before run, paused, and serves them once it is", () =>
    Effect.gen(function*() {
      const server = yield* NetSocketServer.make(options)
      const port = portOf(server.address)
      const accepted = yield* Queue.unbounded<Net.Socket>()
      // Node publishes every connection a server accepts on this channel.
      const onAccept = (message: unknown) => {
        const { socket } = message as { socket: Net.Socket }
        if (socket.localPort === port) Queue.offerUnsafe(accepted, socket)
      }
      DiagnosticsChannel.subscribe("net.server.socket", onAccept)
      yield* Effect.addFinalizer(() => Effect.sync(() => DiagnosticsChannel.unsubscribe("net.server.socket", onAccept)))
      const early = yield* connect(port)
      early.socket.write("early bird")
      const conn = yield* Queue.take(accepted).pipe(within(() => "the server accepting the connection"))
      yield* turns(20)
      assert.strictEqual(conn.bytesRead, 0)
      assert.isFalse(conn.destroyed)

      yield* server.run(echo).pipe(Effect.forkScoped)
      yield* early.until("the early client's echo", () => early.text() === "early bird")
      const late = yield* connect(port)
      late.socket.write("late comer")
      yield* late.until("the late client's echo", () => late.text() === "late comer")
    }))

  it.live("interrupting run interrupts the connections' fibers and lets their sockets go", () =>
    Effect.gen(function*() {
      const server = yield* NetSocketServer.make(options)
      const port = portOf(server.address)
      const started = yield* Queue.unbounded<void>()
      let interrupted = 0
      const run = yield* server.run(() =>
        Queue.offer(started, undefined).pipe(
          Effect.andThen(Effect.never),
          Effect.onInterrupt(() => Effect.sync(() => interrupted++))
        )
      ).pipe(Effect.forkChild)
      const a = yield* connect(port)
      const b = yield* connect(port)
      yield* Queue.take(started).pipe(Effect.repeat({ times: 1 }), within(() => "both handlers starting"))
      yield* Fiber.interrupt(run).pipe(within(() => "run to end"))
      assert.strictEqual(interrupted, 2)
      yield* a.until("a's connection to close", () => a.closed)
      yield* b.until("b's connection to close", () => b.closed)
      // Once run has stopped, new connections are not kept.
      const late = yield* connect(port)
      yield* late.until("the late connection to close", () => late.closed)
    }))

  it.live("lets a connection go when its handler returns without reading it", () =>
    Effect.gen(function*() {
      const server = yield* NetSocketServer.make(options)
      yield* server.run(() => Effect.void).pipe(Effect.forkScoped)
      const client = yield* connect(portOf(server.address))
      yield* client.until("the connection to close", () => client.closed)
    }))

  it.live("survives a client that resets while its handler writes without reading", () =>
    Effect.gen(function*() {
      const { pair } = yield* serving
      const { client, socket } = yield* pair
      const writer = yield* socket.writer
      client.socket.resetAndDestroy()
      // Writes to the broken socket fail; none may surface as an unhandled 'error' event.
      for (let i = 0; i < 50; i++) yield* Effect.ignore(writer.write(Buffer.alloc(64 * 1024)))
      yield* poll(() => socket.conn.destroyed)
      assert.isTrue(socket.conn.destroyed)
    }))

  it.live("fails with SocketServerOpenError, at once, on a port already in use", () =>
    Effect.gen(function*() {
      const listening = (yield* settle(0)) + 1
      const first = yield* NetSocketServer.make(options)
      const error = yield* Layer.build(NetSocketServer.layer({ ...options, port: portOf(first.address) })).pipe(
        Effect.scoped,
        Effect.flip,
        within(() => "the second server to fail")
      )
      assert.strictEqual(error._tag, "SocketServerError")
      assert.strictEqual(error.reason._tag, "SocketServerOpenError")
      assert.strictEqual((error.reason.cause as NodeJS.ErrnoException).code, "EADDRINUSE")
      assert.strictEqual(yield* settle(listening), listening)
    }))

  it.live("leaves no TCP server handle behind once the layer's scope closes, with connections waiting or served", () =>
    Effect.gen(function*() {
      const before = yield* settle(0)
      for (const served of [false, true]) {
        const scope = yield* Scope.make()
        const context = yield* Layer.buildWithScope(NetSocketServer.layer(options), scope)
        const server = Context.get(context, SocketServer.SocketServer)
        assert.isAbove(servers(), before)
        const client = yield* connect(portOf(server.address))
        if (served) {
          yield* server.run(echo).pipe(Effect.forkIn(scope))
          client.socket.write("x")
          yield* client.until("the echo", () => client.text() === "x")
        }
        const close = yield* Scope.close(scope, Exit.void).pipe(Effect.forkDetach)
        yield* Fiber.join(close).pipe(within(() => `the layer's scope to close (served: ${served})`))
        yield* client.until(`the connection to close (served: ${served})`, () => client.closed)
        assert.strictEqual(yield* settle(before), before)
      }
    }))
})

describe("NetSocket, as an Effect Socket", () => {
  it.live("pull returns what the client sent", () =>
    Effect.gen(function*() {
      const { client, socket } = yield* (yield* serving).pair
      const { pull } = yield* socket.reader
      client.socket.write("hello, ")
      client.socket.write("server")
      assert.strictEqual(String(yield* readBytes(pull, 13)), "hello, server")
    }))

  it.live("a client's half-close ends the reads with SocketCloseError 1000; the server may still write", () =>
    Effect.gen(function*() {
      const { client, socket } = yield* (yield* serving).pair
      const { pull } = yield* socket.reader
      client.socket.end("last")
      assert.strictEqual(String(yield* readBytes(pull, 4)), "last")
      for (let i = 0; i < 2; i++) {
        const error = yield* Effect.flip(pull).pipe(within(() => "the reads to end"))
        assert.strictEqual(error.reason._tag, "SocketCloseError")
        assert.strictEqual((error.reason as Socket.SocketCloseError).code, 1000)
      }
      const writer = yield* socket.writer
      yield* writer.write("still here")
      yield* client.until("the answer after the half-close", () => client.text() === "still here")
    }))

  it.live("a client's reset ends the reads with a read error or a close other than 1000", () =>
    Effect.gen(function*() {
      const { client, socket } = yield* (yield* serving).pair
      const { pull } = yield* socket.reader
      client.socket.resetAndDestroy()
      const { reason } = yield* Effect.flip(pull).pipe(within(() => "the reads to end"))
      assert.isTrue(
        reason._tag === "SocketReadError" || (reason._tag === "SocketCloseError" && reason.code !== 1000),
        `ended with ${reason._tag} ${reason.message}`
      )
    }))

  it.live("stays paused while nobody pulls: a client offering megabytes is held back until the server reads", () =>
    Effect.gen(function*() {
      const { client, socket } = yield* (yield* serving).pair
      const conn = socket.conn
      const chunk = Buffer.alloc(64 * 1024, 120)
      const offered = 32 * 1024 * 1024
      let flushed = false
      for (let sent = chunk.length; sent <= offered; sent += chunk.length) {
        client.socket.write(chunk, sent === offered ? () => (flushed = true) : undefined)
      }
      yield* turns(20)
      assert.strictEqual(conn.bytesRead, 0, "read before the reader was acquired")
      const { pull } = yield* socket.reader
      // The reader fills Node's buffer up to its high-water mark, then stops reading.
      assert.isTrue(yield* poll(() => conn.readableLength >= conn.readableHighWaterMark), "the server's buffer never filled")
      const read = conn.bytesRead
      yield* turns(20)
      assert.strictEqual(conn.bytesRead, read)
      assert.isBelow(read, offered / 16)
      assert.isAbove(client.socket.writableLength, 0, "the client has nothing left to send")
      assert.isFalse(flushed)
      // Pulling takes it all, and the client's last write completes.
      assert.strictEqual((yield* readBytes(pull, offered)).length, offered)
      yield* client.until("the client's last write to complete", () => flushed)
    }))

  it.live("writer.write and writeAll write to the client; a CloseEvent closes the connection", () =>
    Effect.gen(function*() {
      const { client, socket } = yield* (yield* serving).pair
      yield* socket.reader
      const writer = yield* socket.writer
      yield* writer.write("text, ")
      yield* writer.write(new TextEncoder().encode("bytes, "))
      yield* writer.writeAll(["all", " at once"])
      yield* client.until("what was written", () => client.text() === "text, bytes, all at once")
      yield* writer.write(new Socket.CloseEvent())
      yield* client.until("the connection to close", () => client.closed)
    }))

  it.live("releasing the reader's scope destroys the socket: the client sees it close, and writes fail", () =>
    Effect.gen(function*() {
      const { client, socket } = yield* (yield* serving).pair
      yield* Effect.scoped(socket.reader)
      assert.isTrue(socket.conn.destroyed)
      yield* client.until("the connection to close", () => client.closed)
      const error = yield* socket.writer.pipe(Effect.flatMap((w) => w.write("late")), Effect.scoped, Effect.flip)
      assert.strictEqual(error.reason._tag, "SocketWriteError")
    }))
})

describe("Connection.open over a NetSocket", () => {
  it.live("is the socket itself; sink.write says when the client is backed up, and drained when it reads again", () =>
    Effect.gen(function*() {
      const { client, socket } = yield* (yield* serving).pair
      client.socket.pause()
      const connection = yield* Connection.open(socket)
      assert.strictEqual<unknown>(connection, socket)
      assert.strictEqual(connection.peer, `127.0.0.1:${client.socket.localPort}`)
      assert.strictEqual(connection.ip, "127.0.0.1")
      const { alwaysFalse, backedUp, first, written } = fillUp(connection.sink, 4 * 1024 * 1024)
      assert.isTrue(first, "the first write found the transport backed up")
      assert.isTrue(backedUp, `never backed up after ${written} bytes`)
      assert.isTrue(alwaysFalse, "a write said there was room while the client was not reading")
      assert.isFalse(connection.sink.closed())
      const drained = yield* Effect.forkChild(connection.sink.drained)
      yield* turns(20)
      assert.isUndefined(drained.pollUnsafe(), "drained while the client was not reading")
      client.socket.resume()
      yield* Fiber.join(drained).pipe(within(() => `drained, with the client reading (got ${client.bytes} bytes)`))
      yield* client.until("everything written", () => client.bytes === written)
    }))

  it.live("sink.end closes gracefully (all that was written, then EOF); a client that does not read goes after `within`", () =>
    Effect.gen(function*() {
      const { pair } = yield* serving
      const { client, socket } = yield* pair
      const connection = yield* Connection.open(socket)
      const order: Array<string> = []
      client.socket.on("end", () => order.push(`end after ${client.bytes} bytes`))
      client.socket.on("close", () => order.push("close"))
      const chunk = Buffer.alloc(64 * 1024, 98)
      let written = 0
      for (; written < 4 * 1024 * 1024; written += chunk.length) connection.sink.write(chunk)
      // It returns once the client has closed too, not at `within`.
      yield* connection.sink.end("20 seconds").pipe(within(() => `sink.end (order: ${order})`))
      assert.isTrue(connection.sink.closed())
      yield* client.until("the connection to close", () => client.closed)
      assert.deepStrictEqual(order, [`end after ${written} bytes`, "close"])

      const stuck = yield* pair
      stuck.client.socket.pause()
      const other = yield* Connection.open(stuck.socket)
      assert.isTrue(fillUp(other.sink, 1024 * 1024).backedUp)
      const [took] = yield* Effect.timed(other.sink.end("200 millis")).pipe(within(() => "sink.end"))
      assert.isAtLeast(Duration.toMillis(took), 150)
      assert.isTrue(stuck.socket.conn.destroyed)
      assert.isTrue(other.sink.closed())
    }))
})
