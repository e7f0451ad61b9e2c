import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Exit, Fiber, Layer, Queue, Scope } from "effect"
import * as Socket from "effect/socket/Socket"
import * as SocketServer from "effect/socket/SocketServer"
import * as DiagnosticsChannel from "node:diagnostics_channel"
import * as Net from "node:net"
import { NetSocket } from "../../src/transport/NetSocket.js"
import * as NetSocketServer from "../../src/transport/NetSocketServer.js"
import { connect, echo, options, poll, portOf, servers, serving, settle, turns, within } from "../support/Net.js"

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

