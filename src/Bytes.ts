/** `chunks` in one buffer (`size`: their total length, when the caller knows it). */
export const concat = (chunks: ReadonlyArray<Uint8Array>, size?: number): Uint8Array => {
  if (size === undefined) {
    size = 0
    for (const chunk of chunks) size += chunk.length
  }
  const out = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.length
  }
  return out
}
