import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber } from "effect"
import * as Connection from "../../src/transport/Connection.js"
import { fillUp, serving, turns, within } from "../support/Net.js"

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
