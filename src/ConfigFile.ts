import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import { StartupError, unreadable } from "./Configure.js"

/** One setting the file gives: its value as text (a string's unquoted), and where. */
export interface FileValue {
  readonly text: string
  readonly where: string
}

/**
 * A configuration file: TOML's `key = value` lines (the keys are the flags' names, `port`,
 * `irc-port`, ...), `#` comments, strings in double quotes, numbers and `true`/`false`. Tables
 * (`[section]`) are not used: every setting is at the top. What it holds is checked by each
 * setting's own schema, later; here only its shape, each mistake one line naming the file's line.
 */
export const parseConfig = (text: string, file: string, known: ReadonlySet<string>): Map<string, FileValue> | string => {
  const values = new Map<string, FileValue>()
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const where = `${file}:${i + 1}`
    const line = withoutComment(lines[i]!).trim()
    if (line === "") continue
    if (line.startsWith("[")) return `${where}: tables (${line}) are not used: every setting is a key at the top`
    const equals = line.indexOf("=")
    if (equals === -1) return `${where}: expected key = value`
    const key = line.slice(0, equals).trim()
    if (!known.has(key)) return `${where}: unknown setting ${key} (a setting is a flag's name without its --)`
    if (values.has(key)) return `${where}: ${key} is set twice (first at line ${values.get(key)!.where.slice(file.length + 1)})`
    const value = valueOf(line.slice(equals + 1).trim())
    if (value === undefined) return `${where}: ${key}: expected a "string" (in double quotes), a number in digits, true or false`
    values.set(key, { text: value, where })
  }
  return values
}

/** The line without a `#` comment (one outside a string). */
const withoutComment = (line: string): string => {
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const char = line[i]
    if (char === "\\" && quoted) i++
    else if (char === '"') quoted = !quoted
    else if (char === "#" && !quoted) return line.slice(0, i)
  }
  return line
}

/** A value's text: a string unquoted (`\"`, `\\`, `\n`, `\t` read), a number or a boolean as written. */
const valueOf = (raw: string): string | undefined => {
  if (/^(true|false)$/.test(raw) || /^[-+]?\d[\d_]*(\.\d+)?$/.test(raw)) return raw.replaceAll("_", "")
  if (!raw.startsWith('"') || !raw.endsWith('"') || raw.length < 2) return undefined
  let out = ""
  const inner = raw.slice(1, -1)
  for (let i = 0; i < inner.length; i++) {
    const char = inner[i]!
    if (char === '"') return undefined
    if (char !== "\\") {
      out += char
      continue
    }
    const next = inner[++i]
    const escaped = next === "n" ? "\n" : next === "t" ? "\t" : next === '"' || next === "\\" ? next : undefined
    if (escaped === undefined) return undefined
    out += escaped
  }
  return out
}

/** The file `--config` names, read and parsed: an unreadable file, or a mistake in it, is one line. */
export const readConfig = Effect.fnUntraced(function*(file: string, known: ReadonlySet<string>) {
  const fs = yield* FileSystem.FileSystem
  const text = yield* fs.readFileString(file).pipe(Effect.mapError(unreadable("--config", file)))
  const parsed = parseConfig(text, file, known)
  if (typeof parsed === "string") return yield* new StartupError({ message: parsed, usage: true })
  return parsed
})
