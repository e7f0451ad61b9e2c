/** A subscriber waiting for the doorbell: woken by a ring in its room, for its session, or for everyone. */
export interface Listener {
  /** The room whose events it waits for. With neither room nor session it waits for every event. */
  readonly room: string | undefined
  /** The session whose own events it waits for. */
  readonly session: string | undefined
  /** Set by the doorbell while the listener waits. */
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
 * `count` numbers the publications; a subscriber compares it with what it saw
 * at its last take to know whether to wait at all.
 */
export class Doorbell {
  /** Publications so far. */
  count = 0
  private byRoom = new Map<string, Set<Listener>>()
  private bySession = new Map<string, Listener>()
  private promiscuous = new Set<Listener>()
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

  listen(listener: Listener): void {
    listener.listening = true
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

  unlisten(listener: Listener): void {
    if (!listener.listening) return
    listener.listening = false
    this.promiscuous.delete(listener)
    this.leaveRoom(listener)
    this.leaveSession(listener)
  }

  private leaveRoom(listener: Listener) {
    if (listener.room === undefined) return
    const members = this.byRoom.get(listener.room)
    if (members === undefined) return
    members.delete(listener)
    if (members.size === 0) this.byRoom.delete(listener.room)
  }

  private leaveSession(listener: Listener) {
    if (listener.session !== undefined && this.bySession.get(listener.session) === listener) {
      this.bySession.delete(listener.session)
    }
  }

  private readonly answer = () => {
    this.scheduled = false
    // Woken subscribers listen again at once: take them all out first, then wake them.
    const woken: Array<Listener> = []
    const take = (listener: Listener) => {
      if (!listener.listening) return
      listener.listening = false
      woken.push(listener)
    }
    for (const listener of this.promiscuous) take(listener)
    this.promiscuous = new Set()
    if (this.all) {
      for (const members of this.byRoom.values()) for (const listener of members) take(listener)
      for (const listener of this.bySession.values()) take(listener)
      this.byRoom = new Map()
      this.bySession = new Map()
    } else {
      for (const room of this.rooms) {
        const members = this.byRoom.get(room)
        if (members === undefined) continue
        this.byRoom.delete(room)
        for (const listener of members) {
          take(listener)
          this.leaveSession(listener)
        }
      }
      for (const session of this.sessions) {
        const listener = this.bySession.get(session)
        if (listener === undefined) continue
        this.bySession.delete(session)
        take(listener)
        this.leaveRoom(listener)
      }
    }
    this.all = false
    if (this.rooms.size > 0) this.rooms = new Set()
    if (this.sessions.size > 0) this.sessions = new Set()
    for (const listener of woken) listener.wake()
  }
}
