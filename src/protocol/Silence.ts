import * as Schema from "effect/Schema"
import { normalizeMask } from "./Modes.js"

/** Masks a session may silence at once (IRC's `SILENCE=` in `005`). */
export const maxSilenced = 15

/** A change to a silence list: `+MASK` (or `MASK`) adds it, `-MASK` takes it out. */
export const SilenceChange = Schema.Struct({ on: Schema.Boolean, mask: Schema.String })
export type SilenceChange = typeof SilenceChange.Type

/**
 * The changes a `SILENCE` or `/silence` argument asks for (`+spam*,-~a:troll`), each mask as
 * bans keep it (`spam*!*@*`), or `undefined` for one that is not a mask, is everyone, or names a
 * host (a sender's address is its own server's to know: such a mask would never match).
 */
export const silenceChanges = (text: string): ReadonlyArray<SilenceChange> | undefined => {
  const changes: Array<SilenceChange> = []
  for (const part of text.split(",").slice(0, maxSilenced)) {
    const on = !part.startsWith("-")
    const mask = normalizeMask(part.replace(/^[-+]/, ""))
    if (mask === undefined || (!mask.startsWith("~a:") && !mask.endsWith("@*"))) return undefined
    changes.push({ on, mask })
  }
  return changes
}
