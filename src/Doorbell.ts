/** A subscriber of the doorbell: woken by a ring in its room, for its session, or for everyone. */
export interface Listener {
  /** The room whose events it waits for. With neither room nor session it waits for every event. */
  readonly room: string | undefined
  /** The session whose own events it waits for. */
  readonly session: string | undefined
  /** Whether it waits now; only a waiting listener is woken. */
  listening: boolean
  wake(): void
}

/**
 * Tells waiting subscribers that something they want was published: the
 * members of the room it went to, the session it was addressed to, or
 * everyone. Rings are answered once per event-loop turn (in its check phase),
 * however many publications the turn had, so a subscriber wakes at most once
 * per turn and the deliveries of a turn go out together; and a message costs
 * wake-ups for its room's members only, not for every connection.
 *
 * A listener is added once and stays, filed under its room and its session;
 * waiting and waking only flip its `listening` flag, so a wake-up costs no
 * map or set operation. `count` numbers the publications; a subscriber
 * compares it with what it saw at its last take to know whether to wait.
 */
export class Doorbell {
  /** Publications so far. */
  count = 0
  private readonly byRoom = new Map<string, Set<Listener>>()
  private readonly bySession = new Map<string, Listener>()
  private readonly promiscuous = new Set<Listener>()
  private rooms = new Set<string>()
  private sessions = new Set<string>()
  private all = false
  private scheduled = false

  /** Something was published: to `room`, to `session`, or (neither) to everyone. Returns its number. */
  ring(room: string | undefined, session: string | undefined): number {
    if (room === undefined && session === undefined) this.all = true
    else {
      if (room !== undefined) this.rooms.add(room)
      if (session !== undefined) this.sessions.add(session)
    }
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(this.answer)
    }
    return ++this.count
  }

  /** Files a listener under its room and session (call again after its room changed). */
  add(listener: Listener): void {
    const { room, session } = listener
    if (room === undefined && session === undefined) {
      this.promiscuous.add(listener)
      return
    }
    if (room !== undefined) {
      const members = this.byRoom.get(room)
      if (members === undefined) this.byRoom.set(room, new Set([listener]))
      else members.add(listener)
    }
    if (session !== undefined) this.bySession.set(session, listener)
  }

  /** Takes a listener out (its subscription ended, or it is about to change rooms). */
  remove(listener: Listener): void {
    listener.listening = false
    this.promiscuous.delete(listener)
    if (listener.room !== undefined) {
      const members = this.byRoom.get(listener.room)
      if (members !== undefined) {
        members.delete(listener)
        if (members.size === 0) this.byRoom.delete(listener.room)
      }
    }
    if (listener.session !== undefined && this.bySession.get(listener.session) === listener) {
      this.bySession.delete(listener.session)
    }
  }

  private readonly answer = () => {
    this.scheduled = false
    // Woken subscribers wait again at once: pick them all first, then wake them.
    const woken: Array<Listener> = []
    const pick = (listener: Listener) => {
      if (!listener.listening) return
      listener.listening = false
      woken.push(listener)
    }
    for (const listener of this.promiscuous) pick(listener)
    if (this.all) {
      for (const members of this.byRoom.values()) for (const listener of members) pick(listener)
      for (const listener of this.bySession.values()) pick(listener)
    } else {
      for (const room of this.rooms) {
        const members = this.byRoom.get(room)
        if (members !== undefined) for (const listener of members) pick(listener)
      }
      for (const session of this.sessions) {
        const listener = this.bySession.get(session)
        if (listener !== undefined) pick(listener)
      }
    }
    this.all = false
    if (this.rooms.size > 0) this.rooms = new Set()
    if (this.sessions.size > 0) this.sessions = new Set()
    for (const listener of woken) listener.wake()
  }
}
