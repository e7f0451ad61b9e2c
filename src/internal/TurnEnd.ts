/**
 * The priority of a yield that waits for the rest of its turn's work (`Effect.yieldNowWith`):
 * the flusher's, so that what a turn of the event loop appends to outboxes is written once.
 * `TurnScheduler` runs such a task only once no other task is queued (or the turn's last round
 * has come); Effect's own scheduler runs it last in its batch.
 */
export const turnEnd = 1 << 30
