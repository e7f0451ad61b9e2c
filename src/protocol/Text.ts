// eslint-disable-next-line no-control-regex
const controls = /\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[PX^_][^\x1b]*(?:\x1b\\)?|[ -/]*[0-~]?)|[\x00-\x08\x0a-\x1f\x7f-\x9f\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g

// Every character `controls` can start a match with (ESC is among the C0 controls): one class, a quick scan.
// eslint-disable-next-line no-control-regex
const suspect = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/

/**
 * Removes what could act on a terminal or disguise text: escape sequences
 * (CSI, OSC, DCS, ...) as a whole, C0 controls except TAB, DEL, C1 controls,
 * line and paragraph separators, bidirectional marks, overrides and isolates,
 * and invisible characters (zero-width space, word joiner, BOM). Zero-width
 * (non-)joiners stay: emoji sequences and several scripts need them.
 */
export const sanitize = (text: string): string => suspect.test(text) ? text.replace(controls, "") : text

/** `text` in at most `bytes` UTF-8 bytes, cut between characters. */
export const cut = (text: string, bytes: number): string => {
  if (Buffer.byteLength(text, "utf8") <= bytes) return text
  let out = ""
  let size = 0
  for (const char of text) {
    size += Buffer.byteLength(char, "utf8")
    if (size > bytes) break
    out += char
  }
  return out
}
