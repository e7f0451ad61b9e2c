import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Logger, References } from "effect"
import { TestClock } from "effect/testing"
import { Warnings } from "../../src/observe/Warnings.js"

/** The warnings logged, with their annotations. */
const logged = () => {
  const lines: Array<{ message: string; annotations: Record<string, unknown> }> = []
  const logger = Logger.make<unknown, void>(({ fiber, message }) => {
    lines.push({
      message: (Array.isArray(message) ? message : [message]).map(String).join(" "),
      annotations: { ...fiber.getRef(References.CurrentLogAnnotations) }
    })
  })
  return { lines, layer: Layer.merge(Warnings.layer, Logger.layer([logger])) }
}

describe("Warnings", () => {
  it.effect("logs at most 20 warnings in 10 s, each with its peer, and counts the rest in the next one", () => {
    const { layer, lines } = logged()
    return Effect.gen(function*() {
      const warnings = yield* Warnings
      for (let i = 0; i < 30; i++) yield* warnings.warn(`10.0.0.${i}:1`, `offence ${i}`)
      assert.strictEqual(lines.length, 20)
      assert.deepStrictEqual(lines[0], { message: "offence 0", annotations: { peer: "10.0.0.0:1" } })
      yield* TestClock.adjust("9 seconds")
      yield* warnings.warn("10.0.0.99:1", "still suppressed")
      assert.strictEqual(lines.length, 20)
      yield* TestClock.adjust("1 second")
      yield* warnings.warn("10.0.0.100:1", "a new window")
      assert.deepStrictEqual(lines[20], {
        message: "a new window",
        annotations: { peer: "10.0.0.100:1", suppressedWarnings: 11 }
      })
    }).pipe(Effect.provide(layer))
  })
})
