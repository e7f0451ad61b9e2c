import type * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Scheduler from "effect/Scheduler"
import { nextTurnPriority } from "../internal/NextTurn.js"

/** Rounds of follow-up work one turn may run before Node's event loop polls sockets again. */
const maxRounds = 16

/**
 * Effect's scheduler, with the work a turn of Node's event loop starts
 * finished in that turn. Effect's default (`MixedScheduler`) runs each
 * fiber's resumptions in a `setImmediate` of its own, so work that wakes
 * another fiber (a read that publishes, a hub pass that fills outboxes, a
 * flush) waits for the next turn, a poll of every socket included, at each
 * step. Here every fiber shares one queue, run in rounds until it is empty
 * or `maxRounds` have run (then the rest waits for the next turn, so
 * sockets are still polled between any fiber's yields). Priorities order
 * a round's tasks as Effect's own scheduler orders them, except that a task
 * of `nextTurnPriority` waits for the next turn whatever the rounds.
 */
export class TurnScheduler implements Scheduler.Scheduler {
  readonly executionMode = "async" as const
  private tasks: Array<readonly [priority: number, tasks: Array<() => void>]> = []
  // Tasks for the next turn (`nextTurnPriority`), in the order they came.
  private later: Array<() => void> = []
  private pending = false
  private running = false
  // Node's next turn, as Effect's default scheduler reaches it.
  private readonly nextTurn = new Scheduler.MixedScheduler().makeDispatcher()
  private readonly dispatcher: Scheduler.SchedulerDispatcher = {
    scheduleTask: (task, priority) => this.schedule(task, priority),
    // Runs everything queued, every fiber's, now (Effect calls it to finish work synchronously).
    flush: () => {
      while (this.tasks.length > 0 || this.later.length > 0) {
        this.takeLater()
        while (this.tasks.length > 0) this.round()
      }
    }
  }

  shouldYield(fiber: Fiber.Fiber<unknown, unknown>): boolean {
    return fiber.currentOpCount >= fiber.cache.maxOpsBeforeYield
  }

  makeDispatcher(): Scheduler.SchedulerDispatcher {
    return this.dispatcher
  }

  private schedule(task: () => void, priority: number): void {
    if (priority === nextTurnPriority) {
      this.later.push(task)
      this.wake()
      return
    }
    const tasks = this.tasks
    let i = 0
    while (i < tasks.length && tasks[i][0] < priority) i++
    if (i < tasks.length && tasks[i][0] === priority) tasks[i][1].push(task)
    else tasks.splice(i, 0, [priority, [task]])
    if (!this.running) this.wake()
  }

  /** Runs a turn in Node's next, unless one is coming. */
  private wake(): void {
    if (this.pending) return
    this.pending = true
    this.nextTurn.scheduleTask(this.turn, 0)
  }

  /** What waited for this turn joins it, after what is queued. */
  private takeLater(): void {
    const later = this.later
    if (later.length === 0) return
    this.later = []
    const last = this.tasks[this.tasks.length - 1]
    if (last !== undefined && last[0] === nextTurnPriority) last[1].push(...later)
    else this.tasks.push([nextTurnPriority, later])
  }

  private readonly turn = () => {
    this.pending = false
    this.running = true
    this.takeLater()
    try {
      for (let rounds = 0; rounds < maxRounds && this.tasks.length > 0; rounds++) this.round()
    } finally {
      this.running = false
      if (this.tasks.length > 0 || this.later.length > 0) this.wake()
    }
  }

  private round(): void {
    const buckets = this.tasks
    this.tasks = []
    for (let b = 0; b < buckets.length; b++) {
      const tasks = buckets[b][1]
      for (let t = 0; t < tasks.length; t++) {
        try {
          tasks[t]()
        } catch (error) {
          // The queue is every fiber's: what this round has not run yet goes back first, then the error goes on.
          const rest: Array<readonly [number, Array<() => void>]> = [[buckets[b][0], tasks.slice(t + 1)], ...buckets.slice(b + 1)]
          for (const [priority, later] of this.tasks) rest.push([priority, later])
          this.tasks = []
          for (const [priority, left] of rest) for (const task of left) this.schedule(task, priority)
          throw error
        }
      }
    }
  }

  /** A fresh `TurnScheduler` as Effect's `Scheduler`, for every fiber of what it is provided to. */
  static readonly layer = Layer.sync(Scheduler.Scheduler, () => new TurnScheduler())
}
