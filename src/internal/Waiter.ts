import * as Deferred from "effect/Deferred"
import type * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"

/**
 * Something a fiber may wait for, told from plain code (a socket's event,
 * a hub's delivery pass) when it happens. Every wait since the last `done`
 * resumes together, and it may be waited for again; nothing is allocated
 * until someone waits.
 */
export class Waiter {
  private deferred: Deferred.Deferred<void> | undefined = undefined

  /**
   * Waits for the next `done` after this is read. Read it in the same step
   * as the check that found the thing not done yet (inside that check's
   * `Effect.suspend`), so that no `done` can come between the two.
   */
  get wait(): Effect.Effect<void> {
    return Deferred.await(this.deferred ??= Deferred.makeUnsafe<void>())
  }

  /** Resumes whoever waits now (none: nothing to do). */
  done(): void {
    const deferred = this.deferred
    if (deferred === undefined) return
    // Cleared first: a waiter resumes inside `doneUnsafe` and may wait again.
    this.deferred = undefined
    Deferred.doneUnsafe(deferred, Exit.void)
  }
}
