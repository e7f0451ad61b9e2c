import type { Ban, ModeChange, RoomModes } from "../protocol/Modes.js"
import { Lobby, type Nick, nickKey, type Room, type SessionId } from "../protocol/Names.js"
import { identity, type Identity } from "./Bans.js"
import { globMatch } from "../protocol/Glob.js"
import type { RoomTopic, TopicSetter } from "../protocol/Topic.js"
import { type Refusal, RoomState } from "./RoomState.js"

export { type Refusal } from "./RoomState.js"
import type { JoinSeed, Member, RoomInfo, Roster } from "./Hub.js"

interface SessionState {
  nick: Nick
  /** Its rooms; an array, as most sessions are in one. */
  rooms: Array<Room>
  /** Its address (bans may match it; nobody is shown it), and the account it is identified as. */
  host: string | undefined
  account: string | undefined
  /** The user name IRC's `USER` gave, if any. */
  user: string | undefined
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
  private readonly rooms = new Map<Room, RoomState>([[Lobby, new RoomState(0)]])
  private readonly who = (session: SessionId): Identity | undefined => {
    const state = this.sessions.get(session)
    return state === undefined ? undefined : identity(state.nick, state.host, state.account, state.user)
  }

  /**
   * `now`: the time, in milliseconds since the epoch (bans run out). `named`: told of each nickname
   * a session takes (`before` none when it registers) or frees (`after` none when it is removed).
   */
  constructor(
    private readonly now: () => number,
    private readonly named?: (session: SessionId, before: Nick | undefined, after: Nick | undefined) => void
  ) {}

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
      this.sessions.set(session, { nick, rooms: [], host: undefined, account: undefined, user: undefined })
      this.byNick.set(nickKey(nick), session)
      this.named?.(session, undefined, nick)
      return undefined
    }
    const previous = state.nick
    this.byNick.delete(nickKey(previous))
    this.byNick.set(nickKey(nick), session)
    state.nick = nick
    this.resilence(session)
    this.named?.(session, previous, nick)
    return previous
  }

  /** Where a session connects from, and the account it is identified as: what bans may match besides its nickname. */
  describe(session: SessionId, about: { readonly host?: string | undefined; readonly account?: string | undefined; readonly user?: string }): void {
    const state = this.sessions.get(session)
    if (state === undefined) return
    if ("host" in about) state.host = about.host
    if ("account" in about) state.account = about.account
    if (about.user !== undefined) state.user = about.user
    this.resilence(session)
  }

  /** Who a session is to bans. */
  identityOf(session: SessionId): Identity | undefined {
    return this.who(session)
  }

  private resilence(session: SessionId): void {
    for (const room of this.roomsOf(session)) this.rooms.get(room)?.silence(this.who, this.now(), session)
  }

  /** Every registered session and its nickname. */
  *registered(): Iterable<readonly [SessionId, Nick]> {
    for (const [session, state] of this.sessions) yield [session, state.nick]
  }

  /**
   * Why `room` would not take `session` now (`undefined`: it would); see `RoomState.admits`. A room
   * not made yet is as its `seed` would make it; one of a registered room's operators gets in.
   */
  admits(session: SessionId, room: Room, key: string | undefined, seed?: JoinSeed): Refusal | undefined {
    if (seed?.operator) return undefined
    const state = this.rooms.get(room) ?? (seed === undefined ? undefined : RoomState.seeded(0, seed))
    const who = this.who(session)
    return state === undefined || who === undefined ? undefined : state.admits(session, who, key, this.now(), seed?.invited)
  }

  /**
   * Puts a session in a room, false when it was already there. A new room's creator is its operator
   * (`#lobby` has none); a registered room's (`seed`) are those it names, whenever they join.
   */
  enter(session: SessionId, room: Room, created = 0, seed?: JoinSeed): boolean {
    const state = this.sessions.get(session)!
    if (state.rooms.includes(room)) return false
    let roomState = this.rooms.get(room)
    if (roomState === undefined) {
      roomState = seed === undefined ? new RoomState(created) : RoomState.seeded(created, seed)
      if (seed === undefined) roomState.operators.add(session)
      this.rooms.set(room, roomState)
    }
    if (seed?.operator) roomState.operators.add(session)
    roomState.members.add(session)
    // An array of its size (`concat`): a spread gives a member's one room space for sixteen more.
    state.rooms = state.rooms.concat([room])
    roomState.silence(this.who, this.now(), session)
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

  /** Whether a member may speak (`RoomState.speaks`): a lookup, asked for every line. */
  speaks(session: SessionId, room: Room): boolean {
    const state = this.rooms.get(room)
    return state === undefined || state.speaks(session, this.who, this.now)
  }

  modes(room: Room): RoomModes | undefined {
    return this.rooms.get(room)?.modes
  }

  /** Applies changes to a room (`RoomState.change`), `by` the nickname making them; returns those applied. */
  change(room: Room, changes: ReadonlyArray<ModeChange>, by = ""): ReadonlyArray<ModeChange> {
    const state = this.rooms.get(room)
    if (state === undefined) return []
    const applied = state.change(changes, by, this.now())
    if (applied.some((change) => change.mode === "b" || change.mode === "q")) state.silence(this.who, this.now())
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

  /** Sets a room's modes, and (when given) its bans, as another server said. */
  setModes(room: Room, modes: RoomModes, bans?: ReadonlyArray<Ban>): void {
    const state = this.rooms.get(room)
    if (state === undefined) return
    state.modes = modes
    if (bans === undefined) return
    state.bans = bans
    state.silence(this.who, this.now())
  }

  invite(room: Room, session: SessionId): void {
    this.rooms.get(room)?.invite(session)
  }

  /** A room's bans or quiets that have not run out. */
  bans(room: Room, kind: Ban["kind"]): ReadonlyArray<Ban> {
    return this.rooms.get(room)?.listed(kind, this.now()) ?? []
  }

  /** The members of a room (of this process) a mask is for. */
  matching(room: Room, mask: string): ReadonlyArray<SessionId> {
    return this.rooms.get(room)?.matching(mask, this.who) ?? []
  }

  /** Takes a session out of a room; empty rooms other than the lobby disappear. */
  exit(session: SessionId, room: Room): void {
    const state = this.sessions.get(session)
    if (state !== undefined) state.rooms = state.rooms.filter((r) => r !== room)
    const roomState = this.rooms.get(room)
    if (roomState === undefined) return
    roomState.exit(session)
    if (roomState.members.size === 0 && room !== Lobby) this.rooms.delete(room)
  }

  /** Forgets a session and frees its nickname; returns it as it was. */
  remove(session: SessionId): { readonly nick: Nick; readonly rooms: ReadonlyArray<Room> } | undefined {
    const state = this.sessions.get(session)
    if (state === undefined) return undefined
    this.sessions.delete(session)
    this.byNick.delete(nickKey(state.nick))
    this.named?.(session, state.nick, undefined)
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

  /** Its topic with who set it, when known. */
  topicOf(room: Room): RoomTopic | undefined {
    return this.rooms.get(room)?.topicNow()
  }

  /** Sets or clears (`undefined`) a room's topic; who set it goes with it (none when unknown). */
  setTopic(room: Room, topic: string | undefined, setter?: TopicSetter): void {
    this.rooms.get(room)?.setTopic(topic, setter)
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
      created: state.created,
      bans: [...state.listed("b", this.now()), ...state.listed("q", this.now())]
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

  /** How many sessions have a nickname, and how many rooms there are. */
  census(): { readonly users: number; readonly rooms: number } {
    return { users: this.sessions.size, rooms: this.rooms.size }
  }

  list(): ReadonlyArray<RoomInfo> {
    const now = this.now()
    return Array.from(this.rooms, ([room, state]) => ({
      room,
      members: state.members.size,
      topic: state.topic,
      modes: state.modes,
      bans: [...state.listed("b", now), ...state.listed("q", now)]
    }))
      .sort((a, b) => a.room.localeCompare(b.room))
  }
}
