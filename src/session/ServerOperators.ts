import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ChatConfig } from "../ChatConfig.js"
import { nickKey } from "../protocol/Names.js"

/**
 * The accounts with server operator powers (`--operators`, and the console's `oper`): a session
 * identified as one may disconnect anyone (`/kill`), write to every operator (`/wallops`) and see
 * secret rooms. Kept in memory; the console changes it while the server runs.
 */
export class ServerOperators extends Context.Service<ServerOperators, {
  /** Whether an account (ignoring case) is a server operator's. */
  readonly has: (account: string | undefined) => boolean
  readonly add: (account: string) => void
  /** Whether it was one. */
  readonly remove: (account: string) => boolean
  readonly list: () => ReadonlyArray<string>
}>()("hubbub/ServerOperators") {
  static readonly make = (accounts: ReadonlyArray<string>): ServerOperators["Service"] => {
    const keys = new Map(accounts.map((account) => [nickKey(account), account]))
    return {
      has: (account) => account !== undefined && keys.has(nickKey(account)),
      add: (account) => void keys.set(nickKey(account), account),
      remove: (account) => keys.delete(nickKey(account)),
      list: () => Array.from(keys.values()).sort((a, b) => a.localeCompare(b))
    }
  }

  /** The operators `ChatConfig.operators` names. */
  static readonly layer: Layer.Layer<ServerOperators, never, ChatConfig> = Layer.effect(
    ServerOperators,
    Effect.map(ChatConfig, (config) => ServerOperators.make(config.operators))
  )
}
