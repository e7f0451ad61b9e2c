import { Option } from "effect"
import type { fixtures } from "./fixtures.js"
import type { RedisServer } from "./RedisServer.js"

/** A server's ports as the IRC tests address it, and its name. */
export interface Ports {
  readonly port: number
  readonly ircPort: number
  readonly name: string
  readonly stop: () => Promise<void>
}

const options = { ircPort: Option.some(0), floodRate: 0 } as const

/**
 * A watcher's (or asker's) server and the others' server, for tests run both ways: `one` is one
 * server twice, `two` two servers through Redis (each pair under a prefix of its own).
 */
export const serverPairs = (server: ReturnType<typeof fixtures>["server"], redis: () => RedisServer, prefix: string) => {
  let clusters = 0
  const one = async (): Promise<readonly [Ports, Ports]> => {
    const a = await server({ ...options, serverName: "a.test" })
    return [{ ...a, name: "a.test" }, { ...a, name: "a.test" }]
  }
  const two = async (): Promise<readonly [Ports, Ports]> => {
    const redisPrefix = `${prefix}-${++clusters}:`
    const start = (name: string) => server({ ...options, serverName: name, redisUrl: Option.some(redis().url), nodeId: name, redisPrefix })
    const [a, b] = [await start("a.test"), await start("b.test")]
    return [{ ...a, name: "a.test" }, { ...b, name: "b.test" }]
  }
  return { one, two }
}
