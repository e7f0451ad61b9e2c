import * as Effect from "effect/Effect"

/**
 * The scheduling priority of a task that waits for the event loop's next
 * turn, after it has polled every socket. hubbub's `TurnScheduler` keeps such
 * a task out of the rounds of the turn it was scheduled in; Effect's own
 * scheduler runs every task in a later turn anyway.
 */
export const nextTurnPriority = 1_000_000

/**
 * Yields until the event loop has turned: for long work off the messages' way
 * (a store's write), done a slice at a time so that no slice holds up chat.
 */
export const nextTurn: Effect.Effect<void> = Effect.yieldNowWith(nextTurnPriority)
