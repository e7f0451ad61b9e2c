import { afterEach } from "@effect/vitest"

/** What a test starts and must let go of: a client (reset), a process (kill), a socket (destroy). */
export type Tracked = { reset(): void } | { kill(): void } | { destroy(): void }

/** `track(thing)` lets `thing` go after the test that started it, the last started first. */
export const tracking = () => {
  let started: Array<Tracked> = []
  afterEach(() => {
    for (const thing of started.reverse()) "reset" in thing ? thing.reset() : "kill" in thing ? thing.kill() : thing.destroy()
    started = []
  })
  return <A extends Tracked>(thing: A): A => {
    started.push(thing)
    return thing
  }
}
