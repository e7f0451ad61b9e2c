import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Socket from "effect/socket/Socket"
import { poll, readBytes, serving, turns, within } from "../support/Net.js"

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

