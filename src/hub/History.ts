import { Envelope } from "../protocol/Event.js"
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

  /** What a room kept from before it was last empty (`RoomArchive.recall`), for a room that has no history here yet. */
  seed(room: string, entries: ReadonlyArray<HistoryEntry>): void {
    if (this.size === 0 || entries.length === 0 || this.rooms.has(room)) return
    const ring = new Ring(this.size)
    for (const entry of entries) ring.push(entry)
    this.rooms.set(room, ring)
  }

  /** A room's messages, oldest first. */
  of(room: string): ReadonlyArray<HistoryEntry> {
    const ring = this.rooms.get(room)
    if (ring === undefined) return []
    const entries: Array<HistoryEntry> = []
    for (const item of ring.items()) {
      if (!(item instanceof Envelope)) {
        entries.push(item)
        continue
      }
      const { at, event } = item
      if (event._tag !== "Chat" && event._tag !== "Action") continue
      const entry: { at: number; from: string; text: string; action?: boolean; id?: string } = { at, from: event.from, text: event.text }
      if (event._tag === "Action") entry.action = true
      if (event.id !== undefined) entry.id = event.id
      entries.push(entry)
    }
    return entries
  }

  /** The room is gone: its history too. */
  drop(room: string): void {
    this.rooms.delete(room)
  }
}

/** A message published here, or one recalled from the store. */
type Kept = Envelope | HistoryEntry

class Ring {
  private readonly slots: Array<Kept | undefined>
  private next = 0
  private count = 0

  constructor(size: number) {
    this.slots = new Array(size)
  }

  push(item: Kept): void {
    this.slots[this.next] = item
    this.next = (this.next + 1) % this.slots.length
    if (this.count < this.slots.length) this.count++
  }

  *items(): Iterable<Kept> {
    const size = this.slots.length
    for (let i = 0; i < this.count; i++) yield this.slots[(this.next - this.count + i + size) % size]!
  }
}
