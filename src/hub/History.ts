import type { Envelope } from "../protocol/Event.js"
import type { HistoryEntry } from "../protocol/Reply.js"

/**
 * The last `size` messages (chat and actions) of each room, for whoever
 * joins it. A room's history goes with the room: rooms are made on demand
 * by anyone, so what is kept is bounded by the rooms that exist.
 */
export class RoomHistory {
  private readonly rooms = new Map<string, Ring>()

  constructor(readonly size: number) {}

  /** Keeps a room's message (the envelope the hub made anyway: nothing more is allocated per message). */
  add(room: string, envelope: Envelope): void {
    if (this.size === 0) return
    let ring = this.rooms.get(room)
    if (ring === undefined) this.rooms.set(room, ring = new Ring(this.size))
    ring.push(envelope)
  }

  /** A room's messages, oldest first. */
  of(room: string): ReadonlyArray<HistoryEntry> {
    const ring = this.rooms.get(room)
    if (ring === undefined) return []
    const entries: Array<HistoryEntry> = []
    for (const { at, event } of ring.items()) {
      if (event._tag === "Chat") entries.push({ at, from: event.from, text: event.text })
      else if (event._tag === "Action") entries.push({ at, from: event.from, text: event.text, action: true })
    }
    return entries
  }

  /** The room is gone: its history too. */
  drop(room: string): void {
    this.rooms.delete(room)
  }
}

class Ring {
  private readonly slots: Array<Envelope | undefined>
  private next = 0
  private count = 0

  constructor(size: number) {
    this.slots = new Array(size)
  }

  push(envelope: Envelope): void {
    this.slots[this.next] = envelope
    this.next = (this.next + 1) % this.slots.length
    if (this.count < this.slots.length) this.count++
  }

  *items(): Iterable<Envelope> {
    const size = this.slots.length
    for (let i = 0; i < this.count; i++) yield this.slots[(this.next - this.count + i + size) % size]!
  }
}
