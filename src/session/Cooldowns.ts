/** Keys remembered at most, a server (the oldest go first): bounded, whatever peers try. */
const maxKept = 10_000

/**
 * When keys (a room, an address, a session) last did something that may be done once in a while:
 * a server's own, in memory, so that a reconnection starts nothing afresh.
 */
export class Cooldowns {
  /** Each server's (its `Sessions` stand for it) last times, by key. */
  private readonly servers = new WeakMap<object, Map<string, number>>()

  constructor(private readonly every: number) {}

  /** The first of `keys` used within `every` of `now`, if any; else none was, and all are counted as used now. */
  busy(server: object, keys: ReadonlyArray<string>, now: number): string | undefined {
    let kept = this.servers.get(server)
    if (kept === undefined) this.servers.set(server, kept = new Map())
    const soon = keys.find((key) => now - (kept.get(key) ?? -Infinity) < this.every)
    if (soon !== undefined) return soon
    for (const key of keys) {
      kept.delete(key)
      kept.set(key, now)
    }
    while (kept.size > maxKept) kept.delete(kept.keys().next().value!)
    return undefined
  }
}
