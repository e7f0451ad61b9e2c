import type { Ban } from "../protocol/Modes.js"
import { globMatch } from "../protocol/Glob.js"
import { shownHost } from "../protocol/Names.js"
import { plainAddress } from "../protocol/ServerMask.js"

/**
 * Whom a room's bans and quiets are for. A member is known to them as `nick!nick@host`, in lower
 * case (the user name of its prefix is its nickname; its host is its real address, which nobody
 * is shown), as `nick!~user@host` too when IRC's `USER` gave another (`alt`: what `WHO` shows,
 * and so what an IRC client's own `/ban` writes), and by its account (`~a:ACCOUNT`).
 */
export interface Identity {
  readonly full: string
  readonly alt?: string
  readonly account: string | undefined
}

export const identity = (nick: string, host: string | undefined, account: string | undefined, user?: string): Identity => {
  const at = `@${host === undefined ? shownHost : plainAddress(host)}`
  const full = `${nick}!${nick}${at}`.toLowerCase()
  const alt = user === undefined || user === nick ? undefined : `${nick}!${user}${at}`.toLowerCase()
  return alt === undefined ? { full, account: account?.toLowerCase() } : { full, alt, account: account?.toLowerCase() }
}

/** An identity as the Redis scripts take it: its forms, space-separated. */
export const identityArg = (who: Identity | undefined): string =>
  who === undefined ? "" : who.alt === undefined ? who.full : `${who.full} ${who.alt}`

const matchesForm = (mask: string, form: string) =>
  globMatch(mask, form) || globMatch(mask, form.slice(0, form.lastIndexOf("@") + 1) + shownHost)

/**
 * Whether a mask (as `normalizeMask` keeps it) is for this member: by its real address, or by the
 * one IRC clients are shown (`shownHost`), which is what their own `/ban nick` writes (`*!bob@hubbub`).
 */
export const maskMatches = (mask: string, who: Identity): boolean =>
  mask.startsWith("~a:")
    ? who.account !== undefined && mask.slice(3) === who.account
    : matchesForm(mask, who.full) || (who.alt !== undefined && matchesForm(mask, who.alt))

/** Whether a ban of `kind` (a quiet: `q`; a ban: `b`), not yet expired at `now`, is for this member. */
export const bannedBy = (bans: ReadonlyArray<Ban>, kind: Ban["kind"], who: Identity, now: number): boolean =>
  bans.some((ban) => ban.kind === kind && (ban.expires === undefined || ban.expires > now) && maskMatches(ban.mask, who))
