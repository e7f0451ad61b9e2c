// The design card at its most direct, as the performance issue describes it: a
// minimal Effect 4 server in which each connection is a scoped fiber (from
// NodeSocketServer) that reads its socket as a Stream into a shared
// PubSub.unbounded, and a subscriber fiber per connection takes everything
// pending (PubSub.takeAll) and writes it to its own socket in one write. Lines
// are split on bytes and each read's lines are published once. No nicknames,
// rooms, limits or sanitizing: what is left is the cost of the design itself.
// Usage: node effect-server.mjs PORT
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import * as Socket from "effect/socket/Socket"
import * as SocketServer from "effect/socket/SocketServer"
import * as Stream from "effect/Stream"

const concat = (chunks) => {
  if (chunks.length === 1) return chunks[0]
  let size = 0
  for (const c of chunks) size += c.length
  const out = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}

const program = Effect.gen(function*() {
  const server = yield* SocketServer.SocketServer
  const hub = yield* PubSub.unbounded()
  process.stdout.write("ready\n")
  yield* server.run((socket) =>
    Effect.gen(function*() {
      // As every server here: no Nagle delay on small writes.
      ;(yield* NodeSocket.NetSocket).setNoDelay(true)
      const pull = yield* Socket.readerBytes(socket)
      const { write } = yield* socket.writer
      const subscription = yield* PubSub.subscribe(hub)
      yield* PubSub.takeAll(subscription).pipe(
        Effect.flatMap((batch) => write(concat(batch))),
        Effect.forever,
        Effect.forkScoped
      )
      let partial = undefined
      yield* Stream.fromPull(Effect.succeed(pull)).pipe(
        Stream.runForEachArray((chunks) => {
          const lines = []
          for (const chunk of chunks) {
            const data = partial === undefined ? chunk : concat([partial, chunk])
            const end = data.lastIndexOf(10)
            if (end === -1) {
              partial = data
              continue
            }
            partial = end + 1 < data.length ? data.subarray(end + 1) : undefined
            lines.push(data.subarray(0, end + 1))
          }
          return lines.length === 0 ? Effect.void : PubSub.publish(hub, concat(lines))
        })
      )
    }).pipe(Effect.scoped, Effect.ignore)
  )
}).pipe(Effect.provide(NodeSocketServer.layer({ port: Number(process.argv[2]), host: "127.0.0.1" })))

Effect.runFork(program)
process.on("SIGTERM", () => process.exit(0))
process.on("SIGINT", () => process.exit(0))
