import { applyModes, type Ban, maxBans, type ModeChange, noModes, type RoomModes, validKey } from "../protocol/Modes.js"
import type { SessionId } from "../protocol/Names.js"
import type { RoomTopic, TopicSetter } from "../protocol/Topic.js"
import { bannedBy, type Identity, maskMatches } from "./Bans.js"
import type { JoinSeed } from "./Hub.js"

/** Why a room would not take a session: `invite`, `key`, `full` or `banned`. */
export type Refusal = "invite" | "key" | "full" | "banned"

/** The most invitations a room keeps. */
export const maxInvited = 100

/**
 * One room as one process keeps it: its members (those of this process, for a hub spanning
 * several), topic and modes, who operates it and who has a voice, whom it invited, its bans and
 * quiets, and which members they silence. Plain state: the hub says who is who (`who`) and what
 * time it is.
 */
export class RoomState {
  /** In the order they joined. */
  readonly members = new Set<SessionId>()
  topic: string | undefined = undefined
  /** Who set the topic and when, when known (a topic a store kept from before may come without). */
  topicSetter: TopicSetter | undefined = undefined
  modes: RoomModes = noModes
  /** Members with operator status (its creator first), and with a voice. */
  readonly operators = new Set<SessionId>()
  readonly voiced = new Set<SessionId>()
  /** The sessions invited in, until they join (at most `maxInvited`, the oldest let go first). */
  readonly invited = new Set<SessionId>()
  bans: ReadonlyArray<Ban> = []
  /** Members a ban or a quiet is for: they do not speak (unless they operate the room, or have a voice). */
  readonly silenced = new Set<SessionId>()

  constructor(readonly created: number) {}

  /** A registered room as it is made again: with the modes and bans it keeps. */
  static seeded(created: number, seed: Pick<JoinSeed, "modes" | "bans">): RoomState {
    const state = new RoomState(created)
    state.modes = seed.modes
    state.bans = seed.bans
    return state
  }

  /** Sets (or with `undefined` clears) the topic, and who set it with it. */
  setTopic(topic: string | undefined, setter: TopicSetter | undefined): void {
    this.topic = topic
    this.topicSetter = topic === undefined ? undefined : setter
  }

  /** The topic with who set it, when there is one. */
  topicNow(): RoomTopic | undefined {
    return this.topic === undefined ? undefined : { text: this.topic, setter: this.topicSetter }
  }

  /** Why the room would not take `session` now (`undefined`: it would). An invitation lets it past every mode but a ban, and is used up. */
  admits(session: SessionId, who: Identity, key: string | undefined, now: number, invited = false): Refusal | undefined {
    if (this.members.has(session)) return undefined
    if (bannedBy(this.bans, "b", who, now)) return "banned"
    if (this.invited.delete(session) || invited) return undefined
    if (this.modes.invite) return "invite"
    if (this.modes.key !== undefined && key !== this.modes.key) return "key"
    if (this.modes.limit !== undefined && this.members.size >= this.modes.limit) return "full"
    return undefined
  }

  /** Whether a member may speak: operators and voiced members always; others when the room is not moderated and no ban or quiet is for them. */
  speaks(session: SessionId, who: (session: SessionId) => Identity | undefined, now: () => number): boolean {
    if (this.operators.has(session) || this.voiced.has(session)) return true
    if (this.modes.moderated) return false
    if (!this.silenced.has(session)) return true
    // Silenced: unless what silenced it ran out meanwhile.
    const identity = who(session)
    if (identity !== undefined && (bannedBy(this.bans, "b", identity, now()) || bannedBy(this.bans, "q", identity, now()))) return false
    this.silenced.delete(session)
    return true
  }

  /** Works out again whom the bans and quiets silence (all members, or one). */
  silence(who: (session: SessionId) => Identity | undefined, now: number, only?: SessionId): void {
    for (const session of only === undefined ? this.members : [only]) {
      const identity = who(session)
      if (identity !== undefined && (bannedBy(this.bans, "b", identity, now) || bannedBy(this.bans, "q", identity, now))) this.silenced.add(session)
      else this.silenced.delete(session)
    }
  }

  /** The members a mask is for. */
  matching(mask: string, who: (session: SessionId) => Identity | undefined): ReadonlyArray<SessionId> {
    return Array.from(this.members).filter((session) => {
      const identity = who(session)
      return identity !== undefined && maskMatches(mask, identity)
    })
  }

  /**
   * Applies changes, leaving out those that change nothing, keys that are not valid and bans past
   * `maxBans`: returns those applied. An `o` or `v` is for the member its `session` names; a `b` or
   * `q` is set by `by` at `now`.
   */
  change(changes: ReadonlyArray<ModeChange>, by: string, now: number): ReadonlyArray<ModeChange> {
    const applied: Array<ModeChange> = []
    for (const change of changes) {
      if (change.mode === "o" || change.mode === "v") {
        const set = change.mode === "o" ? this.operators : this.voiced
        const target = change.session
        if (target === undefined || !this.members.has(target) || set.has(target) === change.on) continue
        if (change.on) set.add(target)
        else set.delete(target)
        applied.push(change)
      } else if (change.mode === "b" || change.mode === "q") {
        if (this.ban(change, by, now)) applied.push(change)
      } else {
        if (change.mode === "k" && change.on && (change.arg === undefined || !validKey(change.arg))) continue
        const next = applyModes(this.modes, [change])
        if (sameModes(next, this.modes)) continue
        this.modes = next
        applied.push(change.mode === "k" && !change.on ? { on: false, mode: "k", arg: "*" } : change)
      }
    }
    return applied
  }

  /** Adds or takes out a ban or a quiet; whether that changed anything. */
  ban(change: ModeChange, by: string, at: number): boolean {
    const kind = change.mode as Ban["kind"]
    const mask = change.arg ?? ""
    const present = this.bans.some((ban) => ban.kind === kind && ban.mask === mask)
    if (!change.on) {
      if (present) this.bans = this.bans.filter((ban) => !(ban.kind === kind && ban.mask === mask))
      return present
    }
    const live = this.bans.filter((ban) => ban.expires === undefined || ban.expires > at)
    if (present || live.length >= maxBans) return false
    const added: Ban = {
      mask,
      kind,
      by,
      at,
      ...(change.reason === undefined ? {} : { reason: change.reason }),
      ...(change.expires === undefined ? {} : { expires: change.expires })
    }
    this.bans = [...live, added]
    return true
  }

  /** Its bans (`b`) or quiets (`q`) that have not run out. */
  listed(kind: Ban["kind"], now: number): ReadonlyArray<Ban> {
    return this.bans.filter((ban) => ban.kind === kind && (ban.expires === undefined || ban.expires > now))
  }

  invite(session: SessionId): void {
    if (this.invited.size >= maxInvited) this.invited.delete(this.invited.values().next().value!)
    this.invited.add(session)
  }

  /** Takes a member out. */
  exit(session: SessionId): void {
    this.members.delete(session)
    this.operators.delete(session)
    this.voiced.delete(session)
    this.silenced.delete(session)
  }
}

const sameModes = (a: RoomModes, b: RoomModes): boolean =>
  a.invite === b.invite && a.key === b.key && a.limit === b.limit && a.moderated === b.moderated &&
  a.topicLock === b.topicLock && a.secret === b.secret && a.external === b.external
