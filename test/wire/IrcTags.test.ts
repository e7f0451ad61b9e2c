import { assert, describe, it } from "@effect/vitest"
import { MessageIds, timeOfId } from "../../src/protocol/MessageId.js"
import { clientTags } from "../../src/wire/IrcTags.js"

describe("client-only tags", () => {
  it("keeps +tags as sent (an empty value as none), and leaves out the server's and malformed ones", () => {
    assert.strictEqual(clientTags("+typing=active;time=x;msgid=y;+draft/reply=abc\\sdef"), "+typing=active;+draft/reply=abc\\sdef")
    assert.strictEqual(clientTags("+flag;+empty="), "+flag;+empty")
    assert.isUndefined(clientTags("account=bob;batch=1"))
    assert.isUndefined(clientTags("+bad name=x;+=x;+a/=x"))
  })
})

describe("message ids", () => {
  it("start with the time they were made, sort in the order they were made, and are not our own when malformed", () => {
    const ids = new MessageIds("mark")
    const at = Date.UTC(2026, 11, 6, 12, 0, 0, 123)
    const first = ids.next(at)
    const second = ids.next(at)
    const later = ids.next(at + 1)
    assert.notStrictEqual(first, second)
    assert.strictEqual(timeOfId(first), at)
    assert.isTrue(first < later && second < later)
    assert.notStrictEqual(new MessageIds().next(at), new MessageIds().next(at))
    assert.isUndefined(timeOfId("nope"))
    assert.isUndefined(timeOfId("not ours, at all"))
  })
})
