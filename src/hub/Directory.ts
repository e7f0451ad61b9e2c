import { applyModes, type ModeChange, noModes, type RoomModes, validKey } from "../protocol/Modes.js"
import { Lobby, type Nick, nickKey, type Room, type SessionId } from "../protocol/Names.js"
import { globMatch } from "./Glob.js"
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
  modes: RoomModes
  /** Members with operator status (its creator first), and with a voice. */
  readonly operators: Set<SessionId>
  readonly voiced: Set<SessionId>
  /** The sessions invited in, until they join (at most `maxInvited`, the oldest let go first). */
  readonly invited: Set<SessionId>
  readonly created: number
}

const newRoom = (created: number): RoomState => ({
  members: new Set(),
  topic: undefined,
  modes: noModes,
  operators: new Set(),
  voiced: new Set(),
  invited: new Set(),
  created
})

/** Why a room would not take a session: `invite`, `key` or `full`. */
export type Refusal = "invite" | "key" | "full"

const rosterNames = 100

/** The most invitations a room keeps. */
export const maxInvited = 100

/**
 * Who is who and where, for one process: registered sessions and their
 * nicknames (unique ignoring case), rooms with their members and topics.
 * Plain state, no effects: the memory hub publishes what changes.
 * `#lobby` always exists; any other room exists while someone is in it.
 */
export class Directory {
  private readonly sessions = new Map<SessionId, SessionState>()
  private readonly byNick = new Map<string, SessionId>()
  private readonly rooms = new Map<Room, RoomState>([[Lobby, newRoom(0)]])

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

  /**
   * Why `room` would not take `session` now (`undefined`: it would). An invitation lets it past
   * every mode, and is used up.
   */
  admits(session: SessionId, room: Room, key: string | undefined): Refusal | undefined {
    const state = this.rooms.get(room)
    const nick = this.sessions.get(session)?.nick
    if (state === undefined || nick === undefined || state.members.has(session)) return undefined
    if (state.invited.delete(session)) return undefined
    const { modes } = state
    if (modes.invite) return "invite"
    if (modes.key !== undefined && key !== modes.key) return "key"
    if (modes.limit !== undefined && state.members.size >= modes.limit) return "full"
    return undefined
  }

  /** Puts a session in a room (a new room's creator is its operator, `#lobby` has none); false when it was already there. */
  enter(session: SessionId, room: Room, now = 0): boolean {
    const state = this.sessions.get(session)!
    if (state.rooms.includes(room)) return false
    let roomState = this.rooms.get(room)
    if (roomState === undefined) {
      roomState = newRoom(now)
      roomState.operators.add(session)
      this.rooms.set(room, roomState)
    }
    roomState.members.add(session)
    state.rooms = [...state.rooms, room]
    return true
  }

  /** This process's sessions in a room. */
  membersOf(room: Room): ReadonlyArray<SessionId> {
    return Array.from(this.rooms.get(room)?.members ?? [])
  }

  isOperator(session: SessionId, room: Room): boolean {
    return this.rooms.get(room)?.operators.has(session) === true
  }

  isVoiced(session: SessionId, room: Room): boolean {
    return this.rooms.get(room)?.voiced.has(session) === true
  }

  /** Whether a member may speak: not in a moderated room without operator status or a voice. */
  speaks(session: SessionId, room: Room): boolean {
    const state = this.rooms.get(room)
    return state === undefined || !state.modes.moderated || state.operators.has(session) || state.voiced.has(session)
  }

  modes(room: Room): RoomModes | undefined {
    return this.rooms.get(room)?.modes
  }

  /**
   * Applies changes to a room, leaving out those that change nothing and keys that are not valid:
   * returns those applied. An `o` or `v` is for the member its `session` names.
   */
  change(room: Room, changes: ReadonlyArray<ModeChange>): ReadonlyArray<ModeChange> {
    const state = this.rooms.get(room)
    if (state === undefined) return []
    const applied: Array<ModeChange> = []
    for (const change of changes) {
      if (change.mode === "o" || change.mode === "v") {
        const set = change.mode === "o" ? state.operators : state.voiced
        const target = change.session
        if (target === undefined || !state.members.has(target) || set.has(target) === change.on) continue
        if (change.on) set.add(target)
        else set.delete(target)
        applied.push(change)
        continue
      }
      if (change.mode === "k" && change.on && (change.arg === undefined || !validKey(change.arg))) continue
      const next = applyModes(state.modes, [change])
      if (sameModes(next, state.modes)) continue
      state.modes = next
      applied.push(change.mode === "k" && !change.on ? { on: false, mode: "k", arg: "*" } : change)
    }
    return applied
  }

  /** Makes a session (not) an operator or voiced in a room, as another server said. */
  status(session: SessionId, room: Room, mode: "o" | "v", on: boolean): void {
    const state = this.rooms.get(room)
    if (state === undefined || !state.members.has(session)) return
    const set = mode === "o" ? state.operators : state.voiced
    if (on) set.add(session)
    else set.delete(session)
  }

  /** Sets a room's modes, as another server said. */
  setModes(room: Room, modes: RoomModes): void {
    const state = this.rooms.get(room)
    if (state !== undefined) state.modes = modes
  }

  invite(room: Room, session: SessionId): void {
    const invited = this.rooms.get(room)?.invited
    if (invited === undefined) return
    if (invited.size >= maxInvited) invited.delete(invited.values().next().value!)
    invited.add(session)
  }

  /** Takes a session out of a room; empty rooms other than the lobby disappear. */
  exit(session: SessionId, room: Room): void {
    const state = this.sessions.get(session)
    if (state !== undefined) state.rooms = state.rooms.filter((r) => r !== room)
    const roomState = this.rooms.get(room)
    if (roomState === undefined) return
    roomState.members.delete(session)
    roomState.operators.delete(session)
    roomState.voiced.delete(session)
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
    const nicksOf = (ids: Set<SessionId>) => Array.from(ids, (id) => this.sessions.get(id)?.nick).filter((n) => n !== undefined)
    return {
      room,
      count: state.members.size,
      nicks,
      operators: nicksOf(state.operators),
      voiced: nicksOf(state.voiced),
      modes: state.modes,
      created: state.created
    }
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
    return Array.from(this.rooms, ([room, state]) => ({ room, members: state.members.size, topic: state.topic, modes: state.modes }))
      .sort((a, b) => a.room.localeCompare(b.room))
  }
}

const sameModes = (a: RoomModes, b: RoomModes): boolean =>
  a.invite === b.invite && a.key === b.key && a.limit === b.limit && a.moderated === b.moderated &&
  a.topicLock === b.topicLock && a.secret === b.secret
