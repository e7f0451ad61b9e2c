import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as Flag from "effect/cli/Flag"

/**
 * One operator setting: a command-line flag, the environment variable read
 * when the flag is absent (`--max-line-bytes` reads `HUBBUB_MAX_LINE_BYTES`),
 * and a default. Both sources go through the same schema; a bad value is one
 * line naming where it came from and what was expected.
 */
export interface Setting<A> {
  /** A number's flag gives its text, read as the variable's is (one check, one message); others their value. */
  readonly flag: Flag.Flag<Option.Option<A | string>>
  /** The flag, as the command line writes it (`--max-line-bytes`). */
  readonly name: string
  /** The environment variable. */
  readonly env: string
  /** Reads the environment variable's text, through the setting's schema. */
  readonly parse: (text: string) => Result.Result<A, void>
  /** Whether a flag's value passes the setting's schema (what the flag's own type does not check). */
  readonly valid: (value: A) => boolean
  /** What a valid value looks like, for the error. */
  readonly expected: string
  readonly fallback: A
  /** Its flag gives text to parse (numbers), or a value of its own type. */
  readonly reads?: "text"
}

/** A setting's value, or the line that says why it is wrong. */
export class SettingError extends Schema.TaggedError<SettingError>()("SettingError", { message: Schema.String }) {}

export const envName = (flag: string) => `HUBBUB_${flag.toUpperCase().replace(/-/g, "_")}`

const describe = (flag: string, text: string, shown: string | number) =>
  `${text} [env ${envName(flag)}] (default ${shown})`

/** The flag's value if given, else the environment variable's, else the configuration file's, else the default. */
export const resolve = <A>(
  setting: Setting<A>,
  given: Option.Option<A | string>,
  /** The configuration file's value, read when neither the flag nor the variable is given. */
  file?: { readonly text: string; readonly where: string }
): Effect.Effect<A, SettingError> => {
  if (Option.isSome(given)) {
    const value = given.value
    const read = typeof value === "string" && setting.reads === "text" ? setting.parse(value.trim()) : Result.succeed(value as A)
    return Result.isSuccess(read) && setting.valid(read.success)
      ? Effect.succeed(read.success)
      : Effect.fail(new SettingError({ message: `${setting.name} ${String(value)}: expected ${setting.expected}` }))
  }
  return Effect.flatMap(Config.option(Config.String(setting.env)), (text) => {
    if (Option.isNone(text)) {
      if (file === undefined) return Effect.succeed(setting.fallback)
      const read = setting.parse(file.text.trim())
      return Result.isSuccess(read)
        ? Effect.succeed(read.success)
        : Effect.fail(new SettingError({ message: `${file.where}: ${setting.name.slice(2)} = ${file.text}: expected ${setting.expected}` }))
    }
    const parsed = setting.parse(text.value.trim())
    return Result.isSuccess(parsed)
      ? Effect.succeed(parsed.success)
      : Effect.fail(new SettingError({ message: `${setting.env}=${text.value}: expected ${setting.expected}` }))
  }).pipe(Effect.catchTag("ConfigError", () => Effect.succeed(setting.fallback)))
}

const fromSchema = <A>(schema: Schema.Codec<A, string>) => {
  const decode = Schema.decodeUnknownResult(schema)
  return (text: string): Result.Result<A, void> => Result.mapError(decode(text), () => undefined)
}

const Integer = Schema.FiniteFromString.check(Schema.isInt())
/** Digits, as people write whole numbers (not `1e4`, `0x10` or `10.0`). */
const digits = /^[-+]?\d{1,15}$/
/** A number as people write one: digits, perhaps a fraction. */
const decimal = /^\+?\d{1,15}(\.\d{1,9})?$/

/** `parse`, for text that looks as `shape` says only. */
const shaped = <A>(shape: RegExp, parse: (text: string) => Result.Result<A, void>) => (text: string): Result.Result<A, void> =>
  shape.test(text) ? parse(text) : Result.failVoid

/** A whole number from `min` to `max`; a `fallback` of `undefined` (shown as `shown`) leaves it unset. */
export const integer = <F extends number | undefined>(
  name: string,
  text: string,
  fallback: F,
  range: { readonly min: number; readonly max?: number | undefined; readonly expected: string; readonly shown?: string }
): Setting<number | F> => {
  const check = range.max === undefined
    ? Schema.isGreaterThanOrEqualTo(range.min)
    : Schema.isBetween({ minimum: range.min, maximum: range.max })
  return {
    flag: Flag.String(name).pipe(Flag.withMetavar("integer"), Flag.withDescription(describe(name, text, range.shown ?? String(fallback))), Flag.optional),
    name: `--${name}`,
    env: envName(name),
    parse: shaped(digits, fromSchema(Integer.check(check))),
    valid: Schema.is(Schema.Int.check(check)) as (value: number | F) => boolean,
    expected: range.expected,
    fallback,
    reads: "text"
  }
}

/** A duration in (fractional) seconds, 0 or more (or `least.min` or more, as `least.expected` says). */
export const seconds = (
  name: string,
  text: string,
  fallback: number,
  shown: string = String(fallback),
  least: { readonly min: number; readonly expected: string } = { min: 0, expected: "a number of seconds, 0 or more" }
): Setting<number> => {
  const check = Schema.isGreaterThanOrEqualTo(least.min)
  return {
    flag: Flag.String(name).pipe(Flag.withMetavar("seconds"), Flag.withDescription(describe(name, text, shown)), Flag.optional),
    name: `--${name}`,
    env: envName(name),
    parse: shaped(decimal, fromSchema(Schema.FiniteFromString.check(check))),
    valid: Schema.is(Schema.Finite.check(check)),
    expected: least.expected,
    fallback,
    reads: "text"
  }
}

const truthy = ["true", "yes", "on", "1"]
const falsy = ["false", "no", "off", "0"]

/**
 * On or off: the flag alone turns it on, `--no-NAME` off; the variable takes
 * true/false, yes/no, on/off, 1/0. `fallback` may be `undefined`, for a
 * setting whose absence means something of its own.
 */
export const boolean = <F extends boolean | undefined>(
  name: string,
  text: string,
  shown: string,
  fallback: F,
  /** A flag with no variable (`--print-config`): its description names none. */
  flagOnly = false
): Setting<boolean | F> => ({
  flag: Flag.Boolean(name).pipe(
    Flag.withDescription(flagOnly ? `${text} (a flag only)` : describe(name, text, shown)),
    Flag.optional
  ),
  name: `--${name}`,
  env: envName(name),
  valid: () => true,
  parse: (value) => {
    const lower = value.toLowerCase()
    return truthy.includes(lower) ? Result.succeed(true) : falsy.includes(lower) ? Result.succeed(false) : Result.failVoid
  },
  expected: "true or false (or yes/no, on/off, 1/0)",
  fallback
})

/** One of a few words, any case in the variable. */
export const choice = <const A extends string>(
  name: string,
  text: string,
  choices: ReadonlyArray<A>,
  fallback: NoInfer<A>
): Setting<A> => ({
  flag: Flag.Literals(name, choices).pipe(Flag.withDescription(describe(name, text, fallback)), Flag.optional),
  name: `--${name}`,
  env: envName(name),
  valid: () => true,
  parse: (value) => {
    const found = choices.find((c) => c === value.toLowerCase())
    return found === undefined ? Result.failVoid : Result.succeed(found)
  },
  expected: `one of ${choices.join(", ")}`,
  fallback
})

/** Text; with a `schema`, only text that passes it (`expected` says what that is). */
export const text = (
  name: string,
  description: string,
  fallback: string,
  options: {
    readonly shown?: string
    readonly env?: string
    readonly schema?: Schema.Codec<string>
    readonly expected?: string
  } = {}
): Setting<string> => {
  const env = options.env ?? envName(name)
  const schema = options.schema ?? Schema.String
  return {
    flag: Flag.String(name).pipe(Flag.withDescription(`${description} [env ${env}] (default ${options.shown ?? fallback})`), Flag.optional),
    name: `--${name}`,
    env,
    parse: fromSchema(schema),
    valid: Schema.is(schema),
    expected: options.expected ?? "some text",
    fallback
  }
}
