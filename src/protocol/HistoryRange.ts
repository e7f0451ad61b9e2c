/**
 * Which of a room's past messages: those from `from` to `to` (milliseconds since the epoch, both
 * included), at most `limit` of them, the newest of them (`newest`) or the oldest.
 */
export interface LineRange {
  readonly from: number
  readonly to: number
  readonly limit: number
  readonly newest: boolean
}

/** The most messages one `CHATHISTORY` (or `/history`) gives: IRC's `CHATHISTORY` token. */
export const maxHistory = 100

/** Every message there is, up to `limit`. */
export const everything = (limit: number): LineRange => ({ from: 0, to: Number.MAX_SAFE_INTEGER, limit, newest: true })

/** Lines in time order; lines of one millisecond keep the order they came in. */
export const byTime = <L extends { readonly at: number }>(lines: Array<L>): Array<L> => lines.sort((a, b) => a.at - b.at)

/** What `range` takes of `lines` (oldest first), oldest first. */
export const inRange = <L extends { readonly at: number }>(lines: ReadonlyArray<L>, range: LineRange): Array<L> => {
  if (range.limit <= 0) return []
  const within = lines.filter((line) => line.at >= range.from && line.at <= range.to)
  return range.newest ? within.slice(-range.limit) : within.slice(0, range.limit)
}

/**
 * Two accounts of a room's history (what a hub keeps and what a store kept, which may hold the
 * same messages) as one, in time order, each message once (by its id, or what it says and when).
 */
export const merged = <L extends { readonly at: number; readonly from: string; readonly text: string; readonly id?: string | undefined }>(
  a: ReadonlyArray<L>,
  b: ReadonlyArray<L>,
  range: LineRange
): Array<L> => {
  const seen = new Set<string>()
  const all: Array<L> = []
  for (const line of [...a, ...b]) {
    const key = line.id ?? `${line.at} ${line.from} ${line.text}`
    if (seen.has(key)) continue
    seen.add(key)
    all.push(line)
  }
  return inRange(byTime(all), range)
}
