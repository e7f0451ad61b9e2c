import type { Event } from "../../protocol/Event.js"
import type { HistoryEntry } from "../../protocol/Reply.js"

/**
 * How events travel between the servers of a cluster: a message on a Redis
 * channel is a batch, `{"at": <ms>, "events": [...]}`, the events as the hub
 * has them (plain JSON) except that a session of this server, `s1`, is named
 * `<node>/s1`, so that every server can tell whose it is.
 */
export interface Batch {
  readonly at: number
  /** Its sender's name for it (`<node>:<n>`), when the sender may have shown it already. */
  readonly id?: string
  readonly events: ReadonlyArray<Event>
}

export class RedisWire {
  private readonly own: string

  constructor(readonly node: string) {
    this.own = node + "/"
  }

  /** A session's name in the cluster. */
  global(session: string): string {
    return session.includes("/") ? session : this.own + session
  }

  /** A session's name here: its id when it is one of ours, its cluster name when not. */
  local(session: string): string {
    return session.startsWith(this.own) ? session.slice(this.own.length) : session
  }

  /** The server a session (by either name) is on. */
  nodeOf(session: string): string {
    const slash = session.lastIndexOf("/")
    return slash === -1 ? this.node : session.slice(0, slash)
  }

  encode(events: ReadonlyArray<Event>, at: number, id?: string): string {
    const global = events.map((event) => this.rename(event, (s) => this.global(s)))
    return JSON.stringify(id === undefined ? { at, events: global } : { at, id, events: global })
  }

  decode(payload: string): Batch {
    const batch = JSON.parse(payload) as Batch
    const events = batch.events.map((event) => this.rename(event, (s) => this.local(s)))
    return batch.id === undefined ? { at: batch.at, events } : { at: batch.at, id: batch.id, events }
  }

  private rename(event: Event, name: (session: string) => string): Event {
    switch (event._tag) {
      case "Chat":
      case "Action":
        return event.session === undefined ? event : { ...event, session: name(event.session) }
      case "Joined":
      case "Left":
        return { ...event, session: name(event.session) }
      case "Private":
      case "Answer":
      case "Invited":
        return { ...event, to: name(event.to) }
      case "ModeChanged":
        return { ...event, changes: event.changes.map((change) => change.session === undefined ? change : { ...change, session: name(change.session) }) }
      case "Renamed":
        return event.clash === undefined ? event : { ...event, clash: name(event.clash) }
      case "Notice":
      case "Closing":
        return event.to === undefined ? event : { ...event, to: name(event.to) }
      default:
        return event
    }
  }
}

/** A message as a room's history keeps it. */
export const historyEntry = (event: Event, at: number): string | undefined =>
  event._tag === "Chat"
    ? JSON.stringify({ at, from: event.from, text: event.text, id: event.id })
    : event._tag === "Action"
    ? JSON.stringify({ at, from: event.from, text: event.text, action: true, id: event.id })
    : undefined

/** `XREVRANGE`'s answer (newest entry first, each a batch's messages) as the last `size` messages, oldest first. */
export const historyOf = (
  entries: ReadonlyArray<readonly [string, ReadonlyArray<string>]>,
  size: number
): ReadonlyArray<HistoryEntry> => {
  const out: Array<HistoryEntry> = []
  for (let i = entries.length - 1; i >= 0; i--) {
    const fields = entries[i][1]
    for (let f = 1; f < fields.length; f += 2) {
      try {
        out.push(JSON.parse(fields[f]) as HistoryEntry)
      } catch {
        // not an entry of ours: nothing to show
      }
    }
  }
  return out.length > size ? out.slice(-size) : out
}
