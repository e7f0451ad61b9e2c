import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Option } from "effect"
import * as Settings from "../src/Settings.js"

const withEnv = (env: Record<string, string>) => Effect.provide(ConfigProvider.layer(ConfigProvider.fromEnvRecord(env)))

describe("Settings.resolve", () => {
  const console = Settings.boolean("console", "Read commands", "only on a terminal", undefined)
  const verbose = Settings.boolean("verbose", "Say more", "off", false)

  it.effect("takes the flag over the variable, even a flag that says no", () =>
    Effect.gen(function*() {
      assert.isFalse(yield* Settings.resolve(console, Option.some(false)))
      assert.isTrue(yield* Settings.resolve(verbose, Option.some(true)))
    }).pipe(withEnv({ HUBBUB_CONSOLE: "yes", HUBBUB_VERBOSE: "off" })))

  it.effect("takes the variable, in any case, when no flag is given", () =>
    Effect.gen(function*() {
      assert.isTrue(yield* Settings.resolve(console, Option.none()))
      assert.isFalse(yield* Settings.resolve(verbose, Option.none()))
    }).pipe(withEnv({ HUBBUB_CONSOLE: "Yes", HUBBUB_VERBOSE: "OFF" })))

  it.effect("falls back to the default, which may be 'unset'", () =>
    Effect.gen(function*() {
      assert.isUndefined(yield* Settings.resolve(console, Option.none()))
      assert.isFalse(yield* Settings.resolve(verbose, Option.none()))
    }).pipe(withEnv({})))

  it.effect("names the variable and what it expects when its value is wrong", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Settings.resolve(console, Option.none()))
      assert.strictEqual(error.message, "HUBBUB_CONSOLE=maybe: expected true or false (or yes/no, on/off, 1/0)")
    }).pipe(withEnv({ HUBBUB_CONSOLE: "maybe" })))
})
