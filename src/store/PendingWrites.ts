import { type RoomWrite, type RoomWrites, WriteKind } from "./Store.js"

/**
 * Writes waiting for the store, a column a field ({@link RoomWrites}). A
 * message's envelope is not held for the half second it waits (nor what its
 * codecs cached), and no object is made for it: at a busy room's rate, both
 * showed in the hub's deliveries (measured, docs/architecture.md).
 */
export class PendingWrites implements RoomWrites {
  kinds: Array<WriteKind> = []
  rooms: Array<string> = []
  ats: Array<number> = []
  froms: Array<string> = []
  texts: Array<string | undefined> = []
  /** The message's id; empty for a topic, or a line kept before lines had ids. */
  ids: Array<string> = []

  /** The writes of a list, in its order. */
  static of(writes: ReadonlyArray<RoomWrite>): PendingWrites {
    const pending = new PendingWrites()
    for (const write of writes) {
      if (write._tag === "Topic") pending.topic(write.room, write.topic, write.at, write.by)
      else pending.line(write.room, write.at, write.from, write.text, write.action, write.id)
    }
    return pending
  }

  get length(): number {
    return this.kinds.length
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
    ;[taken.kinds, taken.rooms, taken.ats, taken.froms, taken.texts, taken.ids] = [this.kinds, this.rooms, this.ats, this.froms, this.texts, this.ids]
    ;[this.kinds, this.rooms, this.ats, this.froms, this.texts, this.ids] = [[], [], [], [], [], []]
    return taken
  }

  /** Puts `earlier` back before what is here. */
  restore(earlier: PendingWrites): void {
    this.kinds = earlier.kinds.concat(this.kinds)
    this.rooms = earlier.rooms.concat(this.rooms)
    this.ats = earlier.ats.concat(this.ats)
    this.froms = earlier.froms.concat(this.froms)
    this.texts = earlier.texts.concat(this.texts)
    this.ids = earlier.ids.concat(this.ids)
  }

  /** Forgets the oldest `count`. */
  dropOldest(count: number): void {
    for (const column of [this.kinds, this.rooms, this.ats, this.froms, this.texts, this.ids] as Array<Array<unknown>>) column.splice(0, count)
  }

  private add(kind: WriteKind, room: string, at: number, from: string, text: string | undefined, id: string) {
    this.kinds.push(kind)
    this.ids.push(id)
    this.rooms.push(room)
    this.ats.push(at)
    this.froms.push(from)
    this.texts.push(text)
  }
}

/** The writes, as a list, in order; those of the rooms `only` accepts if given. */
export const writesOf = (writes: RoomWrites, only?: (room: string) => boolean): Array<RoomWrite> => {
  const list: Array<RoomWrite> = []
  for (let i = 0; i < writes.kinds.length; i++) {
    const room = writes.rooms[i]!
    if (only !== undefined && !only(room)) continue
    list.push(
      writes.kinds[i] === WriteKind.topic
        ? topicOf(writes, i, room)
        : lineOf(writes, i, room)
    )
  }
  return list
}

const topicOf = (writes: RoomWrites, i: number, room: string): RoomWrite => {
  const by = writes.froms[i]
  const topic = { _tag: "Topic", room, topic: writes.texts[i], at: writes.ats[i]! } as const
  return by === undefined || by === "" ? topic : { ...topic, by }
}

const lineOf = (writes: RoomWrites, i: number, room: string): RoomWrite => {
  const id = writes.ids[i]
  const line = { room, at: writes.ats[i]!, from: writes.froms[i]!, text: writes.texts[i]!, action: writes.kinds[i] === WriteKind.action }
  return id === undefined || id === "" ? { _tag: "Line", ...line } : { _tag: "Line", ...line, id }
}
