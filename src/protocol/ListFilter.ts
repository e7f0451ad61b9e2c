import { globMatch } from "./Glob.js"

/**
 * Which rooms a `LIST` asks for (IRC's `ELIST` tokens `M`, `N` and `U`): a comma list of rooms and
 * masks (`#a`, `#dev*`; a room is shown when it matches one), `!MASK` for rooms it does not
 * match, and `>N` or `<N` for rooms with more or fewer members (each must hold). Case is ignored;
 * the first 20 terms are read, each up to 64 characters.
 */
const maxTerms = 20

export const listFilter = (filter: string): ((room: string, members: number) => boolean) => {
  const names: Array<string> = []
  const not: Array<string> = []
  let more = -1
  let fewer = Infinity
  for (const term of filter.toLowerCase().split(",", maxTerms).map((t) => t.trim().slice(0, 64)).filter((t) => t !== "")) {
    const count = /^([<>])(\d{1,9})$/.exec(term)
    if (count !== null) {
      if (count[1] === ">") more = Math.max(more, Number(count[2]))
      else fewer = Math.min(fewer, Number(count[2]))
    } else if (term.startsWith("!")) {
      not.push(term.slice(1))
    } else {
      names.push(term)
    }
  }
  return (room, members) => {
    const key = room.toLowerCase()
    return members > more && members < fewer &&
      (names.length === 0 || names.some((mask) => globMatch(mask, key))) &&
      !not.some((mask) => globMatch(mask, key))
  }
}
