import type { Refused } from "../protocol/Reply.js"

/** The connection limits (the settings of the same names). */
export interface Limits {
  readonly maxConnections: number
  readonly maxPerIp: number
  readonly limitLoopback: boolean
}

/** Whether an address is this machine's own (127.0.0.0/8, ::1). */
export const isLoopback = (ip: string) => ip.startsWith("127.") || ip === "::1" || ip.startsWith("::ffff:127.")

/**
 * Which connections the server takes: at most `maxConnections` at once, at
 * most `maxPerIp` from one address (loopback exempt unless
 * `limitLoopback`), and none once it is stopping.
 */
export class Admission {
  private connections = 0
  private readonly perIp = new Map<string, number>()
  stopping = false

  constructor(readonly limits: Limits) {}

  /** Why a new connection from `ip` must be refused, if it must. */
  refusal(ip: string | undefined): typeof Refused.Type | undefined {
    if (this.stopping) return { _tag: "Refused", why: "stopping", limit: 0 }
    return this.over(ip)
  }

  /** Why a new connection from `ip` is over the limits, if it is (a server that is stopping aside). */
  over(ip: string | undefined): typeof Refused.Type | undefined {
    const { limitLoopback, maxConnections, maxPerIp } = this.limits
    if (this.connections >= maxConnections) return { _tag: "Refused", why: "full", limit: maxConnections }
    if (ip !== undefined && maxPerIp > 0 && (limitLoopback || !isLoopback(ip)) && (this.perIp.get(ip) ?? 0) >= maxPerIp) {
      return { _tag: "Refused", why: "address", limit: maxPerIp }
    }
    return undefined
  }

  /** Counts a connection from `ip`. */
  add(ip: string | undefined): void {
    this.connections++
    if (ip !== undefined) this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1)
  }

  /** A connection from `ip` is gone. */
  remove(ip: string | undefined): void {
    this.connections--
    if (ip === undefined) return
    const left = this.perIp.get(ip)! - 1
    if (left === 0) this.perIp.delete(ip)
    else this.perIp.set(ip, left)
  }
}
