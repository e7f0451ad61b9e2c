import { common, keeps } from "./RedisScripts.js"

/**
 * The Lua of a room operator's actions (keys as `RedisScripts` describes them). Each checks the
 * actor's standing and changes the room in one step, and publishes what it did to the room's
 * channel in the same step: every server applies it to its own copy of the room in that order.
 * They answer `{status, ...}`: `ok`, or `noroom`, `notin`, `notop`, `nonick`, `notmember`, `inside`.
 */
const standing = `
local room, session = ARGV[2], ARGV[3]
local mk, ik = p..'members:'..room, p..'info:'..room
if room ~= '#lobby' and redis.call('EXISTS', mk) == 0 then return {'noroom'} end
if redis.call('HEXISTS', mk, session) == 0 then return {'notin'} end
local function operator() return redis.call('SISMEMBER', p..'ops:'..room, session) == 1 end
local function holder(key)
  local value = redis.call('GET', p..'nick:'..key)
  if not value then return nil end
  local target = string.sub(value, 1, string.find(value, ' ', 1, true) - 1)
  return target, string.sub(value, #target + 2)
end
`

/**
 * ARGV: p, room, session, the `ModeChanged` batch with `"changes":[]`, the actor's nickname, now (ms),
 * then fours of "1"/"0", letter, argument ("" for none; a nick key for `o` and `v`; a mask for `b` and
 * `q`) and, for a ban, its reason, expiry and kick as JSON (else ""). {'ok', the changes made, as JSON, or ""}.
 */
export const modes = keeps + common + standing + `
if not operator() then return {'notop'} end
local by, now = ARGV[5], tonumber(ARGV[6])
local wanted = {}
for i = 7, #ARGV, 4 do
  local change = {on = ARGV[i] == '1', mode = ARGV[i + 1], arg = ARGV[i + 2], extra = ARGV[i + 3]}
  if change.mode == 'o' or change.mode == 'v' then
    local target, nick = holder(change.arg)
    if not target then return {'nonick', change.arg} end
    if redis.call('HEXISTS', mk, target) == 0 then return {'notmember', nick} end
    change.session, change.arg = target, nick
  end
  wanted[#wanted + 1] = change
end
local made = {}
for _, c in ipairs(wanted) do
  if c.mode == 'o' or c.mode == 'v' then
    local set = p..(c.mode == 'o' and 'ops:' or 'voices:')..room
    local changed = c.on and redis.call('SADD', set, c.session) or redis.call('SREM', set, c.session)
    if changed == 1 then made[#made + 1] = {on = c.on, mode = c.mode, arg = c.arg, session = c.session} end
  elseif c.mode == 'b' or c.mode == 'q' then
    local bk, field = p..'bans:'..room, c.mode..' '..c.arg
    -- A full list first forgets what ran out: those count toward no limit.
    if c.on and redis.call('HLEN', bk) >= 100 then
      local all = redis.call('HGETALL', bk)
      for i = 1, #all, 2 do
        local old = cjson.decode(all[i + 1])
        if old.expires and old.expires <= now then redis.call('HDEL', bk, all[i]) end
      end
    end
    if c.on and redis.call('HEXISTS', bk, field) == 0 and redis.call('HLEN', bk) < 100 then
      local ban, shown = {mask = c.arg, kind = c.mode, by = by, at = now}, {on = true, mode = c.mode, arg = c.arg}
      if c.extra ~= '' then
        local extra = cjson.decode(c.extra)
        ban.reason, ban.expires = extra.reason, extra.expires
        shown.reason, shown.expires, shown.kick = extra.reason, extra.expires, extra.kick
      end
      redis.call('HSET', bk, field, cjson.encode(ban))
      made[#made + 1] = shown
    elseif not c.on and redis.call('HDEL', bk, field) == 1 then
      made[#made + 1] = {on = false, mode = c.mode, arg = c.arg}
    end
  else
    -- n is on while the field x (messages from outside) is not there.
    local field, on = c.mode, c.on
    if c.mode == 'n' then field, on = 'x', not c.on end
    local current = redis.call('HGET', ik, field)
    local value = (c.mode == 'k' or c.mode == 'l') and c.arg or '1'
    if on and current ~= value then
      redis.call('HSET', ik, field, value)
      if value == '1' then made[#made + 1] = {on = c.on, mode = c.mode} else made[#made + 1] = {on = true, mode = c.mode, arg = value} end
    elseif not on and current then
      redis.call('HDEL', ik, field)
      if c.mode == 'k' then made[#made + 1] = {on = false, mode = 'k', arg = '*'} else made[#made + 1] = {on = c.on, mode = c.mode} end
    end
  end
end
if #made == 0 then return {'ok', ''} end
local json = cjson.encode(made)
local template = ARGV[4]
local at = string.find(template, '"changes":[]', 1, true)
redis.call('PUBLISH', p..'room:'..room, string.sub(template, 1, at + 9)..json..string.sub(template, at + 12))
return {'ok', json}
`

/**
 * ARGV: p, room, session, the kicked session, its `Left` batch. Takes the member out of the room,
 * telling everyone in it (the kicked member too: its server takes it out of its own copy).
 */
export const kick = keeps + common + standing + `
if not operator() then return {'notop'} end
if redis.call('HEXISTS', mk, ARGV[4]) == 0 then return {'notmember'} end
redis.call('PUBLISH', p..'room:'..room, ARGV[5])
unseat(room, ARGV[4])
gone(room)
return {'ok'}
`

/**
 * ARGV: p, room, session, the invitee's session, its server's channel, the `Invited` batch. Keeps
 * the invitation (until used, or the room is gone; at most 100, one let go when more come) and tells the invitee.
 */
export const invite = keeps + common + standing + `
if redis.call('HEXISTS', ik, 'i') == 1 and not operator() then return {'notop'} end
if redis.call('HEXISTS', mk, ARGV[4]) == 1 then return {'inside'} end
if redis.call('SCARD', p..'invites:'..room) >= 100 then redis.call('SPOP', p..'invites:'..room) end
redis.call('SADD', p..'invites:'..room, ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[6])
return {'ok'}
`

/**
 * ARGV: p, room, when this server made it (ms), its modes here (`i`, key or "", limit or "", `m`, `t`, `s`,
 * `x` (`-n`): "1" or ""), its bans and quiets (a JSON list of them), then pairs of this server's members and their
 * statuses ("o", "v", "ov" or ""). After the link comes back: a room Redis has no rules for (it
 * restarted empty, or the room was made while the servers were apart) takes this server's, bans too, and the statuses of every server's members that comes
 * back within a minute; then the room as `roster` gives it, for this server to take.
 */
export const resync = keeps + common + `
local room = ARGV[2]
local mk, ik = p..'members:'..room, p..'info:'..room
if redis.call('EXISTS', mk) == 0 then return {0} end
local fresh = redis.call('HSETNX', ik, 'created', ARGV[3]) == 1
if fresh then
  local fields = {'i', 'k', 'l', 'm', 't', 's', 'x'}
  for f = 1, 7 do if ARGV[3 + f] ~= '' then redis.call('HSET', ik, fields[f], ARGV[3 + f]) end end
  for _, ban in ipairs(cjson.decode(ARGV[11])) do redis.call('HSET', p..'bans:'..room, ban.kind..' '..ban.mask, cjson.encode(ban)) end
  -- The other servers coming back meanwhile add their own members' statuses.
  redis.call('SET', p..'restored:'..room, '1', 'PX', 60000)
end
if fresh or redis.call('EXISTS', p..'restored:'..room) == 1 then
  for j = 12, #ARGV, 2 do
    if redis.call('HEXISTS', mk, ARGV[j]) == 1 then
      if string.find(ARGV[j + 1], 'o', 1, true) then redis.call('SADD', p..'ops:'..room, ARGV[j]) end
      if string.find(ARGV[j + 1], 'v', 1, true) then redis.call('SADD', p..'voices:'..room, ARGV[j]) end
    end
  end
end
return roster(room)
`

/** ARGV: p, room, session, its `Left` batch. Takes a member a ban is for out of the room (its server finds whom a ban is for), telling the room. */
export const unseat = keeps + common + `
local room, session = ARGV[2], ARGV[3]
if redis.call('HEXISTS', p..'members:'..room, session) == 0 then return 0 end
redis.call('PUBLISH', p..'room:'..room, ARGV[4])
unseat(room, session)
gone(room)
return 1
`
