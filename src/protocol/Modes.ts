import * as Schema from "effect/Schema"
import { globMatch } from "./Glob.js"
import { shownHost } from "./Names.js"

/**
 * A room's modes, with IRC's letters: `i` invite only, `k` a key, `l` a member limit, `m`
 * moderated (only operators and voiced members speak), `t` only operators set the topic, `s`
 * secret (hidden from those not in it), `n` no messages from outside (on unless taken off). `o` and `v`
 * give and take a member's operator status and voice; `b` and `q` add and take out a ban or a
 * quiet (a mask, see {@link normalizeMask}).
 */
export const ModeLetter = Schema.Literals(["i", "k", "l", "m", "t", "s", "n", "o", "v", "b", "q"])
export type ModeLetter = typeof ModeLetter.Type

/**
 * One change: `arg` is the key, the limit, the nickname or the mask; `session` the member an `o` or
 * `v` is for, once the hub knows it; a ban's `reason` and `expires` (ms since the epoch), and `kick`:
 * the members it matches are put out of the room.
 */
export const ModeChange = Schema.Struct({
  on: Schema.Boolean,
  mode: ModeLetter,
  arg: Schema.optional(Schema.String),
  session: Schema.optional(Schema.String),
  reason: Schema.optional(Schema.String),
  expires: Schema.optional(Schema.Number),
  kick: Schema.optional(Schema.Boolean)
})
export type ModeChange = typeof ModeChange.Type

export interface RoomModes {
  readonly invite: boolean
  readonly key: string | undefined
  readonly limit: number | undefined
  readonly moderated: boolean
  readonly topicLock: boolean
  readonly secret: boolean
  /** `-n`: those not in the room may send to it. */
  readonly external: boolean
}

/** {@link RoomModes} as JSON keeps them (no key and no limit left out): `{ ...noModes, ...kept }` is one again. */
export const KeptModes = Schema.Struct({
  invite: Schema.Boolean,
  key: Schema.optional(Schema.String),
  limit: Schema.optional(Schema.Number),
  moderated: Schema.Boolean,
  topicLock: Schema.Boolean,
  secret: Schema.Boolean,
  /** Kept since rooms were first written without it. */
  external: Schema.optional(Schema.Boolean)
})

export const noModes: RoomModes = {
  invite: false,
  key: undefined,
  limit: undefined,
  moderated: false,
  topicLock: false,
  secret: false,
  external: false
}

/** The most members a `+l` may name, and the longest key. */
export const maxLimit = 100_000
export const maxKeyLength = 23

/** What a client asked for, read: the changes, the letters hubbub has no mode for, and whether an argument was missing or invalid. */
export interface ParsedModes {
  readonly changes: ReadonlyArray<ModeChange>
  readonly unknown: ReadonlyArray<string>
  /** An argument missing, or a mask that is none. */
  readonly invalid: boolean
  /** A key that is no `validKey`, or a limit not from 1 to 100000 (`arg`: the limit, if IRC could show it, or `*`): IRC's 696. */
  readonly badParams: ReadonlyArray<{ readonly mode: ModeLetter; readonly arg: string }>
  /** Whether the client asked for the ban list (`b` without a mask), or the quiet list (`q`). */
  readonly banList: boolean
  readonly quietList: boolean
}

/** The most changes one command makes, as IRC's `MODES=` says; what is past them, and past `maxModeText` characters, is left out. */
export const maxChanges = 6
const maxModeText = 64

/** IRC's letters that take an argument and that hubbub does not have: their arguments are skipped, not given to the next letter. */
const foreignWithArgument: ReadonlySet<string> = new Set(["e", "I", "h", "a", "j", "f", "L"])

/**
 * Reads `+ik-m key` (as IRC's MODE writes it: a sign, letters, then the arguments in order).
 * `k` (`-k` too, as IRC clients send it), `l` (when set), `o` and `v` take an argument.
 */
export const parseModes = (change: string, args: ReadonlyArray<string>): ParsedModes => {
  const changes: Array<ModeChange> = []
  const unknown = new Set<string>()
  let on = true
  let next = 0
  let invalid = false
  const badParams: Array<{ mode: ModeLetter; arg: string }> = []
  let banList = false
  let quietList = false
  for (const letter of change.slice(0, maxModeText)) {
    if (letter === "+" || letter === "-") {
      on = letter === "+"
      continue
    }
    if ((letter === "b" || letter === "q") && args[next] === undefined) {
      if (letter === "b") banList = true
      else quietList = true
      continue
    }
    if (!isLetter(letter)) {
      if (foreignWithArgument.has(letter)) next++
      if (unknown.size < maxChanges) unknown.add(letter)
      continue
    }
    // IRC clients send the key with `-k`; it is not needed.
    if (letter === "k" && !on && args[next] !== undefined) next++
    const takesArg = letter === "o" || letter === "v" || letter === "b" || letter === "q" || (letter === "k" && on) || (letter === "l" && on)
    let arg: string | undefined
    if (takesArg) {
      arg = args[next++]
      if (letter === "l" && arg !== undefined && /^[0-9]{1,6}$/.test(arg) && Number(arg) >= 1 && Number(arg) <= maxLimit) arg = String(Number(arg))
      else if ((letter === "b" || letter === "q") && arg !== undefined && normalizeMask(arg) !== undefined) arg = normalizeMask(arg)
      else if (arg !== undefined && (letter === "l" || (letter === "k" && !validKey(arg)))) {
        if (badParams.length < maxChanges) badParams.push({ mode: letter, arg: letter === "l" && /^[!-9;-~][!-~]{0,15}$/.test(arg) ? arg : "*" })
        continue
      } else if (letter === "l" || letter === "b" || letter === "q" || arg === undefined || arg === "") {
        invalid = true
        continue
      }
    }
    if (changes.length < maxChanges) changes.push(arg === undefined ? { on, mode: letter } : { on, mode: letter, arg })
  }
  return { changes, unknown: Array.from(unknown), invalid, badParams, banList, quietList }
}

/** The longest mask a ban takes. */
export const maxMaskLength = 100

/**
 * A mask as a room keeps it: `~a:ACCOUNT` (an account, in lower case), or `nick!user@host` with `*`
 * and `?`, in lower case, its missing parts filled in (`bob` is `bob!*@*`, `*@10.0.0.1` is
 * `*!*@10.0.0.1`). `undefined` for one that is not a mask, or one that would match everyone
 * (`*`, `*!*@*`, and `*!*@hubbub`: the host everyone is shown): no part of it says whom it is for.
 */
export const normalizeMask = (mask: string): string | undefined => {
  const lower = mask.toLowerCase()
  if (lower.length === 0 || lower.length > maxMaskLength || /[\s,]/.test(lower)) return undefined
  if (lower.startsWith("~a:")) return /^~a:[a-z0-9_-]{1,24}$/.test(lower) ? lower : undefined
  const bang = lower.indexOf("!")
  const at = lower.lastIndexOf("@")
  const full = bang === -1 && at === -1
    ? `${lower}!*@*`
    : bang === -1
    ? `*!${lower}`
    : at === -1 || at < bang
    ? `${lower}@*`
    : lower
  const parts = /^([^!@]+)!([^!@]+)@([^!@]+)$/.exec(full)
  if (parts === null) return undefined
  const [nick, user, host] = parts.slice(1) as [string, string, string]
  const anyone = (part: string) => /^[*?.:]+$/.test(part)
  return anyone(nick) && anyone(user) && (anyone(host) || globMatch(host, shownHost)) ? undefined : full
}

const letters: ReadonlySet<string> = new Set(ModeLetter.literals)
const isLetter = (letter: string): letter is ModeLetter => letters.has(letter)

/** A key as a room keeps it: no spaces, commas or colons (IRC could not send it), at most `maxKeyLength` characters. */
export const validKey = (key: string): boolean => key.length <= maxKeyLength && /^[!-~]+$/.test(key) && !/[,:]/.test(key)

/** A room's modes after `changes` (those about members, `o` and `v`, change nothing here). */
export const applyModes = (modes: RoomModes, changes: ReadonlyArray<ModeChange>): RoomModes => {
  let next = modes
  for (const { arg, mode, on } of changes) {
    switch (mode) {
      case "i":
        next = { ...next, invite: on }
        break
      case "k":
        next = { ...next, key: on ? arg : undefined }
        break
      case "l":
        next = { ...next, limit: on ? Number(arg) : undefined }
        break
      case "m":
        next = { ...next, moderated: on }
        break
      case "t":
        next = { ...next, topicLock: on }
        break
      case "s":
        next = { ...next, secret: on }
        break
      case "n":
        next = { ...next, external: !on }
        break
    }
  }
  return next
}

/** As IRC's 324 shows them: `+iklmnst` and the key and limit, in that order. Keys are shown to members only. */
export const modeString = (modes: RoomModes, showKey: boolean): { readonly modes: string; readonly params: ReadonlyArray<string> } => {
  let letters = "+"
  const params: Array<string> = []
  if (modes.invite) letters += "i"
  if (modes.key !== undefined) {
    letters += "k"
    params.push(showKey ? modes.key : "*")
  }
  if (modes.limit !== undefined) {
    letters += "l"
    params.push(String(modes.limit))
  }
  if (modes.moderated) letters += "m"
  if (!modes.external) letters += "n"
  if (modes.secret) letters += "s"
  if (modes.topicLock) letters += "t"
  return { modes: letters, params }
}

/** Changes as a MODE line shows them: `+o-v alice bob`. */
export const changeString = (changes: ReadonlyArray<ModeChange>): string => {
  let letters = ""
  let sign = ""
  const args: Array<string> = []
  for (const change of changes) {
    const want = change.on ? "+" : "-"
    if (want !== sign) letters += sign = want
    letters += change.mode
    if (change.arg !== undefined) args.push(change.arg)
  }
  return [letters, ...args].join(" ")
}

/** Whether outsiders may not see into the room (its topic, its members): invite only, keyed or secret. */
export const closed = (modes: RoomModes): boolean => modes.invite || modes.key !== undefined || modes.secret

/** A ban (`b`: no joining, no speaking) or a quiet (`q`: no speaking) on a room: its mask, who set it and when, why, until when. */
export const Ban = Schema.Struct({
  mask: Schema.String,
  kind: Schema.Literals(["b", "q"]),
  by: Schema.String,
  at: Schema.Number,
  reason: Schema.optional(Schema.String),
  expires: Schema.optional(Schema.Number)
})
export type Ban = typeof Ban.Type

/** The most bans and quiets a room keeps (IRC's `478` past them). */
export const maxBans = 100

/**
 * A registered room (`/room register`, IRC's `ChanServ REGISTER`): its founder's account, the
 * accounts it lists as operators, the modes and bans it keeps while nobody is in it, and the
 * accounts it invited (each until it joins).
 */
export const Registration = Schema.Struct({
  /** As it was registered (its case kept). */
  room: Schema.String,
  founder: Schema.String,
  /** When it was registered, in milliseconds since the epoch. */
  at: Schema.Number,
  operators: Schema.Array(Schema.String),
  modes: KeptModes,
  bans: Schema.Array(Ban),
  /** Kept since schema 4's first rooms were written without it. */
  invited: Schema.optional(Schema.Array(Schema.String))
})
export type Registration = typeof Registration.Type

/** The most rooms one account founds, and the most accounts a room lists as its operators (or keeps invitations for). */
export const maxFounded = 20
export const maxListed = 50
