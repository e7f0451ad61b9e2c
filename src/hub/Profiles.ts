import { nickKey, type Room, type SessionId } from "../protocol/Names.js"
import { type Departed, maxDeparted, type Profile } from "../protocol/Profile.js"
import type { Directory } from "./Directory.js"
import type { Described, Member, Whois } from "./Hub.js"

/**
 * What this server's sessions tell of themselves (`WHOIS`, `WHO`): set when one registers, changed
 * as it goes away and comes back and as it identifies, and gone with it. Each hub keeps its own
 * sessions' here; the Redis hub also writes them where the other servers read them.
 */
export class Profiles {
  private readonly kept = new Map<SessionId, Profile>()
  private readonly accounts = new Map<SessionId, string>()
  private readonly departed: Array<Departed> = []

  constructor(private readonly directory: Directory) {}

  /** A session's profile, with its account; what it is now. */
  describe(session: SessionId, profile: Omit<Profile, "account">): Profile {
    // Bans may name the user name too, as IRC clients see it.
    if (profile.user !== this.kept.get(session)?.user) this.directory.describe(session, { user: profile.user })
    const account = this.accounts.get(session)
    const whole = account === undefined ? profile : { ...profile, account }
    this.kept.set(session, whole)
    return whole
  }

  /** A session identified (or logged out): its profile, if it has one, now says so. */
  identified(session: SessionId, account: string | undefined): Profile | undefined {
    if (account === undefined) this.accounts.delete(session)
    else this.accounts.set(session, account)
    const profile = this.kept.get(session)
    if (profile === undefined) return undefined
    const { account: _, ...rest } = profile
    return this.describe(session, rest)
  }

  get(session: SessionId): Profile | undefined {
    return this.kept.get(session)
  }

  /** What a session's `Joined` says of it besides its nickname (IRC's `extended-join`): its account and real name. */
  joining(session: SessionId): { readonly account?: string; readonly realName?: string } {
    const profile = this.kept.get(session)
    const account = this.accounts.get(session)
    return {
      ...(account === undefined ? {} : { account }),
      ...(profile === undefined ? {} : { realName: profile.realName })
    }
  }

  /** A session left (at `at`): what it was is remembered a while, for `WHOWAS`. */
  left(session: SessionId, at: number): Departed | undefined {
    const departed = this.remember(session, this.directory.nickOf(session), at)
    this.kept.delete(session)
    this.accounts.delete(session)
    return departed
  }

  /** A session gave up `previous` for another nickname: remembered as a departure from it, for `WHOWAS`. */
  renamed(session: SessionId, previous: string, at: number): Departed | undefined {
    return this.remember(session, previous, at)
  }

  private remember(session: SessionId, nick: string | undefined, at: number): Departed | undefined {
    const profile = this.kept.get(session)
    if (profile === undefined || nick === undefined) return undefined
    const departed = { nick, user: profile.user, realName: profile.realName, server: profile.server, at }
    this.departed.unshift(departed)
    if (this.departed.length > maxDeparted) this.departed.pop()
    return departed
  }

  /** Those who had `nick` lately, the latest first. */
  whowas(nick: string): ReadonlyArray<Departed> {
    const key = nickKey(nick)
    return this.departed.filter((d) => nickKey(d.nick) === key)
  }

  /** Every session's profile: to put back where Redis lost them. */
  all(): IterableIterator<[SessionId, Profile]> {
    return this.kept.entries()
  }

  /** A member, with why it is away. */
  member(member: Member | undefined): Member | undefined {
    const profile = member === undefined ? undefined : this.kept.get(member.session)
    return profile === undefined ? member : withProfile(member!, profile)
  }

  described(nicks: ReadonlyArray<string>): ReadonlyArray<Described> {
    return nicks.flatMap((nick) => {
      const session = this.directory.owner(nick)
      const member = session === undefined ? undefined : this.directory.member(session)
      return member === undefined ? [] : [{ ...member, profile: this.kept.get(member.session) }]
    })
  }

  whois(nick: string): Whois | undefined {
    const [found] = this.described([nick])
    if (found === undefined) return undefined
    const rooms = [...this.directory.roomsOf(found.session)].sort((a, b) => a.localeCompare(b)).map((room: Room) =>
      [
        room,
        this.directory.isOperator(found.session, room) ? "@" : this.directory.isVoiced(found.session, room) ? "+" : "",
        this.directory.modes(room)?.secret === true
      ] as const
    )
    return { ...found, rooms }
  }
}

/** A private message's target with what its profile says of it: why it is away, whom it accepts. */
export const withProfile = (member: Member, profile: { readonly away?: string | undefined; readonly accepts?: ReadonlyArray<string> | undefined }): Member =>
  profile.away === undefined && profile.accepts === undefined
    ? member
    : {
      ...member,
      ...(profile.away === undefined ? {} : { away: profile.away }),
      ...(profile.accepts === undefined ? {} : { accepts: profile.accepts })
    }
