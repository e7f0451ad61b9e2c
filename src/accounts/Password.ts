import * as Effect from "effect/Effect"
import * as Crypto from "node:crypto"

/** scrypt's cost: 16 MiB and about 50 ms of one core per hash, in Node's thread pool (off the event loop). */
const params = { N: 16_384, r: 8, p: 1 } as const
const keyBytes = 32

/** Passwords are 8 to 256 bytes (UTF-8). */
export const passwordBytes = { min: 8, max: 256 } as const
export const acceptable = (password: string) => {
  const bytes = Buffer.byteLength(password)
  return bytes >= passwordBytes.min && bytes <= passwordBytes.max
}

const derive = (password: string, salt: Buffer, options: { N: number; r: number; p: number }) =>
  Effect.callback<Buffer>((resume) => {
    Crypto.scrypt(password, salt, keyBytes, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      resume(error === null ? Effect.succeed(key) : Effect.die(error)))
  })

/**
 * A password's hash with what made it, as one text: `scrypt$N$r$p$SALT$HASH`
 * (a random 16-byte salt per password, base64). The caller bounds how many
 * run at once, so a storm of logins cannot take the thread pool.
 */
export const hash = (password: string) =>
  Effect.gen(function*() {
    const salt = Crypto.randomBytes(16)
    const key = yield* derive(password, salt, params)
    return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString("base64")}$${key.toString("base64")}`
  })

/** Whether `password` is the one `stored` was made of (compared in constant time); a stored text it cannot read is no match. */
export const verify = (password: string, stored: string) => {
  const [kind, N, r, p, salt, key] = stored.split("$")
  if (kind !== "scrypt" || salt === undefined || key === undefined) return Effect.succeed(false)
  const expected = Buffer.from(key, "base64")
  return Effect.map(
    derive(password, Buffer.from(salt, "base64"), { N: Number(N), r: Number(r), p: Number(p) }),
    (derived) => derived.length === expected.length && Crypto.timingSafeEqual(derived, expected)
  )
}
