import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as Schedule from "effect/Schedule"
import * as Fs from "node:fs"
import { PerformanceObserver } from "node:perf_hooks"

const pauses = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]

const residentMemory = Metric.gauge("process_resident_memory_bytes", { description: "Resident memory of the process, in bytes" })
const heapUsed = Metric.gauge("nodejs_heap_used_bytes", { description: "JavaScript heap in use, in bytes" })
const openFds = Metric.gauge("process_open_fds", { description: "Open file descriptors (sockets included); Linux only" })
const gcPause = Metric.histogram("nodejs_gc_pause_seconds", { description: "Garbage collection pauses, in seconds", boundaries: pauses })
const loopDelay = Metric.histogram("nodejs_eventloop_delay_seconds", {
  description: "How late a timer due every 500 ms ran: the event loop's delay, in seconds",
  boundaries: pauses
})

/** How often the event loop's delay is sampled. */
const every = Duration.millis(500)
/** Pauses kept between two reads at most: a collector that never stops is not remembered without end. */
const maxPending = 10_000

/**
 * The process's own metrics: memory, open file descriptors, garbage collection pauses and the event
 * loop's delay, as Prometheus names them. Sampling starts now, for as long as the scope is open;
 * what it gives is the effect that brings the metrics up to date (run before they are read).
 */
export const processMetrics = Effect.gen(function*() {
  const pending: Array<number> = []
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (pending.length < maxPending) pending.push(entry.duration / 1000)
  })
  yield* Effect.acquireRelease(Effect.sync(() => observer.observe({ entryTypes: ["gc"] })), () => Effect.sync(() => observer.disconnect()))

  const delays: Array<number> = []
  yield* Effect.suspend(() => {
    const due = performance.now() + Duration.toMillis(every)
    return Effect.as(Effect.sleep(every), due)
  }).pipe(
    Effect.tap((due) => Effect.sync(() => delays.length < maxPending && delays.push(Math.max(0, performance.now() - due) / 1000))),
    Effect.repeat(Schedule.forever),
    Effect.forkScoped
  )

  return Effect.gen(function*() {
    const memory = process.memoryUsage()
    yield* Metric.update(residentMemory, memory.rss)
    yield* Metric.update(heapUsed, memory.heapUsed)
    const fds = yield* Effect.try(() => Fs.readdirSync("/proc/self/fd").length).pipe(Effect.orElseSucceed(() => undefined))
    if (fds !== undefined) yield* Metric.update(openFds, fds)
    for (const pause of pending.splice(0)) yield* Metric.update(gcPause, pause)
    for (const delay of delays.splice(0)) yield* Metric.update(loopDelay, delay)
    // Shown before anything is observed, with no observations.
    yield* Metric.value(gcPause)
    yield* Metric.value(loopDelay)
  })
})
