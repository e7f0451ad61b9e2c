import * as Net from "node:net"
import { normalizeMask } from "./Modes.js"

/** The widest networks a server ban may name: a /8 of IPv4, a /16 of IPv6. Wider is nobody in particular. */
export const widestPrefix = { 4: 8, 6: 16 } as const

/** An address as a server ban compares it: lower case, IPv4 written as IPv4 even when IPv6 maps it (`::ffff:10.0.0.1`). */
export const plainAddress = (address: string): string => {
  const lower = address.toLowerCase()
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower)
  return mapped === null ? lower : mapped[1]!
}

/**
 * A server ban's mask as it is kept: an address (`10.0.0.7`, `2001:db8::1`), a network
 * (`10.0.0.0/24`, at most {@link widestPrefix} wide), or what a room's ban takes (`bob`,
 * `*!*@10.0.0.*`, `~a:ACCOUNT`: see `normalizeMask`). `undefined` for anything else, and for one that
 * would be for everyone.
 */
export const normalizeServerMask = (text: string): string | undefined => {
  const slash = text.indexOf("/")
  if (slash !== -1) {
    const address = plainAddress(text.slice(0, slash))
    const family = Net.isIP(address)
    const prefix = text.slice(slash + 1)
    if (family === 0 || !/^\d{1,3}$/.test(prefix)) return undefined
    const bits = Number(prefix)
    return bits >= widestPrefix[family as 4 | 6] && bits <= (family === 4 ? 32 : 128) ? `${address}/${bits}` : undefined
  }
  const address = plainAddress(text)
  if (Net.isIP(address) !== 0) return address
  return normalizeMask(text)
}

/** What an operator is told of a mask `normalizeServerMask` refuses (the console and the admin API say the same). */
export const notAServerBan = (mask: string): string =>
  `${mask} is not a server ban hubbub can apply (it matches everyone, or nothing it knows): name an address, a network (10.0.0.0/24), a mask (bob!*@*) or an account (~a:NAME)`
