import { shownHost } from "../protocol/Names.js"
import { cut } from "../protocol/Text.js"

/** The longest line either way, CRLF included (RFC 1459). */
export const ircLineBytes = 512

/** Every user's prefix: hubbub shows no addresses. */
export const prefix = (nick: string) => `:${nick}!${nick}@${shownHost}`

export const byteLength = (text: string) => Buffer.byteLength(text, "utf8")

/**
 * `head` + text + CRLF, as many lines as keep each within 512 bytes (a
 * text-protocol line may be longer than an IRC client takes), split between
 * characters, never inside one.
 */
export const lines = (head: string, text: string, wrap: (part: string) => string = (part) => part): string => {
  // No UTF-16 unit takes more than 3 bytes in UTF-8: most lines fit without counting.
  if ((head.length + text.length + 9) * 3 <= ircLineBytes - 2) return `${head}${wrap(text)}\r\n`
  const room = ircLineBytes - 2 - byteLength(head) - byteLength(wrap(""))
  if (byteLength(text) <= room) return `${head}${wrap(text)}\r\n`
  let out = ""
  let part = ""
  let size = 0
  for (const char of text) {
    const bytes = byteLength(char)
    if (size + bytes > room) {
      out += `${head}${wrap(part)}\r\n`
      part = ""
      size = 0
    }
    part += char
    size += bytes
  }
  return part === "" ? out : out + `${head}${wrap(part)}\r\n`
}

export const action = (text: string) => `\x01ACTION ${text}\x01`

/** `head` + text + CRLF in one line of at most 512 bytes: text that does not fit is cut. */
export const one = (head: string, text: string): string => `${head}${cut(text, ircLineBytes - 2 - byteLength(head))}\r\n`
