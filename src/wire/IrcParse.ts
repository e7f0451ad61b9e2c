import * as Schema from "effect/Schema"
import { normalizeRoom, Room } from "../protocol/Names.js"
import { sanitize } from "../protocol/Text.js"

/** One IRC line: its command (upper case) and parameters, the trailing one included; its tags (without the `@`), if any. A prefix is read past. */
export interface IrcMessage {
  readonly command: string
  readonly params: ReadonlyArray<string>
  readonly tags?: string
}

/** Parses a line (RFC 1459 / 2812, with IRCv3 message tags); `undefined` for a blank one. */
export const parseIrc = (line: string): IrcMessage | undefined => {
  const n = line.length
  let at = skipSpaces(line, 0)
  let tags: string | undefined = undefined
  if (line.charCodeAt(at) === 64) {
    const end = wordEnd(line, at)
    tags = line.slice(at + 1, end)
    at = skipSpaces(line, end)
  }
  if (line.charCodeAt(at) === 58) at = skipSpaces(line, wordEnd(line, at))
  let end = wordEnd(line, at)
  const command = line.slice(at, end).toUpperCase()
  if (command === "") return undefined
  const params: Array<string> = []
  at = skipSpaces(line, end)
  while (at < n) {
    if (line.charCodeAt(at) === 58) {
      params.push(line.slice(at + 1))
      break
    }
    end = wordEnd(line, at)
    params.push(line.slice(at, end))
    at = skipSpaces(line, end)
  }
  return tags === undefined ? { command, params } : { command, params, tags }
}

const skipSpaces = (line: string, at: number): number => {
  while (line.charCodeAt(at) === 32) at++
  return at
}

const wordEnd = (line: string, at: number): number => {
  const end = line.indexOf(" ", at)
  return end === -1 ? line.length : end
}

/** A parameter that names something (a nickname, channels, a mask): its first word, even when sent as a trailing one. */
export const nameIn = (param: string): string => {
  const trimmed = param.trim()
  const space = trimmed.indexOf(" ")
  return space === -1 ? trimmed : trimmed.slice(0, space)
}

const isRoom = Schema.is(Room)

/** A channel name as hubbub's room, or `undefined` when it cannot be one (IRC channels need their `#`). */
export const roomOf = (name: string): Room | undefined => {
  if (!name.startsWith("#")) return undefined
  const room = normalizeRoom(name)
  return isRoom(room) ? room : undefined
}

// mIRC colours (`\x03` and up to two numbers) and hex colours (`\x04` and up to two of six digits):
// the numbers would be left as text once the control character is gone.
const colours = /\x03(?:\d{1,2}(?:,\d{1,2})?)?|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?/g

/** IRC text as hubbub keeps it: colours and formatting taken out, then sanitized like any client's. */
export const clean = (text: string) =>
  sanitize(text.includes("\x03") || text.includes("\x04") ? text.replace(colours, "") : text)
