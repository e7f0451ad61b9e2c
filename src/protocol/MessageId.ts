import { randomBytes } from "node:crypto"

/** 64 digits in the order of their character codes: ids of one width sort as their numbers do. */
const digits = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
const value = new Map([...digits].map((digit, i) => [digit, i]))

/** Digits of the time at the start of an id: 7 of 64 hold milliseconds until the year 2109. */
const timeDigits = 7

const encode = (n: number, width = 0): string => {
  let out = ""
  do {
    out = digits[n % 64] + out
    n = Math.floor(n / 64)
  } while (n > 0)
  return out.padStart(width, "-")
}

/**
 * Message ids (IRCv3's `msgid`): when the message was made (7 digits of milliseconds, so ids made
 * later sort later), this listener's mark (4 random digits: unique in a cluster and across
 * restarts, with the time), then a count. What a client names to page through history, the same
 * on every server; short, as every tagged line carries one.
 */
export class MessageIds {
  private count = 0

  constructor(private readonly mark: string = encode(randomBytes(3).readUIntBE(0, 3), 4)) {}

  next(now: number): string {
    return encode(now, timeDigits) + this.mark + encode(++this.count)
  }
}

const ours = /^[-0-9A-Za-z_]{9,32}$/

/** When the message an id names was made, in milliseconds since the epoch; `undefined` for no id of ours. */
export const timeOfId = (id: string): number | undefined => {
  if (!ours.test(id)) return undefined
  let at = 0
  for (let i = 0; i < timeDigits; i++) at = at * 64 + value.get(id[i]!)!
  return at
}
