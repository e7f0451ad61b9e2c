import type { Envelope } from "../protocol/Event.js"

interface Facts {
  senders: string | Set<string> | undefined
  special: boolean
}

/**
 * What a run of a room's events holds that IRC may leave out for some of its
 * members (their own messages, quits, renames, aways), found once per run for all
 * of them: a room's members are handed one array.
 */
export class RunFacts {
  private readonly known = new WeakMap<ReadonlyArray<Envelope>, Facts>()
  private lastRun: ReadonlyArray<Envelope> | undefined = undefined
  private lastFacts: Facts | undefined = undefined

  /** Whether the run has anything that `self` might not be shown. */
  concern(events: ReadonlyArray<Envelope>, self: string): boolean {
    // Its members are handed a run one after another: the last one answers most lookups.
    let facts = events === this.lastRun ? this.lastFacts : this.known.get(events)
    if (facts === undefined) {
      facts = { senders: undefined, special: false }
      for (const { event } of events) {
        if (event._tag === "Chat" || event._tag === "Action" || event._tag === "Tagged") {
          const session = event.session
          if (session === undefined || session === facts.senders) continue
          if (facts.senders === undefined) facts.senders = session
          else if (typeof facts.senders === "string") facts.senders = new Set([facts.senders, session])
          else facts.senders.add(session)
        } else if ((event._tag === "Left" && event.quit) || event._tag === "Renamed" || event._tag === "MemberChanged" || event._tag === "InviteNoted") {
          facts.special = true
        }
      }
      this.known.set(events, facts)
    }
    this.lastRun = events
    this.lastFacts = facts
    const senders = facts.senders
    return facts.special || senders === self || (typeof senders === "object" && senders.has(self))
  }
}
