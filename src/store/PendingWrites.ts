import { type RoomWrite, type RoomWrites, WriteKind, type WritesPart } from "./Store.js"

/** Writes a part holds at most (see {@link RoomWrites}). */
const partSize = 4096

/** Writes a part has room for at first: it doubles as it fills, to {@link partSize}. */
const firstSize = 64

/**
 * A part of the writes. Its texts and ids wait as UTF-8 in a buffer of its own, its times and kinds
 * in typed arrays: off the JavaScript heap, so that the half second a busy room's lines wait costs
 * the collector nothing. Held as strings, they outlived the young generation and were copied and
 * promoted at every flush (measured, docs/architecture.md).
 */
class Part implements WritesPart {
  length = 0
  private kinds = new Uint8Array(firstSize)
  private ats = new Float64Array(firstSize)
  private readonly rooms: Array<string> = []
  private readonly froms: Array<string> = []
  // Where the `i`th write's text ends (at `2i`) and its id (at `2i + 1`), in the bytes and in their
  // text once decoded; each starts where the one before ends.
  private ends = new Uint32Array(firstSize * 2)
  private chars = new Uint32Array(firstSize * 2)
  private bytes = Buffer.allocUnsafe(firstSize * 64)
  private used = 0
  // The bytes decoded, at the first peek since the last change: one call, not one a text (each cost 130 ns).
  private decoded: string | undefined = undefined
  // The writes whose text is undefined (a topic cleared): rare.
  private readonly cleared = new Set<number>()

  get full(): boolean {
    return this.length >= partSize
  }

  kind(i: number): WriteKind {
    return this.kinds[i] as WriteKind
  }

  room(i: number): string {
    return this.rooms[i]!
  }

  at(i: number): number {
    return this.ats[i]!
  }

  from(i: number): string {
    return this.froms[i]!
  }

  text(i: number): string | undefined {
    return this.cleared.has(i) ? undefined : this.bytes.toString("utf8", i === 0 ? 0 : this.ends[2 * i - 1], this.ends[2 * i])
  }

  id(i: number): string {
    return this.bytes.toString("utf8", this.ends[2 * i], this.ends[2 * i + 1])
  }

  peekText(i: number): string | undefined {
    return this.cleared.has(i) ? undefined : this.all().slice(i === 0 ? 0 : this.chars[2 * i - 1], this.chars[2 * i])
  }

  peekId(i: number): string {
    return this.all().slice(this.chars[2 * i], this.chars[2 * i + 1])
  }

  private all(): string {
    return this.decoded ??= this.bytes.toString("utf8", 0, this.used)
  }

  add(kind: WriteKind, room: string, at: number, from: string, text: string | undefined, id: string) {
    const i = this.length
    if (i === this.kinds.length) this.grow()
    // UTF-8 takes at most three bytes for each UTF-16 unit.
    this.reserve(3 * ((text?.length ?? 0) + id.length))
    this.kinds[i] = kind
    this.ats[i] = at
    this.rooms.push(room)
    this.froms.push(from)
    const chars = i === 0 ? 0 : this.chars[2 * i - 1]!
    if (text === undefined) this.cleared.add(i)
    else this.used += this.bytes.write(text, this.used, "utf8")
    this.ends[2 * i] = this.used
    this.chars[2 * i] = chars + (text?.length ?? 0)
    this.used += this.bytes.write(id, this.used, "utf8")
    this.ends[2 * i + 1] = this.used
    this.chars[2 * i + 1] = this.chars[2 * i]! + id.length
    this.decoded = undefined
    this.length++
  }

  /** Forgets its first `count`. */
  drop(count: number): void {
    const left = this.length - count
    const from = this.ends[2 * count - 1]!
    const fromChar = this.chars[2 * count - 1]!
    this.kinds.copyWithin(0, count, this.length)
    this.ats.copyWithin(0, count, this.length)
    this.rooms.splice(0, count)
    this.froms.splice(0, count)
    for (let j = 0; j < 2 * left; j++) {
      this.ends[j] = this.ends[j + 2 * count]! - from
      this.chars[j] = this.chars[j + 2 * count]! - fromChar
    }
    this.bytes.copy(this.bytes, 0, from, this.used)
    this.used -= from
    this.decoded = undefined
    const cleared = [...this.cleared]
    this.cleared.clear()
    for (const i of cleared) if (i >= count) this.cleared.add(i - count)
    this.length = left
  }

  private grow(): void {
    const size = this.kinds.length * 2
    const kinds = new Uint8Array(size)
    kinds.set(this.kinds)
    const ats = new Float64Array(size)
    ats.set(this.ats)
    const ends = new Uint32Array(size * 2)
    ends.set(this.ends)
    const chars = new Uint32Array(size * 2)
    chars.set(this.chars)
    ;[this.kinds, this.ats, this.ends, this.chars] = [kinds, ats, ends, chars]
  }

  private reserve(bytes: number): void {
    if (this.used + bytes <= this.bytes.length) return
    const more = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, this.used + bytes))
    this.bytes.copy(more, 0, 0, this.used)
    this.bytes = more
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

  /** Takes its oldest whole parts, `most` writes at most (or the first part, whatever its size). */
  takeOldest(most: number): PendingWrites {
    const taken = new PendingWrites()
    while (this.parts.length > 0 && (taken.length === 0 || taken.length + this.parts[0]!.length <= most)) {
      const part = this.parts.shift()!
      if (part === this.open) this.open = undefined
      taken.parts.push(part)
      taken.length += part.length
      this.length -= part.length
    }
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
    if (part === undefined || part.full) this.parts.push(part = this.open = new Part())
    part.add(kind, room, at, from, text, id)
    this.length++
  }
}

/** The writes, as a list, in order; those of the rooms `only` accepts if given. */
export const writesOf = (writes: RoomWrites, only?: (room: string) => boolean): Array<RoomWrite> => {
  const list: Array<RoomWrite> = []
  for (const part of writes.parts) {
    for (let i = 0; i < part.length; i++) {
      const room = part.room(i)
      if (only !== undefined && !only(room)) continue
      list.push(part.kind(i) === WriteKind.topic ? topicOf(part, i, room) : lineOf(part, i, room))
    }
  }
  return list
}

const topicOf = (writes: WritesPart, i: number, room: string): RoomWrite => {
  const by = writes.from(i)
  const topic = { _tag: "Topic", room, topic: writes.text(i), at: writes.at(i) } as const
  return by === "" ? topic : { ...topic, by }
}

const lineOf = (writes: WritesPart, i: number, room: string): RoomWrite => {
  const id = writes.id(i)
  const line = { room, at: writes.at(i), from: writes.from(i), text: writes.text(i)!, action: writes.kind(i) === WriteKind.action }
  return id === "" ? { _tag: "Line", ...line } : { _tag: "Line", ...line, id }
}
