import * as Schema from "effect/Schema"

/** The most nicknames one session watches (IRC's `MONITOR=100`). */
export const maxMonitored = 100

/**
 * IRC's MONITOR (IRCv3 monitor), as a session is answered and told: watched nicknames that are
 * `online` (730, each as its holder spells it), `offline` (731), the session's whole `list` (732,
 * then 733), or those that did not fit in it (`full`, 734, as the client named them).
 */
export const Monitored = Schema.TaggedStruct("Monitored", {
  what: Schema.Literals(["online", "offline", "list", "full"]),
  nicks: Schema.Array(Schema.String)
})
export type Monitored = typeof Monitored.Type
