import { randomBytes } from "node:crypto"

/** Digits of the time at the start of an id: base 36 milliseconds fill 9 until the year 5188. */
const timeDigits = 9

/**
 * Message ids (IRCv3's `msgid`): when the message was made (base 36 milliseconds, 9 digits, so ids
 * made later sort later), this process's mark (random: unique in a cluster and across restarts),
 * then a count. What a client names to page through history, the same on every server.
 */
export class MessageIds {
  private count = 0

  constructor(private readonly mark: string = randomBytes(4).readUInt32BE(0).toString(36).padStart(7, "0")) {}

  next(now: number): string {
    return now.toString(36).padStart(timeDigits, "0") + this.mark + (++this.count).toString(36)
  }
}

/** When the message an id names was made, in milliseconds since the epoch; `undefined` for no id of ours. */
export const timeOfId = (id: string): number | undefined => {
  if (!/^[0-9a-z]{10,40}$/.test(id)) return undefined
  const at = parseInt(id.slice(0, timeDigits), 36)
  return Number.isSafeInteger(at) ? at : undefined
}
