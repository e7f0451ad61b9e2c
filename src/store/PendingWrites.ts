import { type RoomWrite, type RoomWrites, WriteKind, type WritesPart } from "./Store.js"

/** Writes a part holds at most (see {@link RoomWrites}). */
const partSize = 4096

class Part implements WritesPart {
  readonly kinds: Array<WriteKind> = []
  readonly rooms: Array<string> = []
  readonly ats: Array<number> = []
  readonly froms: Array<string> = []
  readonly texts: Array<string | undefined> = []
  readonly ids: Array<string> = []

  get length(): number {
    return this.kinds.length
  }

  add(kind: WriteKind, room: string, at: number, from: string, text: string | undefined, id: string) {
    this.kinds.push(kind)
    this.ids.push(id)
    this.rooms.push(room)
    this.ats.push(at)
    this.froms.push(from)
    this.texts.push(text)
  }

  /** Forgets its first `count`. */
  drop(count: number): void {
    for (const column of [this.kinds, this.rooms, this.ats, this.froms, this.texts, this.ids] as Array<Array<unknown>>) column.splice(0, count)
  }
}

/**
 * Writes waiting for the store, a column a field ({@link RoomWrites}). A
 * message's envelope is not held for the half second it waits (nor what its
 * codecs cached), and no object is made for it: at a busy room's rate, both
 * showed in the hub's deliveries (measured, docs/architecture.md).
 */
export class PendingWrites implements RoomWrites {
  parts: Array<Part> = []
  length = 0
  /** The last part, while it has room. */
  private open: Part | undefined = undefined

  /** The writes of a list, in its order. */
  static of(writes: ReadonlyArray<RoomWrite>): PendingWrites {
    const pending = new PendingWrites()
    for (const write of writes) {
      if (write._tag === "Topic") pending.topic(write.room, write.topic, write.at, write.by)
      else pending.line(write.room, write.at, write.from, write.text, write.action, write.id)
    }
    return pending
  }

  line(room: string, at: number, from: string, text: string, action: boolean, id: string | undefined): void {
    this.add(action ? WriteKind.action : WriteKind.line, room, at, from, text, id ?? "")
  }

  /** A topic set by `by` (or cleared: `text` undefined). */
  topic(room: string, text: string | undefined, at: number, by?: string): void {
    this.add(WriteKind.topic, room, at, by ?? "", text, "")
  }

  /** Takes everything: this is left empty. */
  take(): PendingWrites {
    const taken = new PendingWrites()
    taken.parts = this.parts
    taken.length = this.length
    this.parts = []
    this.length = 0
    this.open = undefined
    return taken
  }

  /** Puts `earlier` back before what is here. */
  restore(earlier: PendingWrites): void {
    this.parts = earlier.parts.concat(this.parts)
    this.length += earlier.length
  }

  /** Forgets the oldest `count`. */
  dropOldest(count: number): void {
    let left = Math.min(count, this.length)
    this.length -= left
    while (left > 0) {
      const first = this.parts[0]!
      if (first.length > left) {
        first.drop(left)
        break
      }
      left -= first.length
      this.parts.shift()
      if (first === this.open) this.open = undefined
    }
  }

  private add(kind: WriteKind, room: string, at: number, from: string, text: string | undefined, id: string) {
    let part = this.open
    if (part === undefined || part.length >= partSize) this.parts.push(part = this.open = new Part())
    part.add(kind, room, at, from, text, id)
    this.length++
  }
}

/** The writes, as a list, in order; those of the rooms `only` accepts if given. */
export const writesOf = (writes: RoomWrites, only?: (room: string) => boolean): Array<RoomWrite> => {
  const list: Array<RoomWrite> = []
  for (const part of writes.parts) {
    for (let i = 0; i < part.kinds.length; i++) {
      const room = part.rooms[i]!
      if (only !== undefined && !only(room)) continue
      list.push(part.kinds[i] === WriteKind.topic ? topicOf(part, i, room) : lineOf(part, i, room))
    }
  }
  return list
}

const topicOf = (writes: WritesPart, i: number, room: string): RoomWrite => {
  const by = writes.froms[i]
  const topic = { _tag: "Topic", room, topic: writes.texts[i], at: writes.ats[i]! } as const
  return by === undefined || by === "" ? topic : { ...topic, by }
}

const lineOf = (writes: WritesPart, i: number, room: string): RoomWrite => {
  const id = writes.ids[i]
  const line = { room, at: writes.ats[i]!, from: writes.froms[i]!, text: writes.texts[i]!, action: writes.kinds[i] === WriteKind.action }
  return id === undefined || id === "" ? { _tag: "Line", ...line } : { _tag: "Line", ...line, id }
}
