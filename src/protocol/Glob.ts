/**
 * Whether `text` matches `mask` (`*` any run, `?` any one character), in
 * time linear in their lengths: a mask is peer input, and a backtracking
 * match of `*a*a*a...` could hold the event loop.
 */
export const globMatch = (mask: string, text: string): boolean => {
  let m = 0
  let t = 0
  let star = -1
  let resume = 0
  while (t < text.length) {
    if (m < mask.length && (mask[m] === "?" || mask[m] === text[t])) {
      m++
      t++
    } else if (m < mask.length && mask[m] === "*") {
      star = m++
      resume = t
    } else if (star !== -1) {
      m = star + 1
      t = ++resume
    } else {
      return false
    }
  }
  while (m < mask.length && mask[m] === "*") m++
  return m === mask.length
}
