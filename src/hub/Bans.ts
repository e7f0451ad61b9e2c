import type { Ban } from "../protocol/Modes.js"
import { globMatch } from "../protocol/Glob.js"
import { shownHost } from "../protocol/Names.js"
import { plainAddress } from "../protocol/ServerMask.js"

/**
 * Whom a room's bans and quiets are for. A member is known to them as `nick!user@host`, in lower
 * case (its user name is its nickname: hubbub keeps no other yet; its host is its real address,
 * which nobody is shown), and by its account (`~a:ACCOUNT`).
 */
export interface Identity {
  readonly full: string
  readonly account: string | undefined
}

export const identity = (nick: string, host: string | undefined, account: string | undefined): Identity => ({
  full: `${nick}!${nick}@${host === undefined ? shownHost : plainAddress(host)}`.toLowerCase(),
  account: account?.toLowerCase()
})

/**
 * Whether a mask (as `normalizeMask` keeps it) is for this member: by its real address, or by the
 * one IRC clients are shown (`shownHost`), which is what their own `/ban nick` writes (`*!bob@hubbub`).
 */
export const maskMatches = (mask: string, who: Identity): boolean =>
  mask.startsWith("~a:")
    ? who.account !== undefined && mask.slice(3) === who.account
    : globMatch(mask, who.full) || globMatch(mask, who.full.slice(0, who.full.lastIndexOf("@") + 1) + shownHost)

/** Whether a ban of `kind` (a quiet: `q`; a ban: `b`), not yet expired at `now`, is for this member. */
export const bannedBy = (bans: ReadonlyArray<Ban>, kind: Ban["kind"], who: Identity, now: number): boolean =>
  bans.some((ban) => ban.kind === kind && (ban.expires === undefined || ban.expires > now) && maskMatches(ban.mask, who))
