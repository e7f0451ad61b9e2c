import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ChatConfig } from "../ChatConfig.js"
import { nickKey } from "../protocol/Names.js"
import { Store, type StoreError } from "../store/Store.js"

/** A server operator: an account, as it was when it was given the powers (its registration time). */
interface Grant {
  readonly account: string
  readonly created: number
}

/**
 * The accounts with server operator powers (`--operators`, and the console's `oper`): a session
 * identified as one may disconnect anyone (`/kill`), write to every operator (`/wallops`, which IRC
 * users who set `+w` see too) and see secret rooms. Kept in memory; the console changes it while the server runs.
 *
 * Powers go to an account that exists, never to a name: one named before anyone registered it gets
 * none (whoever registered it first would be an operator), and a grant is for the account as it was
 * registered then: one dropped and registered again, here or on another server, has lost it.
 */
export class ServerOperators extends Context.Service<ServerOperators, {
  /** Whether an account (ignoring case) is a server operator's: a lookup, on the way of every command that asks. */
  readonly has: (account: string | undefined) => boolean
  /** Gives an account the powers: `false` when there is no such account. */
  readonly grant: (account: string) => Effect.Effect<boolean, StoreError>
  /**
   * What a session identifying as `account` learned of it: its registration time, or `undefined` for
   * one it registered just now. A grant for an earlier account of that name is taken back: `true`.
   */
  readonly confirm: (account: string, created: number | undefined) => boolean
  /** Whether it was one. */
  readonly remove: (account: string) => boolean
  readonly list: () => ReadonlyArray<string>
}>()("hubbub/ServerOperators") {
  static readonly make: Effect.Effect<ServerOperators["Service"], never, Store> = Effect.map(Store, (store) => {
    const grants = new Map<string, Grant>()
    return {
      has: (account) => account !== undefined && grants.has(nickKey(account)),
      grant: (name) =>
        Effect.map(store.account(name), (account) => {
          if (account === undefined) return false
          grants.set(nickKey(account.name), { account: account.name, created: account.created })
          return true
        }),
      confirm: (account, created) => {
        const grant = grants.get(nickKey(account))
        if (grant === undefined || grant.created === created) return false
        return grants.delete(nickKey(account))
      },
      remove: (account) => grants.delete(nickKey(account)),
      list: () => Array.from(grants.values(), (grant) => grant.account).sort((a, b) => a.localeCompare(b))
    }
  })

  /** The operators `ChatConfig.operators` names, those that are accounts; a warning for each that is none. */
  static readonly layer: Layer.Layer<ServerOperators, StoreError, ChatConfig | Store> = Layer.effect(
    ServerOperators,
    Effect.gen(function*() {
      const config = yield* ChatConfig
      const operators = yield* ServerOperators.make
      for (const name of config.operators) {
        if (!(yield* operators.grant(name))) {
          yield* Effect.logWarning(
            `server operator ${name} is no account: it has no powers until it is registered and given them with the console's oper ${name} (or at the next start)`
          )
        }
      }
      return operators
    })
  )
}
