import { memberChanged } from "./UserCommands.js"
import * as Effect from "effect/Effect"
import { acceptable } from "../accounts/Password.js"
import { isLoopback } from "../observe/Admission.js"
import { CloseReasons } from "../protocol/CloseReason.js"
import type { Command } from "../protocol/Command.js"
import { type Nick, nickKey } from "../protocol/Names.js"
import type { AccountNote } from "../protocol/Reply.js"
import type { StoreError } from "../store/Store.js"
import type { Client, CommandEnv } from "./Client.js"
import * as Users from "./UserCommands.js"
import { reply } from "./Answer.js"

/**
 * The account commands (`/register`, `/identify`, `/logout`, `/password`,
 * `/unregister`, and IRC's NickServ), and the protection of registered
 * nicknames. A password goes to the account check and nowhere else: no
 * reply, log line or error carries it.
 */

type AccountInput = Extract<Command, { readonly _tag: "Account" }>

const note = (env: CommandEnv, client: Client, what: AccountNote["what"], fields: Omit<AccountNote, "_tag" | "what"> = {}) =>
  reply(env, client, { _tag: "AccountNote", what, ...fields })

/**
 * Who the client is identified as, here and for the hub (which keeps an identified owner's nickname
 * across servers); `created`, the account's registration time (`undefined`: registered just now),
 * takes back server operator powers given to an earlier account of that name.
 */
const setAccount = (env: CommandEnv, client: Client, account: string | undefined, created?: number) =>
  Effect.suspend(() => {
    if (account !== undefined) client.grace = undefined
    const changed = account !== client.account
    client.account = account
    const revoked = account !== undefined && env.operators.confirm(account, created)
    // A ban by account: found once the session says who it is.
    if (account !== undefined && client.nick !== undefined && serverBanned(env, client, client.nick)) return Effect.void
    return Effect.andThen(
      revoked ? Effect.logWarning(`moderation: ${account} was registered anew since it was made a server operator: it is one no more`) : Effect.void,
      Effect.andThen(env.hub.identified(client.id, account), changed ? memberChanged(env, client, "account", account) : Effect.void)
    )
  })

/**
 * Whether a server ban is for the client, as `nick` (a server operator's session is spared): then
 * it ends, told why.
 */
export const serverBanned = (env: CommandEnv, client: Client, nick: string | undefined): boolean => {
  if (env.operators.has(client.account)) return false
  const ban = env.serverBans.find({ ip: client.ip, nick, account: client.account })
  if (ban !== undefined) client.close(CloseReasons.Banned(ban.reason))
  return ban !== undefined
}

const sameName = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && nickKey(a) === nickKey(b)

/** A store that fails: the client is told accounts are unavailable, the operator why. */
const unavailable = (env: CommandEnv, client: Client) => (error: StoreError) =>
  Effect.andThen(Effect.logWarning(error.message), note(env, client, "unavailable"))

/**
 * A password sent without TLS from another machine: refused under `--require-tls-for-auth`
 * (`false`), else taken with a warning, once a connection.
 */
const overTheWire = (env: CommandEnv, client: Client): Effect.Effect<boolean> => {
  // An address the transport lost is not taken for this machine's.
  if (env.encrypted || (client.ip !== undefined && isLoopback(client.ip))) return Effect.succeed(true)
  if (env.requireTlsForAuth) return Effect.as(note(env, client, "needsTls"), false)
  if (client.warnedCleartext) return Effect.succeed(true)
  client.warnedCleartext = true
  return Effect.as(note(env, client, "cleartext"), true)
}

export const run = (env: CommandEnv, client: Client, nick: Nick | undefined, input: AccountInput): Effect.Effect<void> => {
  if (input.action !== "logout") {
    return Effect.flatMap(overTheWire(env, client), (allowed) => allowed ? act(env, client, nick, input) : Effect.void)
  }
  return act(env, client, nick, input)
}

const act = (env: CommandEnv, client: Client, nick: Nick | undefined, input: AccountInput): Effect.Effect<void> => {
  const act = (() => {
    if (input.sasl) return sasl(env, client, input.name ?? "", input.password ?? "")
    // Only SASL comes before a nickname (the interpreter asks for one first).
    if (nick === undefined) return Effect.void
    switch (input.action) {
      case "register":
        return register(env, client, nick, input.password ?? "")
      case "identify":
        return identify(env, client, input.name ?? nick, input.password ?? "")
      case "logout":
        return logout(env, client, nick)
      case "password":
        return changePassword(env, client, input.password ?? "", input.newPassword ?? "")
      case "unregister":
        return unregister(env, client, input.password ?? "")
    }
  })()
  return Effect.catchTag(act, "StoreError", unavailable(env, client))
}

const register = Effect.fnUntraced(function*(env: CommandEnv, client: Client, nick: Nick, password: string) {
  if (client.account !== undefined) return yield* note(env, client, "alreadyIdentified", { name: client.account })
  if (!acceptable(password)) return yield* note(env, client, "badPassword")
  if ((yield* env.accounts.isRegistered(nick)) || !(yield* env.accounts.register(nick, password))) {
    return yield* note(env, client, "exists", { name: nick })
  }
  yield* setAccount(env, client, nick)
  yield* Effect.logInfo("account registered").pipe(Effect.annotateLogs({ peer: client.peer, account: nick }))
  yield* note(env, client, "registered", { name: nick })
})

/** IRC's SASL PLAIN, before or after registration: 900 and 903, or 904 whatever went wrong (the back-off too). */
const sasl = Effect.fnUntraced(function*(env: CommandEnv, client: Client, name: string, password: string) {
  if (client.account !== undefined) return yield* note(env, client, "saslAlready")
  const result = yield* env.accounts.check(name, password, client.peer)
  if (result._tag !== "Ok") return yield* note(env, client, "saslFailed")
  yield* setAccount(env, client, result.account, result.created)
  yield* Effect.logInfo("identified").pipe(Effect.annotateLogs({ peer: client.peer, account: result.account, sasl: true }))
  yield* note(env, client, "saslOk", { name: result.account })
})

/** Checks a password for the account `name`: the account, or `undefined` once the client was told why not. */
const checked = Effect.fnUntraced(function*(env: CommandEnv, client: Client, name: string, password: string) {
  const result = yield* env.accounts.check(name, password, client.peer)
  switch (result._tag) {
    case "Ok":
      return result
    case "Wait":
      return yield* Effect.as(note(env, client, "wait", { seconds: result.seconds }), undefined)
    case "NoAccount":
      // Named only when it is the client's own nickname: a name it typed may be a password in the wrong place.
      return yield* Effect.as(note(env, client, "noAccount", sameName(name, client.nick) ? { name } : {}), undefined)
    case "Wrong":
      return yield* Effect.as(note(env, client, "wrongPassword", { name }), undefined)
  }
})

/** Logs in as `name` and keeps the nickname the client has (IRC's `OPER`: powers are the account's, the name stays). */
export const identifyKeepingNick = (env: CommandEnv, client: Client, name: string, password: string): Effect.Effect<void> =>
  Effect.flatMap(overTheWire(env, client), (allowed) =>
    allowed ? Effect.catchTag(identify(env, client, name, password, false), "StoreError", unavailable(env, client)) : Effect.void)

const identify = Effect.fnUntraced(function*(env: CommandEnv, client: Client, name: string, password: string, takeNick = true) {
  let account = client.account
  if (sameName(account, name)) {
    if (sameName(client.nick, account) || !takeNick) return yield* note(env, client, "alreadyIdentified", { name: account })
  } else {
    const found = yield* checked(env, client, name, password)
    if (found === undefined) return
    account = found.account
    yield* setAccount(env, client, account, found.created)
    yield* Effect.logInfo("identified").pipe(Effect.annotateLogs({ peer: client.peer, account }))
    yield* note(env, client, "identified", { name: account })
    if (sameName(client.nick, account) || !takeNick) return
  }
  yield* takeBack(env, client, account as Nick)
})

/** The account's nickname, for a client identified as it: taken back from whoever holds it here without being its account. */
export const takeBack = Effect.fnUntraced(function*(env: CommandEnv, client: Client, account: Nick) {
  const holder = env.sessions.findNick(account)
  if (holder !== undefined && !sameName(holder.account, account)) yield* holder.loseNick(account)
  const renamed = yield* Effect.result(env.hub.claimNick(client.id, account))
  if (renamed._tag === "Failure") return yield* reply(env, client, { _tag: "NickTaken", nick: account, registering: false })
  const from = client.nick
  client.nick = account
  yield* Users.renamed(env, client, from, account)
})

/**
 * Logs in before a nickname is chosen: the account's nickname, to register with (taken back from
 * an unidentified holder here), or `undefined` once the client was told why not.
 */
export const identifyFirst = (env: CommandEnv, client: Client, name: string, password: string) =>
  Effect.gen(function*() {
    if (!(yield* overTheWire(env, client))) return undefined
    const found = yield* checked(env, client, name, password)
    if (found === undefined) return undefined
    const account = found.account
    yield* setAccount(env, client, account, found.created)
    yield* Effect.logInfo("identified").pipe(Effect.annotateLogs({ peer: client.peer, account }))
    yield* note(env, client, "identified", { name: account })
    const holder = env.sessions.findNick(account)
    if (holder !== undefined && !sameName(holder.account, account)) yield* holder.loseNick(account)
    return account as Nick
  }).pipe(Effect.catchTag("StoreError", (error) => Effect.as(unavailable(env, client)(error), undefined)))

const logout = Effect.fnUntraced(function*(env: CommandEnv, client: Client, nick: Nick) {
  if (client.account === undefined) return yield* note(env, client, "notIdentified")
  yield* setAccount(env, client, undefined)
  yield* note(env, client, "loggedOut")
  yield* protect(env, client, nick)
})

const changePassword = Effect.fnUntraced(function*(env: CommandEnv, client: Client, old: string, next: string) {
  if (client.account === undefined) return yield* note(env, client, "notIdentified")
  if (!acceptable(next)) return yield* note(env, client, "badPassword")
  const account = (yield* checked(env, client, client.account, old))?.account
  if (account === undefined) return
  yield* env.accounts.setPassword(account, next)
  yield* Effect.logInfo("password changed").pipe(Effect.annotateLogs({ peer: client.peer, account }))
  yield* note(env, client, "passwordChanged", { name: account })
})

const unregister = Effect.fnUntraced(function*(env: CommandEnv, client: Client, password: string) {
  if (client.account === undefined) return yield* note(env, client, "notIdentified")
  const account = (yield* checked(env, client, client.account, password))?.account
  if (account === undefined) return
  yield* env.accounts.drop(account)
  if (env.operators.remove(account)) yield* Effect.logInfo(`moderation: ${account} was dropped: it is a server operator no more`)
  yield* setAccount(env, client, undefined)
  yield* Effect.logInfo("account dropped").pipe(Effect.annotateLogs({ peer: client.peer, account }))
  yield* note(env, client, "unregistered", { name: account })
  // Its other sessions, here and on other servers, are identified no more: were the name registered again, they are not its new owner.
  for (const other of env.sessions.live.values()) if (other.id !== client.id) yield* other.accountDropped(account)
  yield* env.hub.accountDropped(account)
  // The rooms it founded are registered no more; those that list it as an operator list it no more.
  yield* Effect.catchTag(env.registry.accountDropped(account), "StoreError", (error) =>
    Effect.logWarning(`the rooms of the dropped account ${account} are registered still: ${error.message}`))
})

/** A session identified as `name`, an account another of its sessions just dropped, is identified no more (and told). */
export const accountDropped = (env: CommandEnv, client: Client, name: string) =>
  sameName(client.account, name)
    ? Effect.andThen(setAccount(env, client, undefined), note(env, client, "loggedOut"))
    : Effect.void

/**
 * Whether `nick` may be taken by this client: `false` (the client told why) for a registered
 * nickname that is not its account's, under `--nick-protection strict`.
 */
export const mayTake = (env: CommandEnv, client: Client, nick: Nick) =>
  env.accounts.options.protection !== "strict" || sameName(client.account, nick)
    ? Effect.succeed(true)
    : Effect.flatMap(
      env.accounts.isRegistered(nick),
      (registered) => registered ? Effect.as(note(env, client, "reserved", { name: nick }), false) : Effect.succeed(true)
    )

/**
 * The client now holds `nick`: if it is registered to an account the client is not identified
 * as, it is told so, and renamed to a guest unless it identifies within the grace period.
 */
export const protect = (env: CommandEnv, client: Client, nick: Nick): Effect.Effect<void> => Effect.suspend(() => {
  const { protection, graceSeconds } = env.accounts.options
  if (protection !== "grace" || sameName(client.account, nick)) return Effect.void
  // A period of its own: an earlier one's timer would rename early (logged out, in again, out again).
  const grace = {}
  client.grace = grace
  /** Still this grace period, still holding it, still not identified for it, and it is still registered. */
  const squatting = Effect.suspend(() =>
    client.grace === grace && sameName(client.nick, nick) && !sameName(client.account, nick)
      ? env.accounts.isRegistered(nick)
      : Effect.succeed(false)
  )
  return Effect.flatMap(env.accounts.isRegistered(nick), (registered) =>
    registered
      ? Effect.andThen(
        note(env, client, "protected", { name: nick, seconds: graceSeconds }),
        client.later(
          `${graceSeconds} seconds`,
          Effect.flatMap(squatting, (still) => still ? toGuest(env, client, "guest", nick) : Effect.void)
        )
      )
      // Not kept for a connection's life when there is nothing to wait for.
      : Effect.sync(() => {
        if (client.grace === grace) client.grace = undefined
      }))
})

/**
 * Which of `nicks` are identified as their own account, among the sessions of this server (one
 * on another server is not claimed: this server cannot know).
 */
export const identifiedAmong = (env: CommandEnv, nicks: ReadonlyArray<Nick>) =>
  Effect.filter(nicks, (nick) =>
    Effect.map(env.hub.findNick(nick), (member) => {
      const here = member === undefined ? undefined : env.sessions.live.get(member.session)
      return here !== undefined && sameName(here.account, nick)
    }))

/** Renames the client to a free `GuestNNNN`, telling it why: it did not identify for `name`, or `name`'s account took it back. */
export const toGuest = Effect.fnUntraced(function*(env: CommandEnv, client: Client, why: "guest" | "taken", name: string) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const guest = `Guest${Math.floor(1000 + Math.random() * (attempt < 10 ? 9000 : 90000))}` as Nick
    const claimed = yield* Effect.result(env.hub.claimNick(client.id, guest))
    if (claimed._tag === "Failure") continue
    const from = client.nick
    client.nick = guest
    yield* Users.renamed(env, client, from, guest)
    return yield* note(env, client, why, { name, nick: guest })
  }
  yield* Effect.logWarning("no free guest nickname in 20 tries").pipe(Effect.annotateLogs({ peer: client.peer }))
})
