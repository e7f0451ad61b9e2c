// The chat page: one WebSocket session on hubbub's JSON protocol (src/protocol/Json.ts).
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { type ClientMessage, ServerMessage } from "../src/protocol/Json.js"
import { changeString } from "../src/protocol/Modes.js"
import { changeTo, memberActions, noSettings, type Settings, settingsOf } from "./moderation.js"

const readMessage = Schema.decodeUnknownResult(ServerMessage)

const element = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T
const log = element<HTMLOListElement>("log")
const line = element<HTMLInputElement>("line")
const send = element<HTMLButtonElement>("send")
const status = element<HTMLDivElement>("status")
const roomName = element<HTMLSpanElement>("room")
const topic = element<HTMLSpanElement>("topic")
const roomList = element<HTMLUListElement>("rooms")
const memberList = element<HTMLUListElement>("members")
const memberCount = element<HTMLSpanElement>("member-count")
const nickDialog = element<HTMLDialogElement>("nick-dialog")
const nickInput = element<HTMLInputElement>("nick")
const nickError = element<HTMLParagraphElement>("nick-error")
const passwordInput = element<HTMLInputElement>("password")
const registerBox = element<HTMLInputElement>("register")
const older = element<HTMLButtonElement>("older")

/** Most lines the log keeps. */
const maxLogLines = 2000
/** Earlier messages asked for at a time, scrolling up; missed messages a reconnection shows at most. */
const olderPage = 50
const caughtUpAtMost = 100
/** Rooms and members are asked for again this often (rooms over 200 members announce no joins). */
const refreshMillis = 15_000

const state = {
  socket: undefined as WebSocket | undefined,
  /** The nickname asked for, kept across reconnections. */
  wanted: undefined as string | undefined,
  /** The account's password, kept in memory to log in again after a reconnection. */
  password: undefined as string | undefined,
  /** Register the nickname with the password once welcomed. */
  registering: false,
  me: undefined as string | undefined,
  room: undefined as string | undefined,
  /** The room to go back to after reconnecting. */
  lastRoom: undefined as string | undefined,
  members: new Set<string>(),
  /** The room's operators and voiced members, and its settings (as the last `modes` said). */
  operators: new Set<string>(),
  voiced: new Set<string>(),
  settings: noSettings as Settings,
  /** Members identified as their nickname's account (as the last /who said). */
  identified: new Set<string>(),
  memberTotal: 0,
  rooms: [] as ReadonlyArray<{ room: string; members: number; topic?: string | undefined; locked?: boolean | undefined }>,
  /** Answers the user asked for (shown in the log); others only update the lists. */
  asked: new Set<string>(),
  attempts: 0,
  everConnected: false,
  /** The user quit: no reconnecting. */
  quit: false,
  /** The ids of the room's messages in the log: none is shown twice (a catch-up overlaps what joining shows). */
  shown: new Set<string>(),
  /** The id of the newest message seen in each room: what a reconnection catches up from. */
  newest: new Map<string, string>(),
  /** The id of the room's oldest message in the log: what scrolling up asks for messages before. */
  oldest: undefined as string | undefined,
  /** Asked for earlier messages, not answered yet; none left to ask for. */
  noOlder: false,
  /** The `history` requests not answered yet, in the order asked (and answered). */
  requests: [] as Array<"older" | "catchUp">,
  /** The room a reconnection goes back to, and the message it catches up from; then the room catching up. */
  catchUp: undefined as { room: string; after: string } | undefined,
  catchingUp: undefined as string | undefined,
  /** The room a reconnection goes back to, while it passes through #lobby. */
  movingBack: undefined as string | undefined,
  refresh: undefined as ReturnType<typeof setInterval> | undefined,
  roomsSoon: undefined as ReturnType<typeof setTimeout> | undefined
}

// ---- the log

const clock = (date: Date) => date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })

type Parts = ReadonlyArray<readonly [className: string, text: string]>

/** One line in the log (stamped now, or at `at`); every part is text, never HTML. */
const append = (kind: string, parts: Parts, at?: number) => {
  const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40
  log.append(lineItem(kind, parts, at))
  while (log.childElementCount > maxLogLines) log.firstElementChild!.remove()
  if (nearBottom) log.scrollTop = log.scrollHeight
}

/** Lines put above everything in the log (earlier messages), the view kept where it was. */
const prepend = (items: ReadonlyArray<HTMLLIElement>) => {
  const fromBottom = log.scrollHeight - log.scrollTop
  log.prepend(...items)
  log.scrollTop = log.scrollHeight - fromBottom
}

const lineItem = (kind: string, parts: Parts, at?: number): HTMLLIElement => {
  const item = document.createElement("li")
  item.className = kind
  const now = at === undefined ? new Date() : new Date(at)
  const time = document.createElement("time")
  time.dateTime = now.toISOString()
  time.textContent = clock(now)
  item.append(time)
  for (const [className, text] of parts) {
    const span = document.createElement("span")
    span.className = className
    span.textContent = text
    item.append(span)
  }
  return item
}

/** A notice; one of several lines (`/help`, `/whois`) keeps its columns in a fixed-width font. */
const notice = (text: string, extra = "") => append(`notice ${text.includes("\n") ? "block " : ""}${extra}`.trim(), [["text", text]])
const error = (text: string) => append("error", [["text", text]])

const setStatus = (text: string, down = false) => {
  status.textContent = text
  status.classList.toggle("down", down)
}

// ---- rooms and members

/** Whether this page's user operates the room it is in. */
const operating = () => state.me !== undefined && state.operators.has(state.me)

const memberMenu = element<HTMLDivElement>("member-menu")
const settingsButton = element<HTMLButtonElement>("settings-button")
const settingsDialog = element<HTMLDialogElement>("settings-dialog")

/** Opens the menu of what an operator may do to `nick`, under its button. */
const openMemberMenu = (nick: string, anchor: HTMLElement) => {
  memberMenu.replaceChildren(...memberActions(nick, state.operators.has(nick), state.voiced.has(nick)).map(([label, message]) => {
    const button = document.createElement("button")
    button.type = "button"
    button.textContent = label
    button.addEventListener("click", () => {
      memberMenu.hidden = true
      sendMessage(message)
    })
    return button
  }))
  const box = anchor.getBoundingClientRect()
  memberMenu.style.top = `${box.bottom + window.scrollY}px`
  memberMenu.style.left = `${box.left + window.scrollX}px`
  memberMenu.hidden = false
  memberMenu.querySelector("button")?.focus()
}

const renderMembers = () => {
  const nicks = [...state.members].sort((a, b) => a.localeCompare(b))
  settingsButton.hidden = !operating()
  memberList.replaceChildren(...nicks.map((nick) => {
    const item = document.createElement("li")
    item.textContent = nick
    if (state.operators.has(nick)) item.dataset.status = "@"
    else if (state.voiced.has(nick)) item.dataset.status = "+"
    if (nick !== state.me && operating()) {
      const actions = document.createElement("button")
      actions.type = "button"
      actions.className = "member-actions"
      actions.setAttribute("aria-label", `Actions for ${nick}`)
      actions.addEventListener("click", () => openMemberMenu(nick, actions))
      item.append(actions)
    }
    if (nick === state.me) item.className = "me"
    if (state.identified.has(nick)) {
      item.classList.add("identified")
      item.title = `${nick} is identified`
    }
    return item
  }))
  memberCount.textContent = `(${Math.max(state.memberTotal, nicks.length)})`
  renderRooms()
}

const renderRooms = () => {
  const rooms = [...state.rooms]
  if (state.room !== undefined && !rooms.some((r) => r.room === state.room)) {
    rooms.push({ room: state.room, members: state.memberTotal })
  }
  rooms.sort((a, b) => a.room.localeCompare(b.room))
  roomList.replaceChildren(...rooms.map((r) => {
    const item = document.createElement("li")
    const button = document.createElement("button")
    button.type = "button"
    const name = document.createElement("span")
    name.textContent = r.room
    const count = document.createElement("span")
    count.className = "count"
    // The room one is in is counted live; the others as of the last list.
    count.textContent = String(r.room === state.room ? Math.max(state.memberTotal, state.members.size) : r.members)
    button.append(name, count)
    if (r.locked === true) {
      const lock = document.createElement("span")
      lock.className = "lock"
      lock.title = "Invite only, or it needs a key"
      lock.setAttribute("aria-label", "locked")
      button.append(lock)
    }
    if (r.topic !== undefined) button.title = r.topic
    if (r.room === state.room) button.setAttribute("aria-current", "true")
    button.addEventListener("click", () => {
      if (r.room !== state.room) say(`/join ${r.room}`)
    })
    item.append(button)
    return item
  }))
}

const setRoom = (room: string) => {
  // The same room again after a reconnection keeps what the log holds of it.
  const again = room === state.lastRoom
  state.room = room
  state.lastRoom = room
  roomName.textContent = room
  topic.textContent = ""
  state.members = new Set()
  state.operators = new Set()
  state.voiced = new Set()
  state.settings = noSettings
  state.memberTotal = 0
  if (!again) {
    state.shown = new Set()
    state.oldest = undefined
    state.noOlder = false
    older.hidden = true
  }
  renderMembers()
  document.title = `${room} · hubbub`
}

/**
 * Whether a message of the room is new to the log (none is shown twice); its id is the room's
 * newest seen, and the oldest in the log when there is none yet.
 */
const fresh = (room: string, id: string | undefined): boolean => {
  if (id === undefined || room !== state.room) return true
  if (state.shown.has(id)) return false
  state.shown.add(id)
  // Ids begin with their time: a caught-up message handled after a newer live one is not the newest.
  const newest = state.newest.get(room)
  if (newest === undefined || id > newest) state.newest.set(room, id)
  if (state.oldest === undefined) {
    state.oldest = id
    older.hidden = state.noOlder
  }
  return true
}

const historyParts = (entry: { readonly from: string; readonly text: string; readonly action?: boolean | undefined }): Parts => [
  ["from", entry.action ? `* ${entry.from} ` : `<${entry.from}> `],
  ["text", entry.text]
]

/** Asks for the room's messages before the oldest in the log (scrolled to the top, or the button). */
const loadOlder = () => {
  if (state.requests.includes("older") || state.noOlder || state.oldest === undefined || state.me === undefined) return
  ask("older", { type: "history", before: state.oldest, limit: olderPage })
}

/** A `history` request; the server answers them in the order asked. */
const ask = (kind: "older" | "catchUp", message: Extract<ClientMessage, { readonly type: "history" }>) => {
  state.requests.push(kind)
  sendMessage(message)
}

/** Earlier messages asked for: above everything in the log. */
const showEarlier = (message: Extract<ServerMessage, { readonly type: "history" }>) => {
  if (message.room !== state.room) return
  const earlier = message.entries.filter((entry) => entry.id === undefined || !state.shown.has(entry.id))
  const first = earlier.find((entry) => entry.id !== undefined)?.id
  // Nothing more, or nothing with an id to ask before (kept before messages had ids): the last page.
  if (first === undefined) {
    state.noOlder = true
    older.hidden = true
  }
  if (earlier.length === 0) return prepend([lineItem("notice history", [["text", `No earlier messages in ${message.room}.`]])])
  for (const entry of earlier) if (entry.id !== undefined) state.shown.add(entry.id)
  state.oldest = first ?? state.oldest
  prepend([
    lineItem("notice history", [["text", `Earlier in ${message.room}:`]]),
    ...earlier.map((entry) => lineItem(entry.action ? "history chat action" : "history chat", historyParts(entry), entry.at))
  ])
}

/** What a `history` message shows: what joining shows, a catch-up after a reconnection, or earlier messages. */
const showHistory = (message: Extract<ServerMessage, { readonly type: "history" }>) => {
  const asked = message.asked ? state.requests.shift() : undefined
  if (asked === "older") return showEarlier(message)
  if (asked === "catchUp") state.catchingUp = undefined
  // Catching up brings what joining shows, in its place; the lobby passed through shows none.
  else if (state.catchingUp === message.room || (state.movingBack !== undefined && message.room !== state.movingBack)) return
  const entries = message.entries.filter((entry) => fresh(message.room, entry.id))
  if (entries.length === 0) return
  notice(asked ? `Missed in ${message.room} while away:` : `Earlier in ${message.room}:`, "history")
  for (const entry of entries) append(entry.action ? "history chat action" : "history chat", historyParts(entry), entry.at)
  notice(asked ? "(end of missed messages)" : "(end of earlier messages)", "history")
  if (asked && message.entries.length >= caughtUpAtMost) notice(`Only the last ${caughtUpAtMost} missed messages are shown.`, "history")
}

// ---- the socket

const sendMessage = (message: ClientMessage) => {
  if (state.socket?.readyState === WebSocket.OPEN) state.socket.send(JSON.stringify(message))
}

/** A line as the text protocol reads it; answers to `/rooms`, `/who`, `/topic` and `/ping` are shown when asked for. */
const say = (text: string, auto = false) => {
  if (!auto) {
    const command = /^\/(\w+)/.exec(text)?.[1]?.toLowerCase()
    if (command !== undefined) state.asked.add(command)
  }
  sendMessage({ type: "line", text })
}

/** Someone came or went: the room list's counts (and new rooms) are asked for, once for a burst of such events. */
const refreshRoomsSoon = () => {
  if (state.roomsSoon !== undefined) return
  state.roomsSoon = setTimeout(() => {
    state.roomsSoon = undefined
    say("/rooms", true)
  }, 300)
}

const enableInput = (on: boolean) => {
  line.disabled = !on
  send.disabled = !on
}

/** Account answers that mean the way in did not work. */
const refusals = new Set(["wrongPassword", "noAccount", "wait", "reserved", "unavailable"])

/** In with the nickname asked for: logged in to its account first when there is a password (unless registering it). */
const enter = () => {
  if (state.wanted === undefined) return
  if (state.password !== undefined && !state.registering) {
    sendMessage({ type: "identify", nick: state.wanted, password: state.password })
  } else {
    sendMessage({ type: "line", text: state.wanted })
  }
}

const askNick = (why?: string) => {
  nickError.textContent = why ?? ""
  // Connected, waiting for a nickname: the header says so, not "Connecting…".
  setStatus("Connected: choose a nickname")
  if (state.wanted !== undefined) nickInput.value = state.wanted
  if (!nickDialog.open) nickDialog.showModal()
  nickInput.focus()
}

const handle = (message: ServerMessage) => {
  switch (message.type) {
    case "hello":
      if (state.wanted === undefined) askNick()
      else enter()
      return
    case "welcome": {
      state.me = message.nick
      state.wanted = message.nick
      if (nickDialog.open) nickDialog.close()
      const back = state.lastRoom
      // Back after a reconnection: what was said meanwhile is asked for once in the room again.
      const after = back === undefined ? undefined : state.newest.get(back)
      state.catchUp = state.everConnected && back !== undefined && after !== undefined ? { room: back, after } : undefined
      // Put in #lobby, on the way back to the room it was in: the lobby is passed through quietly.
      state.movingBack = back !== undefined && back !== message.room ? back : undefined
      if (message.room !== undefined && state.movingBack === undefined) setRoom(message.room)
      enableInput(true)
      line.focus()
      setStatus(`Connected as ${message.nick}`)
      if (state.everConnected) notice("Reconnected.")
      state.everConnected = true
      state.attempts = 0
      if (state.registering && state.password !== undefined) sendMessage({ type: "register", password: state.password })
      state.registering = false
      if (state.movingBack !== undefined) say(`/join ${back}`, true)
      else catchUp(message.room)
      say("/rooms", true)
      return
    }
    case "chat":
      if (!fresh(message.room, message.id)) return
      return append(message.action ? "chat action" : message.notice ? "chat notice" : "chat", [
        ["from", message.action ? `* ${message.from} ` : `<${message.from}> `],
        ["text", message.text]
      ])
    case "private":
      // To a room's operators (an IRC user's PRIVMSG @#room): shown as its own kind of chat.
      if (message.status !== undefined && message.from !== undefined) {
        return append("chat status", [["from", `[${message.status}${message.room ?? ""}] <${message.from}> `], ["text", message.text]])
      }
      return message.from !== undefined
        ? append("private", [["from", `*${message.from}* `], ["text", message.action ? `* ${message.from} ${message.text}` : message.text]])
        : append("private", [["from", `→ ${message.to} `], ["text", message.text]])
    case "joined":
      if (message.nick === state.me) {
        if (state.movingBack !== undefined && message.room !== state.movingBack) return
        const back = state.movingBack === message.room
        state.movingBack = undefined
        if (message.room !== state.room) setRoom(message.room)
        notice(back ? `You are back in ${message.room}` : `You joined ${message.room}`)
        catchUp(message.room)
        say("/rooms", true)
        return
      }
      if (message.room === state.room) {
        state.members.add(message.nick)
        state.memberTotal++
        renderMembers()
      }
      refreshRoomsSoon()
      return notice(`${message.nick} has joined ${message.room}`)
    case "left": {
      const reason = message.reason === "" ? "" : ` (${message.reason})`
      if (message.nick === state.me) {
        return message.by === undefined ? undefined : notice(`You were kicked from ${message.room} by ${message.by}${reason}`)
      }
      if (message.room === state.room && state.members.delete(message.nick)) {
        state.memberTotal--
        renderMembers()
      }
      refreshRoomsSoon()
      return notice(message.by === undefined
        ? `${message.nick} has left ${message.room}${reason}`
        : `${message.nick} was kicked from ${message.room} by ${message.by}${reason}`)
    }
    case "mode":
      if (message.room === state.room) {
        for (const { arg, mode, on } of message.changes) {
          const set = mode === "o" ? state.operators : mode === "v" ? state.voiced : undefined
          if (set === undefined || arg === undefined) continue
          if (on) set.add(arg)
          else set.delete(arg)
        }
        renderMembers()
        // Its settings as the server has them now.
        if (operating()) sendMessage({ type: "mode" })
      }
      return notice(`${message.by} sets mode ${changeString(message.changes)} on ${message.room}`)
    case "invited":
      return notice(`${message.by} invites you to ${message.room} (type /join ${message.room})`)
    case "modes":
      if (message.target === state.room) state.settings = settingsOf(message.modes, message.params ?? [])
      if (state.asked.delete("mode")) notice(`${message.target} modes: ${[message.modes, ...(message.params ?? [])].join(" ")}`)
      return
    case "renamed":
      if (message.from === state.me) {
        state.me = message.nick
        state.wanted = message.nick
        setStatus(`Connected as ${message.nick}`)
      }
      if (state.members.delete(message.from)) state.members.add(message.nick)
      renderMembers()
      return notice(`${message.from} is now known as ${message.nick}`)
    case "topic":
      if (message.room === state.room) topic.textContent = message.topic ?? ""
      if (message.by !== undefined) {
        return notice(message.topic === undefined
          ? `${message.by} cleared the topic of ${message.room}`
          : `${message.by} set the topic of ${message.room} to: ${message.topic}`)
      }
      if (state.asked.delete("topic")) {
        notice(message.topic === undefined ? `No topic is set for ${message.room}.` : `Topic of ${message.room}: ${message.topic}`)
      }
      return
    case "members":
      if (message.room === state.room) {
        state.members = new Set(message.nicks)
        state.operators = new Set(message.operators)
        state.voiced = new Set(message.voiced ?? [])
        state.identified = new Set(message.identified ?? [])
        if (operating()) sendMessage({ type: "mode" })
        state.memberTotal = message.count
        renderMembers()
      }
      if (state.asked.delete("who")) {
        const more = message.count > message.nicks.length ? `, and ${message.count - message.nicks.length} more` : ""
        const identified = message.identified === undefined ? "" : `; identified: ${message.identified.join(", ")}`
        notice(`Members of ${message.room} (${message.count}): ${message.nicks.join(", ")}${more}${identified}`)
      }
      return
    case "rooms":
      state.rooms = message.rooms
      renderRooms()
      if (state.asked.delete("rooms")) {
        notice(`Rooms (${message.rooms.length}): ${message.rooms.map((r) => `${r.room} (${r.members})`).join(", ")}`)
      }
      return
    case "notice":
      return notice(message.operator ? `[operator] ${message.text}` : message.text, message.operator ? "operator" : "")
    case "error":
      // A history request that failed: its answer.
      if (message.code === "Failed" && state.requests.shift() === "catchUp") state.catchingUp = undefined
      if (state.me === undefined && (message.code === "NickTaken" || message.code === "InvalidNick")) {
        return askNick(message.text)
      }
      return error(message.text)
    case "history":
      return showHistory(message)
    case "pong":
      if (state.asked.delete("ping")) notice(`PONG ${message.token}`)
      return
    case "account":
      // A login that did not work, before a nickname was taken: asked again.
      if (state.me === undefined && refusals.has(message.what)) {
        state.password = undefined
        return askNick(message.text)
      }
      if (message.what === "wrongPassword" || message.what === "exists" || message.what === "badPassword") state.password = undefined
      return notice(message.text)
    case "closing":
      if (message.text !== undefined) notice(message.text)
      // Leaving, or being put out by the operator, is not a dropped connection: no coming back on our own.
      if (message.reason === "quit" || message.reason === "kicked") state.quit = true
      // Cut off for flooding: come back, but not at once.
      if (message.reason === "flood") state.attempts = Math.max(state.attempts, 4)
      return
  }
}

/** Back in the room a reconnection left: asks for what was said there since the newest message seen. */
const catchUp = (room: string | undefined) => {
  const pending = state.catchUp
  if (pending === undefined || pending.room !== room) return
  state.catchUp = undefined
  state.catchingUp = room
  ask("catchUp", { type: "history", after: pending.after, limit: caughtUpAtMost })
}

const receive = (data: string) => {
  for (const text of data.split("\n")) {
    if (text === "") continue
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      continue
    }
    const message = readMessage(value)
    if (Result.isSuccess(message)) handle(message.success)
  }
}

const url = () => `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws`

const connect = () => {
  setStatus(state.everConnected ? "Reconnecting…" : "Connecting…")
  const socket = new WebSocket(url())
  state.socket = socket
  let opened = false
  socket.addEventListener("message", (event) => {
    if (typeof event.data === "string") receive(event.data)
  })
  socket.addEventListener("close", (event) => {
    if (state.socket !== socket) return
    state.socket = undefined
    state.me = undefined
    // Asked of the old connection: never answered.
    state.requests = []
    state.catchingUp = undefined
    enableInput(false)
    if (state.refresh !== undefined) clearInterval(state.refresh)
    state.refresh = undefined
    if (state.quit) {
      setStatus("Disconnected. Reload the page to come back.", true)
      return
    }
    // Backoff: 1, 2, 4, 8, 16, then every 30 seconds, each with some jitter.
    const seconds = Math.min(30, 2 ** state.attempts) * (0.8 + Math.random() * 0.4)
    state.attempts++
    // A connection refused at its upgrade (a 503 when the server is full) never opens.
    const why = event.code === 1001 ? "The server is restarting" : opened ? "Connection lost" : "Could not connect"
    setStatus(`${why}; reconnecting in ${Math.round(seconds)} s…`, true)
    notice(`${why}. Reconnecting in ${Math.round(seconds)} s…`, "error")
    setTimeout(connect, seconds * 1000)
  })
  socket.addEventListener("open", () => {
    opened = true
    state.refresh = setInterval(() => {
      if (state.me === undefined) return
      say("/rooms", true)
      say("/who", true)
    }, refreshMillis)
  })
}

// ---- the forms

older.addEventListener("click", loadOlder)
log.addEventListener("scroll", () => {
  if (log.scrollTop === 0) loadOlder()
})

element<HTMLFormElement>("send-form").addEventListener("submit", (event) => {
  event.preventDefault()
  const text = line.value
  if (text.trim() === "") return
  say(text)
  line.value = ""
})

element<HTMLFormElement>("join-form").addEventListener("submit", (event) => {
  event.preventDefault()
  const input = element<HTMLInputElement>("join-room")
  const room = input.value.trim()
  if (room === "") return
  say(`/join ${room}`)
  input.value = ""
  line.focus()
})

element<HTMLFormElement>("nick-form").addEventListener("submit", (event) => {
  event.preventDefault()
  const nick = nickInput.value.trim()
  if (nick === "") return
  state.wanted = nick
  state.password = passwordInput.value === "" ? undefined : passwordInput.value
  state.registering = registerBox.checked && state.password !== undefined
  passwordInput.value = ""
  nickError.textContent = ""
  enter()
})

// The dialog is how one starts: Escape does not dismiss it while there is no nickname.
nickDialog.addEventListener("cancel", (event) => {
  if (state.me === undefined) event.preventDefault()
})

connect()

// ---- a room operator's settings

const checkbox = (id: string) => element<HTMLInputElement>(id)
settingsButton.addEventListener("click", () => {
  const s = state.settings
  checkbox("set-moderated").checked = s.moderated
  checkbox("set-invite").checked = s.invite
  checkbox("set-topic-lock").checked = s.topicLock
  checkbox("set-secret").checked = s.secret
  checkbox("set-key").value = s.key
  checkbox("set-limit").value = s.limit
  settingsDialog.showModal()
})
element<HTMLFormElement>("settings-form").addEventListener("submit", (event) => {
  if (event.submitter?.id !== "settings-save") return
  const change = changeTo(state.settings, {
    moderated: checkbox("set-moderated").checked,
    invite: checkbox("set-invite").checked,
    topicLock: checkbox("set-topic-lock").checked,
    secret: checkbox("set-secret").checked,
    key: checkbox("set-key").value.trim(),
    limit: checkbox("set-limit").value.trim()
  })
  if (change !== undefined) sendMessage(change)
})
document.addEventListener("click", (event) => {
  if (!memberMenu.hidden && !memberMenu.contains(event.target as Node) && !(event.target as HTMLElement).classList.contains("member-actions")) memberMenu.hidden = true
})
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") memberMenu.hidden = true
})
