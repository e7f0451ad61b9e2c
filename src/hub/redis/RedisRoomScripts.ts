import type { JoinSeed } from "../Hub.js"
import { common, keeps } from "./RedisScripts.js"

/** The Lua that puts sessions in rooms and takes them out, and reads who is there (keys as `RedisScripts` describes them). */

/**
 * ARGV: p, room, session, nick, node, announceMax, history, loud payload, quiet channel, quiet payload,
 * key given or "", now in ms, the session as bans see it ("nick!user@host", in lower case), its account
 * or "", then for a registered room (`seedArgs`): "1" when the session is one of its operators, "i" when
 * its account holds an invitation the room keeps (else "0"), its modes as a flat JSON list of fields and values, and its bans, each as JSON. {-1, why}
 * when the room refuses the session (`banned`, `invite`, `key`, `full`).
 */
export const join = keeps + common + `
local room, session, nick, node, max, history = ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
local mk, ik, bk = p..'members:'..room, p..'info:'..room, p..'bans:'..room
local new = room ~= '#lobby' and redis.call('EXISTS', mk) == 0
local seeded, chief, pass = ARGV[15] ~= nil, ARGV[15] == '1', ARGV[15] == 'i'
-- A registered room is made as it keeps itself, then asked like any other (and unmade if it refuses).
if new and seeded then
  redis.call('DEL', ik, bk)
  local fields = cjson.decode(ARGV[16])
  if #fields > 0 then redis.call('HSET', ik, unpack(fields)) end
  for i = 17, #ARGV do
    local ban = cjson.decode(ARGV[i])
    redis.call('HSET', bk, ban.kind..' '..ban.mask, ARGV[i])
  end
end
local function refuse(why)
  if new and seeded then redis.call('DEL', ik, bk) end
  return {-1, why}
end
local asked = (not new or seeded) and not chief and redis.call('HEXISTS', mk, session) == 0
if asked and banned(room, 'b', ARGV[13], ARGV[14], tonumber(ARGV[12])) then return refuse('banned') end
if asked and redis.call('SREM', p..'invites:'..room, session) == 0 and not pass then
  local m = redis.call('HMGET', ik, 'i', 'k', 'l')
  if m[1] then return refuse('invite') end
  if m[2] and m[2] ~= ARGV[11] then return refuse('key') end
  if m[3] and redis.call('HLEN', mk) >= tonumber(m[3]) then return refuse('full') end
end
redis.call('HSET', mk, session, nick)
-- #lobby always exists: nobody made it, and it has no operator. A registered room's are by account.
if new then redis.call('HSET', ik, 'created', ARGV[12]) end
if (new and not seeded) or chief then redis.call('SADD', p..'ops:'..room, session) end
redis.call('SADD', p..'rooms', room)
redis.call('SADD', p..'node:'..node..':rooms', room)
local r = roster(room)
if announced(max, r[1]) then
  redis.call('PUBLISH', p..'room:'..room, ARGV[8])
else
  redis.call('PUBLISH', ARGV[9], ARGV[10])
end
local past = {}
if history > 0 then past = redis.call('XREVRANGE', p..'history:'..room, '+', '-', 'COUNT', history) end
r[6] = past
return r
`

/** ARGV: p, room, session, announceMax, loud payload, quiet channel, quiet payload. 0 when not a member. */
export const part = keeps + common + `
local room, session, max = ARGV[2], ARGV[3], tonumber(ARGV[4])
local mk = p..'members:'..room
if redis.call('HEXISTS', mk, session) == 0 then return 0 end
if announced(max, redis.call('HLEN', mk)) then
  redis.call('PUBLISH', p..'room:'..room, ARGV[5])
else
  redis.call('PUBLISH', ARGV[6], ARGV[7])
end
unseat(room, session)
gone(room)
return 1
`

/** ARGV: p, session, nick key, node, announceMax, then pairs of room and payload ("" to leave it silently). */
export const leave = keeps + common + `
local session, key, node, max = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
for i = 6, #ARGV, 2 do
  local room, payload = ARGV[i], ARGV[i + 1]
  local mk = p..'members:'..room
  if payload ~= '' and announced(max, redis.call('HLEN', mk)) then redis.call('PUBLISH', p..'room:'..room, payload) end
  unseat(room, session)
  gone(room)
end
local value = redis.call('GET', key)
if value and string.sub(value, 1, #session + 1) == session..' ' then
  redis.call('DEL', key)
  presence(string.sub(value, #session + 2), false)
end
redis.call('SREM', p..'node:'..node..':nicks', key)
disown(key, session)
return 1
`

/**
 * ARGV: p, room, session, topic or "", 1 to set or 0 to clear, payload, the setter's nick, now in ms. 1 when set (the
 * setter and the time kept with it, or cleared with it), 2 when it was that already, 0 when not a member, -1 when not an operator of a `+t` room.
 */
export const topic = keeps + common + `
local room, session = ARGV[2], ARGV[3]
if redis.call('HEXISTS', p..'members:'..room, session) == 0 then return 0 end
if redis.call('HEXISTS', p..'info:'..room, 't') == 1 and redis.call('SISMEMBER', p..'ops:'..room, session) == 0 then return -1 end
-- The same topic again is no change: nobody is told (done, as far as the caller goes).
if ARGV[5] == '1' and redis.call('HGET', p..'info:'..room, 'topic') == ARGV[4] then return 2 end
if ARGV[5] == '1' then
  redis.call('HSET', p..'info:'..room, 'topic', ARGV[4], 'topicBy', ARGV[7], 'topicAt', ARGV[8], 'topicFor', ARGV[8]..' '..ARGV[4])
else
  redis.call('HDEL', p..'info:'..room, 'topic', 'topicBy', 'topicAt', 'topicFor')
end
redis.call('PUBLISH', p..'room:'..room, ARGV[6])
return 1
`

/** ARGV: p, room. */
export const roster = common + `
return roster(ARGV[2])
`

/** ARGV: p. Every room: name, members, 1 and topic or 0 and "", its modes as `roster` gives them. */
export const rooms = `
local p = ARGV[1]
local out = {}
local names = redis.call('SMEMBERS', p..'rooms')
local lobby = false
for _, room in ipairs(names) do if room == '#lobby' then lobby = true end end
if not lobby then names[#names + 1] = '#lobby' end
for _, room in ipairs(names) do
  local info = redis.call('HMGET', p..'info:'..room, 'topic', 'i', 'k', 'l', 'm', 't', 's', 'x')
  local t = info[1]
  local modes = {info[2] and 1 or 0, info[3] or '', info[4] or '', info[5] and 1 or 0, info[6] and 1 or 0, info[7] and 1 or 0, info[8] and 1 or 0}
  out[#out + 1] = {room, redis.call('HLEN', p..'members:'..room), t and 1 or 0, t or '', modes, redis.call('HVALS', p..'bans:'..room)}
end
return out
`

/** A room's modes as scripts give them: `i`, the key or "", the limit or "", `m`, `t`, `s`, `x` (`-n`: kept as the field `x`), flags as 1 or 0. */
export type ModesReply = readonly [invite: number, key: string, limit: string, moderated: number, topicLock: number, secret: number, external: number]

/** What `roster` returns, and `join` (with the room's history, newest first, from `XREVRANGE`). */
export type RosterReply = readonly [
  count: number,
  operators: ReadonlyArray<string>,
  hasTopic: number,
  topic: string,
  nicks: ReadonlyArray<string>,
  history: ReadonlyArray<readonly [string, ReadonlyArray<string>]>,
  voiced: ReadonlyArray<string>,
  modes: ModesReply,
  created: number,
  /** Its bans and quiets, each as JSON. */
  bans: ReadonlyArray<string>,
  /** Who set the topic and when (ms), or "" (not known, or no topic). */
  topicBy: string,
  topicAt: string
]

/** A registered room's `join` arguments: whether the joiner operates it (or is invited), its modes as `info` fields, its bans. */
export const seedArgs = (seed: JoinSeed | undefined): ReadonlyArray<string> => {
  if (seed === undefined) return []
  const { external, invite, key, limit, moderated, secret, topicLock } = seed.modes
  const fields = [
    ...(invite ? ["i", "1"] : []),
    ...(key === undefined ? [] : ["k", key]),
    ...(limit === undefined ? [] : ["l", String(limit)]),
    ...(moderated ? ["m", "1"] : []),
    ...(topicLock ? ["t", "1"] : []),
    ...(secret ? ["s", "1"] : []),
    ...(external ? ["x", "1"] : [])
  ]
  return [seed.operator ? "1" : seed.invited ? "i" : "0", JSON.stringify(fields), ...seed.bans.map((ban) => JSON.stringify(ban))]
}
