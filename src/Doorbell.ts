/**
 * Tells waiting subscribers that something was published: once per event-loop
 * turn (in its check phase), however many publications the turn had, so every
 * subscriber wakes at most once per turn and the deliveries of a turn go out
 * together. A subscriber compares `count` with what it saw at its last take to
 * know whether to wait at all.
 */
export class Doorbell {
  /** Publications so far. */
  count = 0
  private waiting = new Set<() => void>()
  private scheduled = false

  ring(): void {
    this.count++
    if (this.scheduled || this.waiting.size === 0) return
    this.scheduled = true
    setImmediate(this.answer)
  }

  /** Calls `f` once, in the turn of the next ring. */
  listen(f: () => void): void {
    this.waiting.add(f)
  }

  unlisten(f: () => void): void {
    this.waiting.delete(f)
  }

  private readonly answer = () => {
    this.scheduled = false
    const waiting = this.waiting
    this.waiting = new Set()
    for (const f of waiting) f()
  }
}
