import { afterEach } from "@effect/vitest"
import { TestClient } from "./TestClient.js"
import { startServer } from "./server.js"

/**
 * In-process servers and clients that a test file starts, closed after each
 * test (clients reset first, then servers stopped).
 */
export const fixtures = () => {
  let cleanup: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const f of cleanup.reverse()) await f()
    cleanup = []
  })
  const later = (f: () => Promise<void> | void) => cleanup.push(f)
  return {
    later,
    server: async (overrides: Parameters<typeof startServer>[0] = {}) => {
      const s = await startServer(overrides)
      later(s.stop)
      return s
    },
    join: async (port: number, nick: string) => {
      const client = await TestClient.join(port, nick)
      later(() => client.reset())
      return client
    },
    /** Connects to the IRC port and registers `nick`; resolves after the welcome (`376`). */
    irc: async (port: number, nick: string) => {
      const client = await TestClient.connect(port)
      later(() => client.reset())
      client.send(`NICK ${nick}`, `USER ${nick} 0 * :${nick} the tester`)
      await client.until(/ 376 /)
      client.nick = nick
      return client
    },
    connect: async (port: number) => {
      const client = await TestClient.connect(port)
      later(() => client.reset())
      return client
    }
  }
}
