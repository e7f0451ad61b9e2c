import { Deferred, Duration, Effect, Exit } from "effect"
import type { Recipient } from "../../src/hub/Hub.js"
import type { Envelope, Event } from "../../src/protocol/Event.js"
import { renderText } from "../../src/wire/TextCodec.js"

const lineOf = (envelope: Envelope) => {
  const rendered = renderText(envelope.event)
  return typeof rendered === "string" ? rendered.trimEnd() : `[${rendered.length} bytes]`
}

/**
 * A recipient that keeps what the hub hands it: every call's events, and
 * their lines as the text protocol shows them (none for what it does not show, as a session's `Receiver` sends none). `until` waits (a bounded
 * time, on the real clock) for a line that matches.
 */
export class Probe implements Recipient {
  readonly calls: Array<ReadonlyArray<Envelope>> = []
  readonly lines: Array<string> = []
  private read = 0
  private waiters: Array<readonly [() => boolean, Deferred.Deferred<void>]> = []

  deliver(events: ReadonlyArray<Envelope>): void {
    this.calls.push(events)
    for (const envelope of events) {
      const line = lineOf(envelope)
      if (line !== "") this.lines.push(line)
    }
    // Taken out before any is resumed: a resumed waiter runs at once and may wait again.
    const ready = this.waiters.filter(([test]) => test())
    this.waiters = this.waiters.filter((waiter) => !ready.includes(waiter))
    for (const [, done] of ready) Deferred.doneUnsafe(done, Exit.void)
  }

  /** The lines handed over since the last `take`. */
  take(): Array<string> {
    const out = this.lines.slice(this.read)
    this.read = this.lines.length
    return out
  }

  /** Waits until a line handed over so far matches (at most `within`). */
  until(match: string | RegExp, within: Duration.Input = "2 seconds"): Effect.Effect<void> {
    const test = typeof match === "string" ? (l: string) => l === match : (l: string) => match.test(l)
    return this.wait(() => this.lines.some(test), within, () => `no line ${String(match)}; got:\n${this.lines.join("\n")}`)
  }

  /** The events handed over so far. */
  get events(): Array<Event> {
    return this.calls.flat().map((envelope) => envelope.event)
  }

  /** Waits until an event handed over so far passes `test` (at most `within`). */
  untilEvent(test: (event: Event) => boolean, within: Duration.Input = "2 seconds"): Effect.Effect<void> {
    return this.wait(() => this.events.some(test), within, () => `no such event; got:\n${JSON.stringify(this.events)}`)
  }

  private wait(ready: () => boolean, within: Duration.Input, missing: () => string): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (ready()) return Effect.void
      const done = Deferred.makeUnsafe<void>()
      this.waiters.push([ready, done])
      return Deferred.await(done).pipe(
        Effect.timeoutOrElse({ duration: within, orElse: () => Effect.die(new Error(missing())) })
      )
    })
  }
}
