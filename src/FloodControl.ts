/**
 * A token bucket per connection: `burst` lines at once, then `rate` lines per
 * second. A line over the budget is not dropped: the caller waits the returned
 * time before acting on it, and does not read the socket meanwhile, so TCP
 * pushes back on the sender and nothing piles up in the server.
 */
export class TokenBucket {
  private tokens: number
  private last: number
  /** When the client last went over its budget without pausing since; undefined when within it. */
  throttledSince: number | undefined = undefined

  constructor(readonly rate: number, readonly burst: number, now: number) {
    this.tokens = burst
    this.last = now
  }

  /** Spends one line; returns the milliseconds to wait before acting on it (0: at once). */
  take(now: number): number {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000) - 1
    this.last = now
    if (this.tokens >= 0) {
      this.throttledSince = undefined
      return 0
    }
    this.throttledSince ??= now
    return (-this.tokens * 1000) / this.rate
  }
}
