import { briefText } from "../protocol/CloseReason.js"
import type { Event } from "../protocol/Event.js"
import { changeString } from "../protocol/Modes.js"
import { historyLine, type Reply } from "../protocol/Reply.js"
import type { Format } from "./Codec.js"
import { servicesNicks } from "../protocol/Names.js"
import { IrcDecoder } from "./IrcInput.js"
import { action, byteLength, ircLineBytes, lines, one, prefix } from "./IrcLines.js"
import { accountNote } from "./IrcAccountNotes.js"
import { disabled, ircAbout, motd } from "./IrcAbout.js"
import { ircCallerId, ircSilence, ircUsers } from "./IrcUsers.js"
import { whoLines } from "./IrcWho.js"
import { replyText, withStatus } from "./TextCodec.js"
import { roomText } from "./RoomText.js"
import { isupport } from "./IrcServerInfo.js"
import { ircHelp } from "./IrcHelp.js"
import { usageOf } from "./Usage.js"
import { RunFacts } from "./IrcRunFacts.js"
import { taggedFormat, tagLimits } from "./IrcTags.js"
import { labelWindows } from "./IrcLabels.js"
import { ircKnock, ircModes } from "./IrcModes.js"

export interface IrcOptions {
  /** The name in numerics and the server's own prefix. */
  readonly serverName: string
  readonly version: string
  /** When the server started, as `003` tells it. */
  readonly created: string
  /** The message of the day, shown at registration. */
  readonly motd: ReadonlyArray<string>
}

/** Account commands an IRC client reaches only through NickServ, by the verb it typed there. */
const nickServNames: Record<string, string> = { unregister: "DROP", password: "PASSWD" }

/**
 * The IRC client protocol (RFC 1459/2812 as modern clients use it): hub
 * events as commands from their users' prefixes, answers as numerics to
 * the session's nickname.
 */
export const ircFormat = (options: IrcOptions): Format => {
  const server = options.serverName
  const facts = new RunFacts()
  const numeric = (code: string, nick: string | undefined, rest: string) => `:${server} ${code} ${nick ?? "*"} ${rest}\r\n`

  const names = (nick: string | undefined, reply: Extract<Reply, { _tag: "Members" }>) => {
    const shown = withStatus(reply)
    let out = ""
    const head = `:${server} 353 ${nick ?? "*"} ${reply.secret ? "@" : "="} ${reply.room} :`
    let line = ""
    for (const name of shown) {
      if (line !== "" && byteLength(head) + byteLength(line) + 1 + byteLength(name) + 2 > ircLineBytes) {
        out += `${head}${line}\r\n`
        line = ""
      }
      line = line === "" ? name : `${line} ${name}`
    }
    if (line !== "") out += `${head}${line}\r\n`
    return reply.end === "" ? out : out + numeric("366", nick, `${reply.end ?? reply.room} :End of /NAMES list`)
  }

  const welcome = (nick: string) =>
    numeric("001", nick, `:Welcome to hubbub, ${nick}`) +
    numeric("002", nick, `:Your host is ${server}, running hubbub-${options.version}`) +
    numeric("003", nick, `:This server was created ${options.created}`) +
    numeric("004", nick, `${server} hubbub-${options.version} Bgiow biklmnoqstv`) +
    isupport.map((line) => numeric("005", nick, `${line} :are supported by this server`)).join("") +
    motd((code, rest) => numeric(code, nick, rest), server, options.motd)

  const renderReply = (reply: Reply, nick: string | undefined): string => {
    switch (reply._tag) {
      case "Greeting":
        return `:${server} NOTICE * :*** Welcome to hubbub. Register with NICK and USER.\r\n`
      case "Welcome":
        return welcome(reply.nick)
      case "About":
        return ircAbout((code, rest) => numeric(code, nick, rest), reply, isupport)
      case "AwayNote":
      case "AwayIs":
      case "WhoisIs":
      case "WhoisEnd":
      case "UserHosts":
      case "WasList":
      case "Monitored":
        return ircUsers((code, rest) => numeric(code, nick, rest), reply)
      case "Silence":
        return ircSilence((code, rest) => numeric(code, nick, rest), nick ?? "*", reply)
      case "CallerId":
        return ircCallerId((code, rest) => numeric(code, nick, rest), reply)
      case "Members":
        return names(nick, reply)
      case "NickTaken":
        return numeric("433", nick, `${reply.nick} :Nickname is already in use`)
      case "InvalidNick":
        return numeric(
          "432",
          nick,
          servicesNicks.has(reply.nick.toLowerCase()) ? `${reply.nick} :Reserved for services` : `${reply.nick} :Erroneous nickname (use 1-24 letters, digits, _ or -, a letter or _ first)`
        )
      case "NowKnownAs":
        return `${prefix(reply.from)} NICK :${reply.nick}\r\n`
      case "NickFirst":
        return numeric("451", nick, ":You have not registered")
      case "InvalidRoom":
      case "NoSuchRoom":
        return numeric("403", nick, `${reply.room} :No such channel`)
      case "NotInRoom":
        return numeric("442", nick, `${reply.room} :You're not on that channel`)
      case "CannotSend":
        return numeric("404", nick, `${reply.room} :Cannot send to channel${reply.moderated ? " (+m)" : reply.banned ? " (banned)" : ""}`)
      case "NoSuchNick":
        return numeric("401", nick, `${reply.nick} :No such nick/channel`)
      case "NoText":
        return numeric("412", nick, ":No text to send")
      case "Opered":
        return reply.yes ? numeric("381", nick, ":You are now an IRC operator") : numeric("491", nick, ":No O-lines for your host")
      case "NoRoom":
        return numeric("442", nick, "* :You're not on that channel")
      case "Pong":
        return `:${server} PONG ${server} :${reply.token}\r\n`
      case "Ping":
        return `PING :${server}\r\n`
      case "WhoList":
        return whoLines((code, rest) => numeric(code, nick, rest), server, reply)
      case "Modes":
      case "NoSuchMode":
      case "InvalidModeParam":
      case "BanList":
      case "BanListFull":
      case "CannotJoin":
        return ircModes((code, rest) => numeric(code, nick, rest), nick, reply)
      case "Knock":
        return ircKnock(server, nick, reply)
      case "NotOperator":
        return numeric("482", nick, `${reply.room} :You're not channel operator`)
      case "NotMember":
        return numeric("441", nick, `${reply.nick} ${reply.room} :They aren't on that channel`)
      case "AlreadyMember":
        return numeric("443", nick, `${reply.nick} ${reply.room} :is already on channel`)
      case "Inviting":
        return numeric("341", nick, `${reply.nick} ${reply.room}`)
      case "NoPrivileges":
        return numeric("481", nick, ":Permission Denied- You're not an IRC operator")
      case "NotBanned":
      case "KLineSet":
        return one(`:${server} NOTICE ${nick ?? "*"} :`, replyText(reply)!)
      case "KLineList":
        // STATS K's lines: 216 (RPL_STATSKLINE) a ban, 219 the end.
        return reply.entries.map((e) =>
          one(`:${server} 216 ${nick ?? "*"} K ${e.mask} * * :`, `${e.reason}${e.expires === undefined ? "" : ` (until ${new Date(e.expires).toISOString()})`} [${e.by}]`)
        ).join("") + numeric("219", nick, "K :End of /STATS report")
      case "BadMask":
        return one(`:${server} NOTICE ${nick ?? "*"} :`, replyText(reply)!)
      case "Capabilities":
        return reply.sub === "INVALID"
          ? numeric("410", nick, `${reply.caps} :Invalid CAP command`)
          : `:${server} CAP ${nick ?? "*"} ${reply.sub} :${reply.caps}\r\n`
      case "AlreadyRegistered":
        return numeric("462", nick, ":You may not reregister")
      case "Disabled":
        return disabled(reply.command, (code, rest) => numeric(code, nick, rest))
      case "TooManyTargets":
        return numeric("407", nick, `${reply.target} :Too many targets`)
      case "TooManyRooms":
        return numeric("405", nick, `${reply.room} :You have joined too many channels`)
      case "RoomList":
        return numeric("321", nick, "Channel :Users Name") +
          // IRC shows no channel without members (the permanent #lobby, a registered room kept while empty).
          reply.rooms.filter((r) => r.members > 0).map((r) => one(`:${server} 322 ${nick ?? "*"} ${r.room} ${r.members} :`, r.locked ? "" : r.topic ?? "")).join("") +
          numeric("323", nick, ":End of /LIST")
      case "TopicIs":
        return reply.topic === undefined
          ? numeric("331", nick, `${reply.room} :No topic is set`)
          : one(`:${server} 332 ${nick ?? "*"} ${reply.room} :`, reply.topic) +
            // 333 (RPL_TOPICWHOTIME): who set it, and when in seconds, when known.
            (reply.by === undefined || reply.at === undefined ? "" : numeric("333", nick, `${reply.room} ${reply.by} ${Math.floor(reply.at / 1000)}`))
      case "Help":
        return ircHelp((code, rest) => numeric(code, nick, rest), reply.topic)
      case "RoomNote":
        return one(`:ChanServ!ChanServ@services NOTICE ${nick ?? "*"} :`, roomText(reply).replaceAll("/identify", "/msg NickServ IDENTIFY"))
      case "Usage":
        if (reply.command === "chanserv") return one(`:ChanServ!ChanServ@services NOTICE ${nick ?? "*"} :`, usageOf("chanserv"))
        return reply.command.toLowerCase() === "nick"
          ? numeric("431", nick, ":No nickname given")
          : numeric("461", nick, `${(nickServNames[reply.command] ?? reply.command).toUpperCase()} :Not enough parameters`)
      case "UnknownCommand":
        return numeric("421", nick, `${reply.name} :Unknown command`)
      case "LineTooLong":
        return numeric("417", nick, ":Input line was too long")
      case "Refused":
        return reply.why === "full"
          ? `ERROR :Server full (${reply.limit} connections); try again later\r\n`
          : reply.why === "address"
          ? `ERROR :Too many connections from your address (limit ${reply.limit})\r\n`
          : "ERROR :Server shutting down\r\n"
      case "History":
        // A notice block from the server to the channel, each line as it was said, with its time (tagged clients: `IrcTags`).
        return reply.entries.map((entry) => one(`:${server} NOTICE ${reply.room} :`, historyLine(entry))).join("")
      case "HistoryTargets":
        return reply.entries.map((entry) => `:${server} CHATHISTORY TARGETS ${entry.room} ${new Date(entry.at).toISOString()}\r\n`).join("")
      case "Failed":
        // IRCv3 standard replies.
        return one(`FAIL ${[reply.command, reply.code, ...reply.context].join(" ")} :`, reply.text)
      case "AccountNote":
        return accountNote(server, reply, nick)
      case "AlreadyIn":
      case "AlreadyNick":
      case "Sent":
      case "TimingMarkDone":
      case "BadMessage":
      case "Label":
        return ""
    }
  }

  const render = (event: Event): string => {
    switch (event._tag) {
      case "Chat":
        return lines(`${prefix(event.from)} ${event.notice ? "NOTICE" : "PRIVMSG"} ${event.room} :`, event.text)
      case "Action":
        return lines(`${prefix(event.from)} PRIVMSG ${event.room} :`, event.text, action)
      case "Private":
        return lines(
          `${prefix(event.from)} ${event.notice ? "NOTICE" : "PRIVMSG"} ${event.status === undefined ? event.nick : `${event.status}${event.room}`} :`,
          event.text,
          event.action ? action : undefined
        )
      case "Joined":
        return `${prefix(event.nick)} JOIN ${event.room}\r\n`
      case "Left":
        return event.by !== undefined
          ? one(`${prefix(event.by)} KICK ${event.room} ${event.nick} :`, event.reason === "" ? event.by : event.reason)
          : event.quit
          ? one(`${prefix(event.nick)} QUIT :`, event.reason)
          : event.reason === ""
          ? `${prefix(event.nick)} PART ${event.room}\r\n`
          : one(`${prefix(event.nick)} PART ${event.room} :`, event.reason)
      case "Renamed":
        return `${prefix(event.from)} NICK :${event.nick}\r\n`
      case "MemberChanged":
        return event.what === "away"
          ? event.value === undefined ? `${prefix(event.nick)} AWAY\r\n` : one(`${prefix(event.nick)} AWAY :`, event.value)
          : event.what === "account"
          ? `${prefix(event.nick)} ACCOUNT ${event.value ?? "*"}\r\n`
          : one(`${prefix(event.nick)} SETNAME :`, event.value ?? "")
      case "InviteNoted":
        return `${prefix(event.by)} INVITE ${event.nick} ${event.room}\r\n`
      case "TopicChanged":
        return one(`${prefix(event.by)} TOPIC ${event.room} :`, event.topic ?? "")
      case "ModeChanged":
        return event.changes.length === 0 ? "" : `${prefix(event.by)} MODE ${event.room} ${changeString(event.changes)}\r\n`
      case "Invited":
        return `${prefix(event.by)} INVITE ${event.nick} ${event.room}\r\n`
      case "Notice":
        return lines(`:${server} NOTICE ${event.room ?? "*"} :`, event.text)
      case "Announcement":
        return lines(`:${server} NOTICE * :`, `[operator] ${event.text}`)
      case "Wallops":
        return lines(`${prefix(event.from)} WALLOPS :`, event.text)
      case "Answer":
        return renderReply(event.reply, event.nick)
      case "ServerBanChanged":
      case "RoomRegistered":
      case "Tagged":
        // A TAGMSG is all tags: only `message-tags` clients are shown it (`IrcTags`).
        return ""
      case "Closing":
        // A server ban says so first: 465, ERR_YOUREBANNEDCREEP.
        return (event.reason._tag === "Banned" ? one(`:${server} 465 ${event.nick ?? "*"} :`, `You are banned from this server: ${event.reason.message}`) : "") +
          one("ERROR :", briefText(event.reason))
    }
  }

  const format: Format = {
    name: "irc",
    telnet: false,
    rooms: "many",
    maxLineBytes: ircLineBytes - 2,
    // A line may come with tags besides (IRCv3 message-tags): the reader checks both parts.
    frameBytes: (lineBytes) => lineBytes + tagLimits.all,
    pings: true,
    separately: true,
    decoder: () => new IrcDecoder(facts),
    render,
    variant: (bits) => taggedFormat(format, server, bits),
    labeled: labelWindows(server)
  }
  return format
}
