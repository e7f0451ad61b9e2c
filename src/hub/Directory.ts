import { Lobby, type Nick, nickKey, type Room, type SessionId } from "../protocol/Names.js"
import type { Member, RoomInfo, Roster } from "./Hub.js"

interface SessionState {
  nick: Nick
  /** Its rooms; an array, as most sessions are in one. */
  rooms: Array<Room>
}

interface RoomState {
  /** In the order they joined. */
  readonly members: Set<SessionId>
  topic: string | undefined
  /** Who created it; its operator while it is in it. */
  readonly creator: SessionId | undefined
}

const rosterNames = 100

/**
 * Who is who and where, for one process: registered sessions and their
 * nicknames (unique ignoring case), rooms with their members and topics.
 * Plain state, no effects: the memory hub publishes what changes.
 * `#lobby` always exists; any other room exists while someone is in it.
 */
export class Directory {
  private readonly sessions = new Map<SessionId, SessionState>()
  private readonly byNick = new Map<string, SessionId>()
  private readonly rooms = new Map<Room, RoomState>([[Lobby, { members: new Set(), topic: undefined, creator: undefined }]])

  /** The session registered under `nick` (ignoring case), if any. */
  owner(nick: string): SessionId | undefined {
    return this.byNick.get(nickKey(nick))
  }

  nickOf(session: SessionId): Nick | undefined {
    return this.sessions.get(session)?.nick
  }

  roomsOf(session: SessionId): ReadonlyArray<Room> {
    const state = this.sessions.get(session)
    return state === undefined ? [] : state.rooms
  }

  member(session: SessionId): Member | undefined {
    const state = this.sessions.get(session)
    return state === undefined ? undefined : { session, nick: state.nick }
  }

  /** Registers or renames; returns the previous nickname (`undefined` when new), or `false` when taken. */
  claim(session: SessionId, nick: Nick): Nick | undefined | false {
    const owner = this.byNick.get(nickKey(nick))
    if (owner !== undefined && owner !== session) return false
    const state = this.sessions.get(session)
    if (state === undefined) {
      this.sessions.set(session, { nick, rooms: [] })
      this.byNick.set(nickKey(nick), session)
      return undefined
    }
    const previous = state.nick
    this.byNick.delete(nickKey(previous))
    this.byNick.set(nickKey(nick), session)
    state.nick = nick
    return previous
  }

  /** Every registered session and its nickname. */
  *registered(): Iterable<readonly [SessionId, Nick]> {
    for (const [session, state] of this.sessions) yield [session, state.nick]
  }

  /** Puts a session in a room; false when it was already there. */
  enter(session: SessionId, room: Room): boolean {
    const state = this.sessions.get(session)!
    if (state.rooms.includes(room)) return false
    let roomState = this.rooms.get(room)
    if (roomState === undefined) {
      roomState = { members: new Set(), topic: undefined, creator: session }
      this.rooms.set(room, roomState)
    }
    roomState.members.add(session)
    state.rooms = [...state.rooms, room]
    return true
  }

  /** Takes a session out of a room; empty rooms other than the lobby disappear. */
  exit(session: SessionId, room: Room): void {
    const state = this.sessions.get(session)
    if (state !== undefined) state.rooms = state.rooms.filter((r) => r !== room)
    const roomState = this.rooms.get(room)
    if (roomState === undefined) return
    roomState.members.delete(session)
    if (roomState.members.size === 0 && room !== Lobby) this.rooms.delete(room)
  }

  /** Forgets a session and frees its nickname; returns it as it was. */
  remove(session: SessionId): { readonly nick: Nick; readonly rooms: ReadonlyArray<Room> } | undefined {
    const state = this.sessions.get(session)
    if (state === undefined) return undefined
    this.sessions.delete(session)
    this.byNick.delete(nickKey(state.nick))
    return { nick: state.nick, rooms: state.rooms }
  }

  has(room: Room): boolean {
    return this.rooms.has(room)
  }

  size(room: Room): number {
    return this.rooms.get(room)?.members.size ?? 0
  }

  topic(room: Room): string | undefined {
    return this.rooms.get(room)?.topic
  }

  setTopic(room: Room, topic: string | undefined): void {
    const state = this.rooms.get(room)
    if (state !== undefined) state.topic = topic
  }

  roster(room: Room): Roster | undefined {
    const state = this.rooms.get(room)
    if (state === undefined) return undefined
    const nicks: Array<Nick> = []
    for (const id of state.members) {
      if (nicks.length === rosterNames) break
      nicks.push(this.sessions.get(id)!.nick)
    }
    if (state.members.size <= rosterNames) nicks.sort((a, b) => a.localeCompare(b))
    const creator = state.creator === undefined || !state.members.has(state.creator)
      ? undefined
      : this.sessions.get(state.creator)?.nick
    return { room, count: state.members.size, nicks, operators: creator === undefined ? [] : [creator] }
  }

  match(mask: string, limit: number): ReadonlyArray<Member> {
    const lower = mask.toLowerCase()
    const found: Array<Member> = []
    for (const [session, state] of this.sessions) {
      if (found.length === limit) break
      if (globMatch(lower, nickKey(state.nick))) found.push({ session, nick: state.nick })
    }
    return found
  }

  list(): ReadonlyArray<RoomInfo> {
    return Array.from(this.rooms, ([room, state]) => ({ room, members: state.members.size, topic: state.topic }))
      .sort((a, b) => a.room.localeCompare(b.room))
  }
}

/**
 * Whether `text` matches `mask` (`*` any run, `?` any one character), in
 * time linear in their lengths: a mask is peer input, and a backtracking
 * match of `*a*a*a...` could hold the event loop.
 */
export const globMatch = (mask: string, text: string): boolean => {
  let m = 0
  let t = 0
  let star = -1
  let resume = 0
  while (t < text.length) {
    if (m < mask.length && (mask[m] === "?" || mask[m] === text[t])) {
      m++
      t++
    } else if (m < mask.length && mask[m] === "*") {
      star = m++
      resume = t
    } else if (star !== -1) {
      m = star + 1
      t = ++resume
    } else {
      return false
    }
  }
  while (m < mask.length && mask[m] === "*") m++
  return m === mask.length
}
