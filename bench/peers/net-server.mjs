// The ceiling for Node: a minimal node:net broadcast server that writes each
// socket once per event-loop turn, all lines of that turn concatenated.
// Usage: node net-server.mjs PORT
import * as Net from "node:net"

const clients = new Set()
let pending = []
let scheduled = false

const flush = () => {
  scheduled = false
  const batch = pending.length === 1 ? pending[0] : Buffer.concat(pending)
  pending = []
  for (const socket of clients) socket.write(batch)
}

const server = Net.createServer((socket) => {
  socket.setNoDelay(true)
  clients.add(socket)
  let partial
  socket.on("data", (chunk) => {
    const data = partial === undefined ? chunk : Buffer.concat([partial, chunk])
    const end = data.lastIndexOf(10)
    if (end === -1) {
      partial = data
      return
    }
    partial = end + 1 < data.length ? data.subarray(end + 1) : undefined
    pending.push(data.subarray(0, end + 1))
    if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  })
  socket.on("error", () => {})
  socket.on("close", () => clients.delete(socket))
})
server.listen(Number(process.argv[2]), "127.0.0.1", () => process.stdout.write("ready\n"))
process.on("SIGTERM", () => process.exit(0))
process.on("SIGINT", () => process.exit(0))
