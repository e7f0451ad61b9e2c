import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Semaphore from "effect/Semaphore"
import * as Net from "node:net"
import type { NickProtection } from "../ChatConfig.js"
import { Warnings } from "../observe/Warnings.js"
import { Nick } from "../protocol/Names.js"
import { Store, type StoreError, storeKey } from "../store/Store.js"
import * as Password from "./Password.js"

export type { NickProtection }

export interface AccountsOptions {
  readonly protection: NickProtection
  /** Seconds an unidentified holder of a registered nickname has to identify (`grace`). */
  readonly graceSeconds: number
  /** How long a refused login waits for its answer (default 1 s): what a client guessing on one connection can try a second. */
  readonly failureDelay?: Duration.Input
}

/** What a password check came to. */
export type Checked =
  /** `created`: when the account was registered (a server operator's grant is for it as it was then). */
  | { readonly _tag: "Ok"; readonly account: string; readonly created: number }
  | { readonly _tag: "Wrong" }
  | { readonly _tag: "NoAccount" }
  /** Too many failures, for the account or from the address: try again in `seconds`. */
  | { readonly _tag: "Wait"; readonly seconds: number }

/** Failures before the back-off starts; then 1 s, doubling with each further failure, up to 5 minutes. */
const freeFailures = 5
const longestWaitSeconds = 300
/** Back-off records kept at most (the oldest go first): bounded, whatever an attacker tries. */
const maxRecords = 10_000
/** Hashes computed at once: Node's thread pool has 4 threads, and other work needs them too. */
const hashSlots = 2
/**
 * A guess from an address in back-off, past its wait, is hashed only if no other such guess was
 * this long before, on the whole server: however many addresses a storm comes from, their
 * guesses cost chat a hash a second (about 5 % of a core), and the rest are told to wait.
 */
const suspectEveryMillis = 1000

/**
 * Accounts: registered nicknames and their passwords (scrypt hashes, in the
 * {@link Store}). Which nicknames are registered is kept in memory too, so a
 * nickname's check on the way in costs a lookup. Failed logins back off per
 * account and per address, are answered a second late (a client guessing
 * on one connection tries once a second, however fast it sends), and are
 * logged (rate-limited) with the peer and the account, never the password.
 * Guesses from addresses in back-off share one hash a second, server-wide.
 */
export class Accounts extends Context.Service<Accounts, {
  readonly options: AccountsOptions
  /**
   * Whether a nickname is an account's (ignoring case): a lookup in memory, or, when other servers
   * share the store (and register accounts in it), a question to it on a name not known here.
   */
  readonly isRegistered: (nick: string) => Effect.Effect<boolean>
  /** Registers `nick` with `password`: `false` when it is registered already. */
  readonly register: (nick: string, password: string) => Effect.Effect<boolean, StoreError>
  /** Checks an account's password, for a client at `peer` (its address keys the back-off). */
  readonly check: (name: string, password: string, peer: string) => Effect.Effect<Checked, StoreError>
  /** Sets an account's password (after a `check`). */
  readonly setPassword: (name: string, password: string) => Effect.Effect<void, StoreError>
  /** Drops an account (after a `check`): its nickname is free for anyone. */
  readonly drop: (name: string) => Effect.Effect<void, StoreError>
}>()("hubbub/Accounts") {
  static readonly layer = (options: AccountsOptions): Layer.Layer<Accounts, StoreError, Store | Warnings> =>
    Layer.effect(Accounts, make(options))
}

interface Failures {
  count: number
  /** No attempt is taken before this time (milliseconds since the epoch). */
  until: number
}

/**
 * What the back-off counts failures from, for a peer (`1.2.3.4:5678` or `[2001:db8::1]:5678`): its
 * IPv4 address, or its IPv6 /64 (one host's, however many addresses it takes from it).
 */
export const addressKey = (peer: string): string => {
  const address = peer.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1").replace(/%.*$/, "")
  if (!Net.isIPv6(address)) return address
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped !== null) return mapped[1]!
  const [head, tail] = address.split("::") as [string, string | undefined]
  const front = head === "" ? [] : head.split(":")
  const back = tail === undefined || tail === "" ? [] : tail.split(":")
  const groups = [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill("0"), ...back]
  return `${groups.slice(0, 4).map((group) => parseInt(group, 16).toString(16)).join(":")}::/64`
}

const isNick = Schema.is(Nick)

export const make = Effect.fnUntraced(function*(options: AccountsOptions) {
  const store = yield* Store
  const warnings = yield* Warnings
  const slots = yield* Semaphore.make(hashSlots)
  const names = yield* store.accountNames
  const registered = new Set(names.map(storeKey))
  // Made before nicknames had to start with a letter or _: nobody can take those names, nor log in as them.
  const stranded = names.filter((name) => !isNick(name))
  if (stranded.length > 0) {
    yield* Effect.logWarning(
      `${stranded.length} account(s) named before nicknames had to start with a letter or _ can no longer be used: ${stranded.slice(0, 5).join(", ")}${stranded.length > 5 ? ", ..." : ""}`
    )
  }
  const failures = new Map<string, Failures>()
  const failureDelay = options.failureDelay ?? Duration.seconds(1)
  const failureDelayMillis = Duration.toMillis(Duration.fromInputUnsafe(failureDelay))

  const keysOf = (name: string, peer: string) => [`account ${storeKey(name)}`, `address ${addressKey(peer)}`] as const
  /** When the next guess in back-off may be hashed (milliseconds since the epoch). */
  let suspectNext = 0
  /**
   * Whether a guess comes from an address in back-off, or past it by less than the longest wait:
   * a clean address is never held up by a storm, whatever account it logs in to.
   */
  const suspect = (address: string, now: number) => {
    const record = failures.get(address)
    return record !== undefined && record.count >= freeFailures && record.until > now - longestWaitSeconds * 1000
  }

  const waitFor = (keys: ReadonlyArray<string>, now: number) => {
    let until = 0
    for (const key of keys) until = Math.max(until, failures.get(key)?.until ?? 0)
    // As the client will read it: after the answer's delay.
    return until > now ? Math.max(1, Math.ceil((until - now - failureDelayMillis) / 1000)) : 0
  }
  const failed = (keys: ReadonlyArray<string>, now: number) => {
    for (const key of keys) {
      const record = failures.get(key) ?? { count: 0, until: 0 }
      failures.delete(key)
      record.count++
      if (record.count >= freeFailures) {
        // Counted from the refusal's answer: the wait is the client's, after the answer's delay.
        record.until = now + failureDelayMillis + 1000 * Math.min(longestWaitSeconds, 2 ** (record.count - freeFailures))
      }
      failures.set(key, record)
      if (failures.size > maxRecords) failures.delete(failures.keys().next().value!)
    }
  }

  const accounts: Accounts["Service"] = {
    options,
    isRegistered: (nick) => {
      if (!store.shared) return Effect.succeed(registered.has(storeKey(nick)))
      // Other servers register and drop accounts too: the store says.
      return store.account(nick).pipe(
        Effect.map((account) => account !== undefined),
        Effect.catch((error) => Effect.as(Effect.logWarning(error.message), registered.has(storeKey(nick))))
      )
    },
    register: (nick, password) =>
      Effect.gen(function*() {
        if (registered.has(storeKey(nick))) return false
        const hashed = yield* slots.withPermit(Password.hash(password))
        const created = yield* store.createAccount({ name: nick, password: hashed, created: yield* Clock.currentTimeMillis })
        registered.add(storeKey(nick))
        return created
      }),
    // The back-off is read and written under the same permit as the hash: guesses queued behind
    // one another cannot all get through when a wait ends.
    check: (name, password, peer) =>
      Effect.tap(slots.withPermit(Effect.gen(function*() {
        const [accountKey, addressKey] = keysOf(name, peer)
        const now = yield* Clock.currentTimeMillis
        const wait = waitFor([accountKey, addressKey], now)
        if (wait > 0) return { _tag: "Wait", seconds: wait } as const
        const account = yield* store.account(name)
        if (account !== undefined && suspect(addressKey, now)) {
          if (now < suspectNext) return { _tag: "Wait", seconds: 1 } as const
          suspectNext = now + suspectEveryMillis
        }
        const matches = account !== undefined && (yield* Password.verify(password, account.password))
        if (account !== undefined && matches) {
          failures.delete(accountKey)
          failures.delete(addressKey)
          return { _tag: "Ok", account: account.name, created: account.created } as const
        }
        // A name that is no account keeps no record of its own: it cannot push out a real account's.
        failed(account === undefined ? [addressKey] : [accountKey, addressKey], yield* Clock.currentTimeMillis)
        // A name that is no account may be a password typed in its place: not logged.
        yield* warnings.warn(peer, account === undefined ? "failed login for an account that does not exist" : `failed login for account ${account.name}`)
        return account === undefined ? { _tag: "NoAccount" } as const : { _tag: "Wrong" } as const
      })),
      // Outside the hashes' permits: a refusal waiting for its answer holds nobody else back.
      (checked) => checked._tag === "Ok" ? Effect.void : Effect.sleep(failureDelay)),
    setPassword: (name, password) =>
      Effect.flatMap(slots.withPermit(Password.hash(password)), (hashed) => Effect.asVoid(store.setPassword(name, hashed))),
    drop: (name) =>
      Effect.map(store.deleteAccount(name), () => {
        registered.delete(storeKey(name))
      })
  }
  return accounts
})
