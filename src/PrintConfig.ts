import { settings, type Values } from "./Flags.js"

/**
 * A URL's password, masked (`redis://:****@host`, `?password=****`), for what is printed; a value
 * that looks like a URL with a password but is none is masked whole.
 */
const masked = (value: string): string => {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value
  try {
    const url = new URL(value)
    if (url.password !== "") url.password = "****"
    for (const key of [...url.searchParams.keys()]) if (/pass|secret|token/i.test(key)) url.searchParams.set(key, "****")
    return url.toString()
  } catch {
    return value.includes("@") || /pass|secret|token/i.test(value) ? "****" : value
  }
}

/** The settings in effect as a configuration file: every one, the unset commented out. */
export const printed = (values: Values, level: string): string => {
  const lines = ["# hubbub's settings in effect (hubbub --print-config); passwords are masked", `log-level = "${level}"`]
  for (const [key, setting] of Object.entries(settings)) {
    if (key === "config" || key === "printConfig") continue
    const value = (values as Record<string, unknown>)[key]
    const name = setting.name.slice(2)
    if (value === undefined) lines.push(`# ${name} =`)
    else if (typeof value === "string") lines.push(`${name} = ${JSON.stringify(masked(value))}`)
    else lines.push(`${name} = ${String(value)}`)
  }
  return lines.join("\n")
}
