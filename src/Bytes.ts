/** `chunks` in one buffer (`size`: their total length, when the caller knows it). */
export const concat = (chunks: ReadonlyArray<Uint8Array>, size?: number): Uint8Array => {
  if (size === undefined) {
    size = 0
    for (const chunk of chunks) size += chunk.length
  }
  // From Node's shared slab when small, like `Buffer.concat`.
  const out = Buffer.allocUnsafe(size)
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.length
  }
  return out
}
