/** A waiter on the doorbell: the hub's dispatcher, or a subscription to every event. */
export interface Listener {
  /** Whether it waits now; only a waiting listener is woken. */
  listening: boolean
  wake(): void
}

/**
 * Tells the hub's waiters that something was published. Rings are answered
 * once per event-loop turn (in its check phase), however many publications
 * the turn had, so a waiter wakes at most once per turn and the deliveries of
 * a turn go out together. `count` numbers the publications; a waiter compares
 * it with what it saw at its last take to know whether to wait.
 */
export class Doorbell {
  /** Publications so far. */
  count = 0
  private readonly listeners = new Set<Listener>()
  private scheduled = false

  /** Something was published; returns its number. */
  ring(): number {
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(this.answer)
    }
    return ++this.count
  }

  add(listener: Listener): void {
    this.listeners.add(listener)
  }

  remove(listener: Listener): void {
    listener.listening = false
    this.listeners.delete(listener)
  }

  private readonly answer = () => {
    this.scheduled = false
    // A woken listener may wait again at once: pick them all first, then wake them.
    const woken: Array<Listener> = []
    for (const listener of this.listeners) {
      if (!listener.listening) continue
      listener.listening = false
      woken.push(listener)
    }
    for (const listener of woken) listener.wake()
  }
}
