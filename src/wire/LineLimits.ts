import type { Format, LineLimits } from "./Codec.js"

/** The limits of a listener speaking `format` on a server whose lines may be `maxLineBytes`. */
export const lineLimits = (format: Pick<Format, "maxLineBytes" | "frameBytes">, maxLineBytes: number): LineLimits => {
  const lineBytes = format.maxLineBytes ?? maxLineBytes
  return { lineBytes, frameBytes: format.frameBytes?.(lineBytes) ?? lineBytes }
}
