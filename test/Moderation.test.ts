import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { ServerOperators } from "../src/session/ServerOperators.js"
import { fixtures } from "./support/fixtures.js"
import { PostgresServer } from "./support/PostgresServer.js"
import { RedisServer } from "./support/RedisServer.js"
import { TestClient } from "./support/TestClient.js"
import { WsClient } from "./support/WsClient.js"

const { irc, join, later, server } = fixtures()

let redis: RedisServer
let postgres: PostgresServer
beforeAll(async () => {
  ;[redis, postgres] = await Promise.all([RedisServer.start(), PostgresServer.start()])
}, 60_000)
afterAll(() => Promise.all([redis?.stop(), postgres?.stop()]))

interface Ports {
  readonly port: number
  readonly ircPort: number
  readonly httpPort: number
  /** Gives an account server operator powers, as the console's `oper` does. */
  readonly oper: (account: string) => Promise<boolean>
}

const withOper = (started: Awaited<ReturnType<typeof server>>): Ports => ({
  ...started,
  oper: (account) => started.runtime.runPromise(Effect.flatMap(ServerOperators, (operators) => operators.grant(account)))
})

/** One server, twice: what the suite runs on first. */
const oneServer = async (): Promise<readonly [Ports, Ports]> => {
  const a = withOper(await server({ ircPort: Option.some(0), httpPort: Option.some(0), serverName: "irc.test", floodRate: 0, operators: ["boss", "chief"] }))
  return [a, a]
}

let clusters = 0
/** Two servers on one Redis and one Postgres (their accounts are one): the same rules must hold for people on either. */
const twoServers = async (): Promise<readonly [Ports, Ports]> => {
  const prefix = `moderation-${++clusters}:`
  const store = { _tag: "Postgres", url: postgres.createDatabase(`moderation_${clusters}`) } as const
  const start = (node: string) =>
    server({ ircPort: Option.some(0), httpPort: Option.some(0), serverName: "irc.test", floodRate: 0, redisUrl: Option.some(redis.url), nodeId: node, redisPrefix: prefix, operators: ["boss", "chief"], store })
  return [withOper(await start("a")), withOper(await start("b"))]
}

/** A text client in `room` (created when new, and then its operator). */
const inRoom = async (port: number, nick: string, room: string, key?: string) => {
  const client = await join(port, nick)
  client.send(key === undefined ? `/join ${room}` : `/join ${room} ${key}`)
  await client.until(`-!- Members of ${room}`)
  return client
}

/** An IRC client in `room`. */
const ircIn = async (port: number, nick: string, room: string) => {
  const client = await irc(port, nick)
  client.send(`JOIN ${room}`)
  await client.until(/ 366 /)
  return client
}

/** What a client is told when it asks `ask(room)`, with the room's name taken out: to compare two rooms' answers. */
const answerFor = async (client: TestClient, ask: (room: string) => string, room: string, until: RegExp) => {
  client.send(ask(room))
  return (await client.until(until)).replaceAll(room, "ROOM")
}

const suite = (name: string, servers: () => Promise<readonly [Ports, Ports]>) =>
  describe(`room moderation (${name})`, () => {
    it("a room's creator moderates it: +m silences all but operators and voiced members, in text and IRC", async () => {
      const [a, b] = await servers()
      const ann = await inRoom(a.port, "ann", "#quiet")
      const ben = await inRoom(b.port, "ben", "#quiet")
      const cat = await ircIn(b.ircPort, "cat", "#quiet")
      ann.send("/mode +m")
      await ann.until("-!- ann sets mode +m on #quiet")
      await cat.until(/^:ann!\S+ MODE #quiet \+m$/)
      await ben.until("-!- ann sets mode +m on #quiet")

      ben.send("may I?")
      await ben.until("-!- #quiet is moderated: only operators and voiced members may speak.")
      cat.send("PRIVMSG #quiet :me neither?")
      await cat.until(/ 404 cat #quiet :Cannot send to channel \(\+m\)$/)
      // A NOTICE is never answered, an action in one neither.
      cat.send("NOTICE #quiet :psst", "NOTICE #quiet :\x01ACTION waves\x01", "PING :after")
      await cat.until(/ PONG \S+ :?after$/)
      assert.lengthOf(cat.lines.filter((l) => / 404 /.test(l)), 1, "a NOTICE was answered")

      ann.send("/voice ben")
      await ben.until("-!- ann gives voice to ben in #quiet")
      await cat.until(/^:ann!\S+ MODE #quiet \+v ben$/)
      ben.send("now I may")
      await cat.until(/^:ben!\S+ PRIVMSG #quiet :now I may$/)
      await ann.until("<ben> now I may")
      assert.isFalse(ann.saw(/may I\?|me neither/), "a silenced line reached the room")

      cat.send("NAMES #quiet")
      assert.match(await cat.until(/ 353 /), / :(?=.*@ann)(?=.*\+ben)(?=.*\bcat\b)/)
      cat.send("MODE #quiet")
      assert.match(await cat.until(/ 324 /), / 324 cat #quiet \+mn$/)
    })

    it("-n lets those not in a room send to it (unless moderated or banned), +n stops them again, and MODE shows it", async () => {
      const [a, b] = await servers()
      const ann = await ircIn(a.ircPort, "ann", "#open")
      const ben = await inRoom(b.port, "ben", "#open")
      const out = await irc(b.ircPort, "out")
      out.send("PRIVMSG #open :knock knock")
      await out.until(/ 404 out #open :Cannot send to channel$/)
      ann.send("MODE #open -n")
      await ann.until(/^:ann!\S+ MODE #open -n$/)
      await ben.until("-!- ann sets mode -n on #open")
      out.send("MODE #open", "PRIVMSG #open :hello from outside")
      assert.match(await out.until(/ 324 /), / 324 out #open \+$/)
      await ann.until(/^:out!\S+ PRIVMSG #open :hello from outside$/)
      await ben.until("<out> hello from outside")
      // Banned, moderated, or +n again: refused each time, on either server.
      ann.send("MODE #open +b out")
      await ann.until(/^:ann!\S+ MODE #open \+b out!\*@\*$/)
      out.send("PRIVMSG #open :banned?")
      await out.until(/ 404 out #open /)
      ann.send("MODE #open -b+m out")
      await ann.until(/^:ann!\S+ MODE #open -b\+m out!\*@\*$/)
      out.send("PRIVMSG #open :and now?")
      await out.until(/ 404 out #open /)
      ann.send("MODE #open -m+n")
      await ann.until(/^:ann!\S+ MODE #open -m\+n$/)
      out.send("PRIVMSG #open :still here?")
      await out.until(/ 404 out #open /)
      ann.send("PING :after")
      await ann.until(/ PONG \S+ :?after$/)
      assert.isFalse(ann.saw(/banned\?|still here\?|and now\?/), "a refused line reached the room")
      assert.isFalse(ben.lines.some((line) => /banned\?|still here\?|and now\?/.test(line)), "a refused line reached the other server")
    })

    it("announces a topic set again unchanged to nobody, its setter neither", async () => {
      const [a, b] = await servers()
      const ann = await ircIn(a.ircPort, "ann", "#same")
      const bob = await ircIn(b.ircPort, "bob", "#same")
      ann.send("TOPIC #same :T0P1C", "TOPIC #same :T0P1C", "TOPIC #same :other")
      await bob.until(/ TOPIC #same :other$/)
      await ann.until(/ TOPIC #same :other$/)
      assert.lengthOf(bob.lines.filter((line) => / TOPIC #same /.test(line)), 2)
      assert.lengthOf(ann.lines.filter((line) => / TOPIC #same /.test(line)), 2)
    })

    it("keeps who set a topic and when (IRC's 333), the same on every server, on JOIN and TOPIC; a topic set again unchanged keeps its setter; cleared, neither", async () => {
      const [a, b] = await servers()
      const ann = await ircIn(a.ircPort, "ann", "#whose")
      const before = Math.floor(Date.now() / 1000)
      ann.send("TOPIC #whose :set by ann")
      await ann.until(/ TOPIC #whose :set by ann$/)
      const after = Math.ceil(Date.now() / 1000)
      const setter = (line: string, nick: string) => {
        const [, who, at] = line.match(new RegExp(`^:irc\\.test 333 ${nick} #whose (\\S+) (\\d+)$`)) ?? []
        assert.strictEqual(who, "ann", line)
        assert.isAtLeast(Number(at), before)
        assert.isAtMost(Number(at), after)
      }
      // Joining on the other server: 332, then 333, then the names.
      const bob = await irc(b.ircPort, "bob")
      bob.send("JOIN #whose")
      await bob.until(/ 332 bob #whose :set by ann$/)
      setter(await bob.next(), "bob")
      await bob.until(/ 353 /)
      // Set again unchanged by another: nobody is told, and the setter stays.
      bob.send("TOPIC #whose :set by ann", "TOPIC #whose")
      await bob.until(/ 332 bob #whose :set by ann$/)
      setter(await bob.next(), "bob")
      ann.send("TOPIC #whose")
      await ann.until(/ 332 ann #whose :set by ann$/)
      setter(await ann.next(), "ann")
      // A text client is shown the topic as before.
      const cal = await inRoom(b.port, "cal", "#whose")
      assert.include(cal.lines, "-!- Topic of #whose: set by ann")
      // Cleared: 331 to a query, nothing on JOIN, no 333 anywhere.
      ann.send("TOPIC #whose :")
      await bob.until(/ TOPIC #whose :$/)
      bob.send("TOPIC #whose")
      await bob.until(/ 331 bob #whose :No topic is set$/)
      const dee = await irc(a.ircPort, "dee")
      dee.send("JOIN #whose")
      await dee.until(/ 366 /)
      assert.lengthOf(dee.lines.filter((line) => / 33[23] /.test(line)), 0)
    })

    it("only operators change modes, give statuses, kick or set a +t topic: others are refused, in every protocol", async () => {
      const [a, b] = await servers()
      const ann = await inRoom(a.port, "ann", "#owned")
      const ben = await inRoom(b.port, "ben", "#owned")
      const cat = await ircIn(b.ircPort, "cat", "#owned")
      ann.send("/mode +t")
      await ben.until("-!- ann sets mode +t on #owned")
      for (const attempt of ["/mode +i", "/op ben", "/kick ann", "/voice ben"]) {
        ben.send(attempt)
        await ben.until("-!- You are not an operator of #owned.")
      }
      ben.send("/topic mine now")
      await ben.until("-!- You are not an operator of #owned.")
      for (const attempt of ["MODE #owned +i", "MODE #owned +o cat", "KICK #owned ann :bye", "TOPIC #owned :mine"]) {
        cat.send(attempt)
        await cat.until(/ 482 cat #owned :You're not channel operator$/)
      }
      ann.send("/who")
      assert.match(await ann.until(/^-!- Members of #owned/), /@ann, ben, cat$/)
      const modes = await answerFor(ann, () => "/mode", "#owned", /modes:/)
      assert.strictEqual(modes, "-!- ROOM modes: +nt")
    })

    it("a kicked member is told who and why, hears no more of the room, and keeps its connection for others", async () => {
      const [a, b] = await servers()
      const ann = await ircIn(a.ircPort, "ann", "#club")
      const ben = await ircIn(b.ircPort, "ben", "#club")
      const watcher = await inRoom(b.port, "watcher", "#club")
      ben.send("JOIN #elsewhere")
      await ben.until(/ 366 ben #elsewhere /)
      ann.send("KICK #club ben :spamming")
      await ben.until(/^:ann!\S+ KICK #club ben :spamming$/)
      await watcher.until(/ben was kicked from #club by ann \(spamming\)/)
      ann.send("PRIVMSG #club :after the kick")
      await watcher.until("<ann> after the kick")
      ben.send("PRIVMSG #club :can I still?")
      await ben.until(/ 404 ben #club /)
      assert.isFalse(ben.saw(/after the kick/), "a kicked member heard the room")
      ben.send("PRIVMSG #elsewhere :still here", "JOIN #club")
      await ben.until(/^:ben!\S+ JOIN #club$/)
      // InspIRCd's REMOVE (WeeChat's /remove), in either order, is a kick; only operators may.
      ben.send("REMOVE #club ann :no", "REMOVE #club")
      await ben.until(/ 482 ben #club :You're not channel operator$/)
      await ben.until(/ 461 ben REMOVE :Not enough parameters$/)
      ann.send("REMOVE ben #club :again")
      await ben.until(/^:ann!\S+ KICK #club ben :again$/)
      ben.send("JOIN #club")
      await ben.until(/^:ben!\S+ JOIN #club$/)

      const text = await inRoom(b.port, "tess", "#club")
      ann.send("KICK #club tess")
      await text.until(/tess was kicked from #club by ann/)
      text.send("anyone?")
      await text.until("-!- You are in no room: /join one (#lobby is everyone's).")
      text.send("/rooms")
      await text.until(/^-!- Rooms/)
      text.send("/join #lobby")
      await text.until("-!- Members of #lobby")
    })

    it("+i lets in only the invited, each once; +k asks for the key; +l keeps to its limit", async () => {
      const [a, b] = await servers()
      const ann = await inRoom(a.port, "ann", "#vip")
      ann.send("/mode +i")
      await ann.until("-!- ann sets mode +i on #vip")
      const ben = await irc(b.ircPort, "ben")
      ben.send("JOIN #vip")
      await ben.until(/ 473 ben #vip :Cannot join channel \(\+i\)$/)
      ann.send("/invite ben")
      await ann.until("-!- Invited ben to #vip.")
      await ben.until(/^:ann!\S+ INVITE ben #vip$/)
      ben.send("JOIN #vip")
      await ben.until(/^:ben!\S+ JOIN #vip$/)
      ben.send("PART #vip", "JOIN #vip")
      await ben.until(/ 473 ben #vip /)

      const text = await join(b.port, "tom")
      text.send("/join #vip")
      await text.until("-!- Cannot join #vip: it is invite only.")
      text.send("/who")
      await text.until(/^-!- Members of #lobby/)

      ann.send("/mode -i+k sesame")
      await ann.until("-!- ann sets mode -i+k sesame on #vip")
      text.send("/join #vip")
      await text.until("-!- Cannot join #vip: it needs a key (/join #vip KEY).")
      text.send("/join #vip wrong")
      await text.until("-!- Cannot join #vip: it needs a key (/join #vip KEY).")
      ben.send("JOIN #vip nope")
      await ben.until(/ 475 ben #vip :Cannot join channel \(\+k\)$/)
      ben.send("JOIN #vip sesame")
      await ben.until(/^:ben!\S+ JOIN #vip$/)
      text.send("/join #vip sesame")
      await text.until("-!- Members of #vip")

      ann.send("/mode -k+l * 3")
      await ann.until("-!- ann sets mode -k+l * 3 on #vip")
      const late = await irc(a.ircPort, "late")
      late.send("JOIN #vip")
      await late.until(/ 471 late #vip :Cannot join channel \(\+l\)$/)
    })

    it("KNOCK (and /knock) asks an invite-only room's operators, on every server, to invite you; nobody else hears it, and it is refused for open, joined, secret and banning rooms and more than once a minute", async () => {
      const [a, b] = await servers()
      const ann = await inRoom(a.port, "ann", "#club")
      const cat = await ircIn(b.ircPort, "cat", "#club")
      const ben = await inRoom(b.port, "ben", "#club")
      ann.send("/op cat", "/mode +i")
      await cat.until(/^:ann!\S+ MODE #club \+o cat$/)
      await cat.until(/^:ann!\S+ MODE #club \+i$/)

      const eve = await irc(b.ircPort, "eve")
      eve.send("KNOCK #club :let me in, please")
      await eve.until(/^:irc\.test 711 eve #club :Your KNOCK has been delivered\.$/)
      await cat.until(/^:irc\.test 710 cat #club eve!eve@\S+ :has asked for an invite: let me in, please$/)
      await ann.until("-!- eve knocks on #club, asking to be invited: let me in, please (/invite eve #club)")
      eve.send("KNOCK #club", "KNOCK #lobby", "KNOCK #nowhere")
      await eve.until(/^:irc\.test 712 eve #club :Too many KNOCKs \(user\)\.$/)
      await eve.until(/^:irc\.test 713 eve #lobby :Channel is open\.$/)
      await eve.until(/^:irc\.test 403 eve #nowhere :No such channel$/)
      // Connecting again, from the same address, starts nothing afresh.
      const again = await irc(b.ircPort, "eve2")
      again.send("KNOCK #club :me again")
      await again.until(/^:irc\.test 712 eve2 #club /)
      ann.send("/invite eve")
      await eve.until(/^:ann!\S+ INVITE eve #club$/)
      eve.send("JOIN #club")
      await eve.until(/^:eve!\S+ JOIN #club$/)
      eve.send("KNOCK #club")
      await eve.until(/^:irc\.test 714 eve #club :You're already on that channel\.$/)

      // A banned knocker is refused as its join would be, and knocks on nobody.
      ann.send("/ban mallory")
      await ann.until("-!- ann sets mode +b mallory!*@* on #club")
      const mallory = await join(a.port, "mallory")
      mallory.send("/knock #club hi")
      await mallory.until("-!- Cannot join #club: you are banned.")
      // From the page (another address, another room), in words.
      ann.send("/join #den", "/mode +k sesame")
      await ann.until("-!- ann sets mode +k sesame on #den")
      const page = await WsClient.join(a.httpPort, "pageknock", { localAddress: "127.0.0.2" })
      later(() => page.reset())
      page.send({ type: "line", text: "/knock #den" })
      await page.until((m) => m.type === "notice" && m.text === "Your knock on #den reached its operators.")
      await ann.until("-!- pageknock knocks on #den, asking to be invited (/invite pageknock #den)")
      // Another address, on a room knocked on a moment ago: the room's limit.
      const other = await WsClient.join(a.httpPort, "otherknock", { localAddress: "127.0.0.3" })
      later(() => other.reset())
      other.send({ type: "line", text: "/knock #den" })
      await other.until((m) => m.type === "notice" && m.text === "Someone knocked on #den less than a minute ago: wait a little.")
      // A secret room is answered as one that does not exist.
      ann.send("/join #hush", "/mode +si")
      await ann.until("-!- ann sets mode +si on #hush")
      mallory.send("/knock #hush", "/knock #ghost")
      assert.strictEqual(await mallory.until(/#hush/), "-!- No such room: #hush.")
      await mallory.until("-!- No such room: #ghost.")

      ben.send("/who")
      await ben.until(/^-!- Members of #club/)
      assert.isFalse(ben.saw(/knock/i), "a member who is no operator heard a knock")
      assert.isFalse(cat.saw(/me again/), "a knock refused as too often reached the operators")
      assert.isFalse(ann.saw(/mallory knocks/), "a banned knock reached the operators")
    })

    it("a ban puts out and keeps out whom its mask is for (a nickname, the real address) and shows it nothing of the room; a quiet silences; both listed and lifted", async () => {
      const [a, b] = await servers()
      const ann = await inRoom(a.port, "ann", "#pub")
      const bob = await ircIn(b.ircPort, "bob", "#pub")
      const cal = await inRoom(b.port, "cal", "#pub")
      ann.send("/ban *", "/ban *!*@*")
      await ann.until("-!- * says nobody in particular: ban a nickname (bob), a mask (bob!*@*, *!*@10.0.0.1) or an account (~a:NAME), never everyone.")
      await ann.until("-!- *!*@* says nobody in particular")
      cal.send("/ban bob")
      await cal.until("-!- You are not an operator of #pub.")
      ann.send("/ban Bob 10m spamming")
      await bob.until(/^:ann!\S+ MODE #pub \+b bob!\*@\*$/)
      await bob.until(/^:ann!\S+ KICK #pub bob :spamming$/)
      await cal.until("-!- bob was kicked from #pub by ann (spamming)")
      bob.send("JOIN #pub")
      await bob.until(/ 474 bob #pub :Cannot join channel \(\+b\)$/)
      ann.send("/topic only for those let in")
      await cal.until(/set the topic of #pub/)
      bob.send("MODE #pub +b", "TOPIC #pub", "NAMES #pub", "LIST")
      await bob.until(/ 368 bob #pub /)
      await bob.until(/ 442 bob #pub /)
      await bob.until(/ 366 bob #pub /)
      await bob.until(/ 323 /)
      assert.isFalse(bob.saw(/ 367 | 353 .*cal|only for those let in/), "a banned outsider saw into the room")
      cal.send("/bans")
      assert.match(await cal.until(/^-!- Bans of #pub/), /^-!- Bans of #pub \(1\): bob!\*@\* by ann until \d{4}-\d\d-\d\d \d\d:\d\d UTC \(spamming\)$/)
      await cal.until("-!- No quiets in #pub.")

      // A ban on the real address, which no one is shown.
      ann.send("/ban *!*@127.0.0.1")
      await cal.until(/cal was kicked from #pub by ann \(banned\)/)
      cal.send("/join #pub")
      await cal.until("-!- Cannot join #pub: you are banned.")
      ann.send("/unban *!*@127.0.0.1", "/unban bob")
      await ann.until("-!- ann sets mode -b bob!*@* on #pub")
      cal.send("/join #pub")
      await cal.until("-!- Members of #pub")

      ann.send("/quiet cal")
      await cal.until("-!- ann sets mode +q cal!*@* on #pub")
      cal.send("hello?")
      await cal.until("-!- You are banned or quieted in #pub: you cannot speak there.")
      ann.send("/voice cal")
      await cal.until("-!- ann gives voice to cal in #pub")
      cal.send("with a voice")
      await ann.until("<cal> with a voice")
      assert.isFalse(ann.saw(/hello\?/))
      ann.send("/mode +q", "/devoice cal", "/unquiet cal")
      await ann.until("-!- ann sets mode -q cal!*@* on #pub")
      cal.send("free again")
      await ann.until("<cal> free again")

      // Lifting what is not there is said; a full list (100) takes no more, and says so (IRC 478).
      ann.send("/unban nobody")
      await ann.until("-!- nobody!*@* is not banned in #pub.")
      for (let i = 0; i < 99; i += 3) ann.send(`/mode +bbb a${i} a${i + 1} a${i + 2}`)
      ann.send("/ban a99")
      ann.send("/bans")
      await ann.until(/^-!- Bans of #pub \(100\): /)
      ann.send("/ban onemore")
      await ann.until("-!- The ban list of #pub is full (100 at most): take one out first.")
    })

    it("server operators disconnect anyone on any server, write to each other alone, and see secret rooms; nobody else may", async () => {
      const [a, b] = await servers()
      // Named by --operators before anyone registered them: whoever registers them first gets no powers.
      const boss = await join(a.port, "boss")
      boss.send("/register boss-password", "/wallops too early")
      await boss.until("-!- Nickname boss is now registered to you")
      await boss.until("-!- Only server operators may do that.")
      const chief = await join(b.port, "chief")
      chief.send("/register chief-password")
      await chief.until("-!- Nickname chief is now registered to you")
      assert.isTrue(await a.oper("boss"))
      assert.isTrue(await b.oper("chief"))
      assert.isFalse(await a.oper("nobody"))
      const pleb = await join(b.port, "pleb")
      const bob = await ircIn(b.ircPort, "bob", "#lobby")
      const hider = await inRoom(b.port, "hider", "#hideout")
      hider.send("/mode +s")
      await hider.until("-!- hider sets mode +s on #hideout")

      pleb.send("/kill bob", "/wallops hi all")
      await pleb.until("-!- Only server operators may do that.")
      await pleb.until("-!- Only server operators may do that.")
      bob.send("KILL pleb :no", "WALLOPS :hi")
      await bob.until(/ 481 bob :Permission Denied- You're not an IRC operator$/)
      await bob.until(/ 481 bob :Permission Denied/)
      // IRC's OPER identifies as the account it names: powers are that account's, or none.
      bob.send("PRIVMSG NickServ :REGISTER bob-password", "OPER bob bob-password", "OPER chief wrong-password")
      await bob.until(/ 491 bob :No O-lines for your host$/)
      await bob.until(/NickServ.* :Wrong password for chief/)
      await bob.until(/ 491 bob :No O-lines for your host$/)
      const ircChief = await irc(b.ircPort, "chiefirc")
      ircChief.send("OPER chief chief-password", "WALLOPS :from IRC")
      await ircChief.until(/ 381 \S+ :You are now an IRC operator$/)
      await chief.until("-!- [wallops] chiefirc: from IRC")
      ircChief.close()

      boss.send("/rooms")
      assert.include(await boss.until(/^-!- Rooms/), "#hideout")
      pleb.send("/rooms")
      assert.notInclude(await pleb.until(/^-!- Rooms/), "#hideout")

      // IRC users who ask for WALLOPS (user mode +w) are shown them too; one who took it back is not.
      const wants = await irc(a.ircPort, "wants")
      const undecided = await irc(b.ircPort, "undecided")
      wants.send("MODE wants +iw", "MODE wants")
      assert.match(await wants.until(/ MODE wants /), /^:wants!\S+ MODE wants :\+w$/)
      assert.match(await wants.until(/ 221 /), / 221 wants \+w$/)
      undecided.send("MODE undecided +w", "MODE undecided -w")
      await undecided.until(/ MODE undecided :\+w$/)
      await undecided.until(/ MODE undecided :-w$/)
      boss.send("/wallops the ops meeting is at noon")
      await chief.until("-!- [wallops] boss: the ops meeting is at noon")
      await boss.until("-!- [wallops] boss: the ops meeting is at noon")
      await wants.until(/^:boss!\S+ WALLOPS :the ops meeting is at noon$/)
      boss.send("/kill bob spamming")
      await bob.until("ERROR :Killed by boss (spamming)")
      await bob.eof()
      await pleb.until("-!- bob has left #lobby (killed by boss: spamming)")
      pleb.send("/who")
      await pleb.until(/^-!- Members of #lobby/)
      assert.isFalse(pleb.saw(/wallops/), "a line for server operators reached someone else")
      undecided.send("PING :after")
      await undecided.until(/PONG .*after/)
      assert.isFalse(undecided.saw(/WALLOPS/), "WALLOPS reached a user without +w")
    })

    it("OPER identifies as the operator's account and keeps the nickname it is sent from, on another server too", async () => {
      const [a, b] = await servers()
      const opsy = await join(a.port, "opsy")
      opsy.send("/register opsy-password")
      await opsy.until("-!- Nickname opsy is now registered to you, and you are identified as opsy.")
      opsy.send("/quit")
      await opsy.eof()
      assert.isTrue(await a.oper("opsy"))
      assert.isTrue(await b.oper("opsy"))
      const baz = await irc(b.ircPort, "baz")
      baz.send("OPER opsy opsy-password")
      await baz.until(/ 381 baz :You are now an IRC operator$/)
      await baz.until(/^:baz!\S+ MODE baz :\+o$/)
      baz.send("MODE baz")
      await baz.until(/ 221 baz \+o$/)
      const pleb = await join(a.port, "pleb")
      baz.send("KILL pleb :enough")
      await pleb.until(/killed by baz|enough/)
      assert.isFalse(baz.lines.some((line) => /^:\S+ NICK /.test(line)), baz.lines.join("\n"))
    })

    it("server bans (/kline) end whom they are for on every server and keep them out, by mask, account or network; only server operators set them", async () => {
      const [a, b] = await servers()
      const boss = await join(a.port, "boss")
      boss.send("/register boss-password")
      await boss.until("-!- Nickname boss is now registered to you")
      assert.isTrue(await a.oper("boss"))
      const pleb = await join(b.port, "pleb")
      const bob = await irc(b.ircPort, "bob")
      pleb.send("/kline troll*", "/klines")
      await pleb.until("-!- Only server operators may do that.")
      await pleb.until("-!- Only server operators may do that.")
      bob.send("KLINE 1h troll* :no", "STATS K")
      await bob.until(/ 481 bob :Permission Denied/)
      await bob.until(/ 481 bob :Permission Denied/)

      // Connected on the other server when the ban is set: text, IRC and the page are each told why, and go.
      const troll = await join(b.port, "trolly")
      const ircTroll = await irc(b.ircPort, "trollirc")
      const pageTroll = await WsClient.join(b.httpPort, "trollpage")
      later(() => pageTroll.reset())
      boss.send("/kline *", "/kline troll* 1h spamming")
      await boss.until(/^-!- \* says nobody in particular: .* A server ban may name an address or a network too/)
      assert.match(await boss.until(/^-!- Banned troll\*!\*@\* from this server until \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/), /troll/)
      await troll.until("-!- Banned from this server: spamming")
      await troll.eof()
      await ircTroll.until(/^:irc\.test 465 trollirc :You are banned from this server: spamming$/)
      await ircTroll.until("ERROR :Banned: spamming")
      await pageTroll.until((m) => m.type === "closing" && m.reason === "banned" && m.text === "Banned from this server: spamming")
      await pleb.until("-!- trolly has left #lobby (banned from the server: spamming)")

      // Coming back, on either server and with any client, is refused at registration.
      const again = await TestClient.connect(a.port)
      later(() => again.reset())
      again.send("trollface")
      await again.until("-!- Banned from this server: spamming")
      await again.eof()
      const ircAgain = await TestClient.connect(b.ircPort)
      later(() => ircAgain.reset())
      ircAgain.send("NICK trolled", "USER t 0 * :t")
      await ircAgain.until(/ 465 \* :You are banned from this server: spamming$/)
      assert.isFalse(ircAgain.saw(/ 001 /), "a banned client was welcomed")

      // By network: refused on connecting, before a nickname.
      boss.send("/kline 127.0.0.2/32 from that address")
      await boss.until("-!- Banned 127.0.0.2/32 from this server.")
      const fromThere = await TestClient.connect(b.port, "127.0.0.1", "127.0.0.2")
      later(() => fromThere.reset())
      await fromThere.until("-!- Banned from this server: from that address")
      await fromThere.eof()

      // By account: whoever identifies as it goes.
      const mallory = await join(b.port, "mallory")
      mallory.send("/register mallory-password")
      await mallory.until("-!- Nickname mallory is now registered to you")
      boss.send("/kline ~a:mallory abuse")
      await mallory.until("-!- Banned from this server: abuse")

      boss.send("/klines")
      await boss.until("-!- Server bans (3):")
      await boss.until(/^-!-   troll\*!\*@\* by boss until .* UTC \(spamming\)$/)
      boss.send("/unkline troll*", "/unkline troll*")
      await boss.until("-!- troll*!*@* is banned from this server no more.")
      await boss.until("-!- No server ban for troll*!*@*.")
      const back = await join(b.port, "trollface")
      back.send("/who")
      await back.until(/^-!- Members of #lobby/)
      assert.isFalse(pleb.saw(/Banned/), "a ban reached someone it is not for")
    })

    it("+s hides a room from everyone not in it, answering as for a room that does not exist; +i and +k hide its topic and members", async () => {
      const [a, b] = await servers()
      const ann = await inRoom(a.port, "ann", "#hidden")
      ann.send("/topic the plans", "/mode +s")
      await ann.until("-!- ann sets mode +s on #hidden")
      ann.send("secret words")
      const spy = await join(b.port, "spy")
      const ircSpy = await irc(b.ircPort, "ircspy")

      spy.send("/rooms")
      const rooms = await spy.until(/^-!- Rooms/)
      assert.notInclude(rooms, "#hidden")
      ircSpy.send("LIST")
      await ircSpy.until(/ 323 /)
      assert.isFalse(ircSpy.saw(/#hidden/))

      // Every question about it is answered as for a room nobody made.
      for (const ask of [(room: string) => `/mode ${room}`, (room: string) => `/invite ann ${room}`]) {
        const hidden = await answerFor(spy, ask, "#hidden", /^-!- /)
        const none = await answerFor(spy, ask, "#nothere", /^-!- /)
        assert.strictEqual(hidden, none, `${ask("#hidden")} told a non-member more than for a room that does not exist`)
      }
      const ircAsks: Array<(room: string) => string> = [
        (room) => `TOPIC ${room}`,
        (room) => `NAMES ${room}`,
        (room) => `MODE ${room}`,
        (room) => `PRIVMSG ${room} :hello?`,
        (room) => `KICK ${room} ann`,
        (room) => `INVITE ircspy ${room}`,
        (room) => `WHO ${room}`,
        (room) => `PART ${room}`
      ]
      for (const ask of ircAsks) {
        const hidden = await answerFor(ircSpy, ask, "#hidden", / (4\d\d|3[16][68]|315) /)
        const none = await answerFor(ircSpy, ask, "#nothere", / (4\d\d|3[16][68]|315) /)
        assert.strictEqual(hidden, none, `${ask("#hidden")} told a non-member more than for a room that does not exist`)
      }
      assert.isFalse(ircSpy.saw(/the plans|secret words|\bann\b/), "a non-member learned something of a secret room")

      // Joining it is no different from joining an invite-only room that is not secret.
      ann.send("/mode +i")
      await ann.until("-!- ann sets mode +i on #hidden")
      const open = await inRoom(a.port, "opener", "#shut")
      open.send("/mode +i")
      await open.until("-!- opener sets mode +i on #shut")
      const joinHidden = await answerFor(ircSpy, (room) => `JOIN ${room}`, "#hidden", / 473 /)
      const joinShut = await answerFor(ircSpy, (room) => `JOIN ${room}`, "#shut", / 473 /)
      assert.strictEqual(joinHidden, joinShut)

      // An invite-only room's topic and members are its members' alone.
      open.send("/topic not for you", "/mode +k key")
      await open.until("-!- opener sets mode +k key on #shut")
      ircSpy.send("TOPIC #shut")
      await ircSpy.until(/ 442 ircspy #shut /)
      ircSpy.send("NAMES #shut")
      await ircSpy.until(/ 366 ircspy #shut /)
      spy.send("/rooms")
      const listed = await spy.until(/^-!- Rooms/)
      assert.include(listed, "#shut (1, locked)")
      assert.isFalse(ircSpy.saw(/not for you| 353 ircspy . #shut /) || spy.saw(/not for you|Members of #shut/))
    })

    it("a registered room keeps its modes and bans while empty, gives @ to its founder and listed accounts (past +i), and to nobody else who makes it again", async () => {
      const [a, b] = await servers()
      const first = await join(a.port, "ben")
      first.send("/register ben-password")
      await first.until("-!- Nickname ben is now registered to you, and you are identified as ben.")
      first.close()
      // Registered while nobody is on the other server: it learns it all the same.
      const ann = await inRoom(a.port, "ann", "#club")
      ann.send("/room register")
      await ann.until("-!- Identify first: a registered room belongs to an account (/identify PASSWORD).")
      ann.send("/register ann-password", "/room register")
      await ann.until("-!- ann sets mode +t on #club")
      await ann.until("-!- #club is registered to you: its modes, bans, topic and operators stay while nobody is in it, and you get @ whenever you join identified.")
      ann.send("/mode +ik sesame", "/ban troll", "/room op ben", "/room op nobody", "/room op ann")
      await ann.until("-!- ben is an operator of #club: @ whenever they join identified.")
      await ann.until("-!- nobody is no registered account.")
      await ann.until("-!- ann founded #club: a founder is always its operator.")
      ann.send("/join #lobby")
      await ann.until("-!- Members of #lobby")
      const cal = await join(b.port, "cal")

      // Empty, it is still invite only and keyed: whoever makes it again is refused, and no operator.
      cal.send("/join #club", "/join #club sesame")
      await cal.until("-!- Cannot join #club: it is invite only.")
      cal.send("/room register #club", "/room drop #club")
      await cal.until("-!- #club is registered already (to ann).")
      await cal.until("-!- Identify first: a registered room belongs to an account (/identify PASSWORD).")

      // A listed account gets in, and gets @, from IRC on the other server.
      const ben = await irc(b.ircPort, "ben")
      ben.send("PRIVMSG NickServ :IDENTIFY ben-password")
      await ben.until(/NickServ.* :You are now identified as ben/)
      ben.send("JOIN #club", "MODE #club", "PRIVMSG ChanServ :INFO #club", "PRIVMSG ChanServ :AMODE #club +o cal", "PRIVMSG ChanServ :HELP")
      await ben.until(/ 353 ben = #club :@ben$/)
      await ben.until(/ 324 ben #club \+iknt sesame$/)
      await ben.until(/^:ChanServ!ChanServ@services NOTICE ben :#club is registered to ann since \d{4}-\d\d-\d\d \d\d:\d\d UTC; its operators: ben\.$/)
      await ben.until(":ChanServ!ChanServ@services NOTICE ben :Only the founder of #club (ann) may do that.")
      await ben.until(":ChanServ!ChanServ@services NOTICE ben :ChanServ commands: REGISTER #ROOM, DROP #ROOM, INFO #ROOM, AMODE #ROOM +o ACCOUNT (or -o)")
      ben.send("MODE #club -i", "MODE #club +b")
      await ben.until(/:ben!\S+ MODE #club -i$/)
      await ben.until(/ 367 ben #club troll!\*@\* ann /)
      ben.send("PRIVMSG ChanServ :DROP #club", "PART #club")
      await ben.until(":ChanServ!ChanServ@services NOTICE ben :Only the founder of #club (ann) may do that.")
      await ben.until(/:ben!\S+ PART #club/)

      // The page asks as the text protocol does.
      const page = await WsClient.join(b.httpPort, "pageuser")
      later(() => page.reset())
      page.say("/room info #club")
      await page.until((m) => "text" in m && typeof m.text === "string" && m.text.startsWith("#club is registered to ann since "))

      // What its operator changed is kept; the founder, back, is its operator again; a drop is its own.
      cal.send("/join #club sesame")
      await cal.until("-!- Members of #club (1): cal")
      ann.send("/identify ann-password", "/join #club")
      await ann.until(/^-!- Members of #club \(2\): @ann, cal|^-!- Members of #club \(2\): cal, @ann/)
      await cal.until(/^-!- ann has joined #club/)
      await cal.until("-!- ChanServ gives operator status to ann in #club")
      cal.send("/room drop", "/room info")
      await cal.until("-!- Identify first: a registered room belongs to an account (/identify PASSWORD).")
      await cal.until(/^-!- #club is registered to ann since /)
      ann.send("/room deop nobody", "/room drop")
      await ann.until("-!- nobody is not listed as an operator of #club.")
      await ann.until("-!- #club is registered no more.")
      cal.send("/room info")
      await cal.until("-!- #club is not registered.")

      // A secret registered room is, to whoever is not in it, a room that does not exist.
      ann.send("/join #hush", "/mode +s", "/room register", "/join #lobby")
      await ann.until("-!- #hush is registered to you: its modes, bans, topic and operators stay while nobody is in it, and you get @ whenever you join identified.")
      await ann.until("-!- Members of #lobby")
      for (const ask of [(room: string) => `/room register ${room}`, (room: string) => `/room info ${room}`, (room: string) => `/room drop ${room}`]) {
        const answered = /^-!- (No such room|#\S+ is not registered)/
        assert.strictEqual(await answerFor(cal, ask, "#hush", answered), await answerFor(cal, ask, "#nothere", answered))
      }
      ann.send("/room info #hush")
      await ann.until(/^-!- #hush is registered to ann since /)
    })

    it("a registered room keeps an invitation for an account while it is empty, on either server, until the account joins; nobody else gets in on it", async () => {
      const [a, b] = await servers()
      const dee = await join(b.port, "dee")
      dee.send("/register dee-password", "/quit")
      await dee.until("-!- Nickname dee is now registered to you, and you are identified as dee.")
      await dee.eof()
      const ann = await inRoom(a.port, "ann", "#vault")
      ann.send("/register ann-password", "/room register", "/mode +i")
      await ann.until("-!- ann sets mode +i on #vault")
      ann.send("/invite nobody")
      await ann.until("-!- No such nickname: nobody.")
      const invitee = await join(b.port, "dee")
      await invitee.until("-!- Nickname dee is registered. Identify with /identify PASSWORD within 30 s, or you will be renamed.")
      ann.send("/invite dee")
      await ann.until("-!- Invited dee to #vault.")
      await invitee.until(/ann invites you to #vault/)
      invitee.close()
      ann.send("/join #lobby")
      await ann.until("-!- Members of #lobby")

      // Holding the nickname is not being the account: the kept invitation is not for an impostor, on either server.
      for (const port of [a.port, b.port]) {
        const impostor = await join(port, "dee")
        await impostor.until("-!- Nickname dee is registered. Identify with /identify PASSWORD within 30 s, or you will be renamed.")
        impostor.send("/join #vault")
        await impostor.until("-!- Cannot join #vault: it is invite only.")
        impostor.close()
      }

      // The account gets in once, from IRC, though the room was empty meanwhile.
      const real = await irc(a.ircPort, "dee")
      real.send("PRIVMSG NickServ :IDENTIFY dee-password")
      await real.until(/NickServ.* :You are now identified as dee/)
      real.send("JOIN #vault")
      await real.until(/ 353 dee = #vault :dee$/)
      real.send("PART #vault", "JOIN #vault")
      await real.until(/ 473 dee #vault /)
    })
  })

suite("one server", oneServer)
suite("two servers", twoServers)
