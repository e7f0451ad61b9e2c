import { assert, describe, it } from "@effect/vitest"
import type { Event } from "../../src/protocol/Event.js"
import type { Reply } from "../../src/protocol/Reply.js"
import { ircFormat } from "../../src/wire/IrcCodec.js"

const irc = ircFormat({ serverName: "irc.test", version: "test", created: "today", motd: ["Be kind."] })
const render = (event: Event) => irc.render(event) as string
const answer = (reply: Reply) => render({ _tag: "Answer", to: "s1", nick: "ann", reply })

describe("IRC's room moderation", () => {
  it("relays mode changes, kicks and invitations from their users' prefixes", () => {
    assert.strictEqual(
      render({ _tag: "ModeChanged", room: "#a", by: "ann", changes: [{ on: true, mode: "o", arg: "bob", session: "s2" }, { on: false, mode: "v", arg: "cy" }] }),
      ":ann!ann@hubbub MODE #a +o-v bob cy\r\n"
    )
    assert.strictEqual(
      render({ _tag: "ModeChanged", room: "#a", by: "ann", changes: [{ on: true, mode: "k", arg: "key" }, { on: true, mode: "m" }] }),
      ":ann!ann@hubbub MODE #a +km key\r\n"
    )
    assert.strictEqual(render({ _tag: "Left", room: "#a", nick: "bob", session: "s2", reason: "spam", by: "ann" }), ":ann!ann@hubbub KICK #a bob :spam\r\n")
    // RFC 2812: without a comment, the kicker's nickname is the reason.
    assert.strictEqual(render({ _tag: "Left", room: "#a", nick: "bob", session: "s2", reason: "", by: "ann" }), ":ann!ann@hubbub KICK #a bob :ann\r\n")
    assert.strictEqual(render({ _tag: "Invited", to: "s2", nick: "bob", room: "#a", by: "ann" }), ":ann!ann@hubbub INVITE bob #a\r\n")
  })

  it("answers with the numerics clients know", () => {
    assert.strictEqual(answer({ _tag: "Modes", target: "#a", modes: "+knt", params: ["key"] }), ":irc.test 324 ann #a +knt key\r\n")
    assert.strictEqual(
      answer({ _tag: "Modes", target: "#a", modes: "+ln", params: ["10"], created: 1700000000 }),
      ":irc.test 324 ann #a +ln 10\r\n:irc.test 329 ann #a 1700000000\r\n"
    )
    assert.strictEqual(answer({ _tag: "Modes", target: "ann", modes: "+" }), ":irc.test 221 ann +\r\n")
    assert.strictEqual(answer({ _tag: "CannotJoin", room: "#a", why: "invite" }), ":irc.test 473 ann #a :Cannot join channel (+i)\r\n")
    assert.strictEqual(answer({ _tag: "CannotJoin", room: "#a", why: "key" }), ":irc.test 475 ann #a :Cannot join channel (+k)\r\n")
    assert.strictEqual(answer({ _tag: "CannotJoin", room: "#a", why: "full" }), ":irc.test 471 ann #a :Cannot join channel (+l)\r\n")
    assert.strictEqual(answer({ _tag: "CannotJoin", room: "#a", why: "banned" }), ":irc.test 474 ann #a :Cannot join channel (+b)\r\n")
    assert.strictEqual(answer({ _tag: "NotOperator", room: "#a" }), ":irc.test 482 ann #a :You're not channel operator\r\n")
    assert.strictEqual(answer({ _tag: "NotMember", nick: "bob", room: "#a" }), ":irc.test 441 ann bob #a :They aren't on that channel\r\n")
    assert.strictEqual(answer({ _tag: "AlreadyMember", nick: "bob", room: "#a" }), ":irc.test 443 ann bob #a :is already on channel\r\n")
    assert.strictEqual(answer({ _tag: "Inviting", nick: "bob", room: "#a" }), ":irc.test 341 ann bob #a\r\n")
    assert.strictEqual(answer({ _tag: "CannotSend", room: "#a", moderated: true }), ":irc.test 404 ann #a :Cannot send to channel (+m)\r\n")
    assert.strictEqual(answer({ _tag: "CannotSend", room: "#a" }), ":irc.test 404 ann #a :Cannot send to channel\r\n")
  })

  it("marks operators @ and voiced members + in NAMES, and gives a locked room's LIST entry no topic", () => {
    assert.strictEqual(
      answer({ _tag: "Members", room: "#a", count: 4, nicks: ["ann", "bob", "cy", "dee"], operators: ["ann", "cy"], voiced: ["bob", "cy"] }),
      ":irc.test 353 ann = #a :@ann +bob @cy dee\r\n:irc.test 366 ann #a :End of /NAMES list\r\n"
    )
    assert.strictEqual(
      answer({ _tag: "RoomList", rooms: [{ room: "#a", members: 2, topic: "secret plans", locked: true }, { room: "#b", members: 1, topic: "open" }] }),
      ":irc.test 321 ann Channel :Users Name\r\n:irc.test 322 ann #a 2 :\r\n:irc.test 322 ann #b 1 :open\r\n:irc.test 323 ann :End of /LIST\r\n"
    )
  })

  it("advertises the modes in 005, in lines of at most 15 parameters", () => {
    const lines = answer({ _tag: "Welcome", nick: "ann" }).split("\r\n").filter((line) => line.includes(" 005 "))
    const tokens = lines.flatMap((line) => line.split(" :")[0].split(" ").slice(3))
    for (const token of ["CHANTYPES=#", "PREFIX=(ov)@+", "CHANMODES=bq,k,l,imnst", "MODES=6", "TARGMAX=JOIN:10,PART:10,NAMES:10,KICK:4,PRIVMSG:4,NOTICE:4", "ELIST=MNU", "AWAYLEN=200", "USERLEN=11"]) {
      assert.include(tokens, token)
    }
    for (const line of lines) assert.isAtMost(line.split(" :")[0].split(" ").length - 1 + 1, 15)
  })
})
