import { common, keeps } from "./RedisScripts.js"

/**
 * The scripts of a server's presence in the cluster (`RedisPresence`):
 * reaping the servers whose leases ran out, releasing this one, and
 * restoring what Redis has of it after the link comes back. The keys are
 * those of `RedisScripts`.
 */

/** ARGV: p, this node. Drops every other server whose lease ran out; returns {room, session, nick, room size} of each of its sessions. */
export const reap = keeps + common + `
local out = {}
for _, node in ipairs(redis.call('SMEMBERS', p..'nodes')) do
  if node ~= ARGV[2] and redis.call('EXISTS', p..'alive:'..node) == 0 then
    drop(node, out, {})
    forget(node)
    redis.call('SET', p..'dropped:'..node, '1', 'EX', 86400)
  end
end
return out
`

/** ARGV: p, node. Drops this server (stopping); returns what `reap` does. */
export const release = keeps + common + `
local out = {}
drop(ARGV[2], out, {})
forget(ARGV[2])
return out
`

/**
 * ARGV: p, node, now (ms), then for each session this server has now: its cluster name, its nickname's key,
 * its nickname, "1" when it is identified as its nickname's account (else ""), the session as bans
 * see it ("nick!user@host", lower case), its account or "", how many rooms, and the rooms. Makes Redis say what this server has: what it had
 * of it and no longer has goes (a previous run that was killed, sessions that left or renamed
 * while the link was down), and every session's nickname and rooms are claimed as they are. In
 * one script, so that no room it alone is in empties (and loses its history) on the way.
 * Returns {dropped, as \`reap\` returns them; sessions whose nickname another server holds; the
 * sessions put back in rooms after the others dropped this server, as \`reap\` returns them; {session,
 * nickname} of other servers' unidentified holders of a nickname whose account this server's session is identified as;
 * {room, session, why} for sessions that joined a room while apart that is shut to them (`banned`, `invite`, `key`, `full`)}.
 */
export const restore = keeps + common + `
local node, now = ARGV[2], tonumber(ARGV[3])
local prefix = node..'/'
local want, order = {}, {}
local i = 4
while i <= #ARGV do
  local n = tonumber(ARGV[i + 6])
  local rooms = {}
  for k = 1, n do rooms[ARGV[i + 6 + k]] = true end
  want[ARGV[i]] = {key = ARGV[i + 1], nick = ARGV[i + 2], owned = ARGV[i + 3] == '1', who = ARGV[i + 4], account = ARGV[i + 5], rooms = rooms}
  order[#order + 1] = ARGV[i]
  i = i + 7 + n
end
local dropped, taken, touched, returned, displaced, shut = {}, {}, {}, {}, {}, {}
local back = redis.call('DEL', p..'dropped:'..node) == 1
for _, room in ipairs(redis.call('SMEMBERS', p..'node:'..node..':rooms')) do
  local mk = p..'members:'..room
  local all = redis.call('HGETALL', mk)
  for j = 1, #all, 2 do
    local w = want[all[j]]
    if string.sub(all[j], 1, #prefix) == prefix and (not w or not w.rooms[room]) then
      unseat(room, all[j])
      dropped[#dropped + 1] = {room, all[j], all[j + 1], #all / 2}
    end
  end
  touched[room] = true
end
for _, key in ipairs(redis.call('SMEMBERS', p..'node:'..node..':nicks')) do
  local value = redis.call('GET', key)
  local w = value and want[string.sub(value, 1, (string.find(value, ' ', 1, true) or 1) - 1)]
  if not value or string.sub(value, 1, #prefix) ~= prefix then
    redis.call('SREM', p..'node:'..node..':nicks', key)
  elseif not w or w.key ~= key then
    redis.call('DEL', key)
    redis.call('SREM', p..'node:'..node..':nicks', key)
    disown(key, string.sub(value, 1, (string.find(value, ' ', 1, true) or 1) - 1))
    presence(string.sub(value, (string.find(value, ' ', 1, true) or 0) + 1), false)
  end
end
for _, session in ipairs(order) do
  local w = want[session]
  local current = redis.call('GET', w.key)
  local free = true
  if current then
    local owner = string.sub(current, 1, (string.find(current, ' ', 1, true) or 1) - 1)
    local ownerNode = string.match(owner, '^(.*)/[^/]*$')
    if ownerNode and ownerNode ~= node and redis.call('EXISTS', p..'alive:'..ownerNode) == 1 then
      -- Identified as its account, it takes the nickname back from a holder who is not.
      if w.owned and redis.call('HGET', p..'owned', w.key) ~= owner then
        displaced[#displaced + 1] = {owner, w.nick}
      else
        free = false
      end
    end
  end
  if free then
    if current ~= session..' '..w.nick then presence(w.nick, true) end
    redis.call('SET', w.key, session..' '..w.nick)
    redis.call('SADD', p..'node:'..node..':nicks', w.key)
    if w.owned then redis.call('HSET', p..'owned', w.key, session) else disown(w.key, session) end
  else
    taken[#taken + 1] = session
  end
  for room in pairs(w.rooms) do
    local mk, ik = p..'members:'..room, p..'info:'..room
    local m = redis.call('HMGET', ik, 'i', 'k', 'l', 'created')
    -- Joined while the servers were apart, a room the others kept shut: it does not get in (unless this server was dropped,
    -- and it was in it; or Redis lost the room's rules, which a server that came back first has just put back from its copy).
    local kept = m[4] and redis.call('EXISTS', p..'restored:'..room) == 0
    local outside = not back and kept and redis.call('HEXISTS', mk, session) == 0
    local banned = outside and banned(room, 'b', w.who, w.account, now)
    if outside and (banned or m[1] or m[2] or (m[3] and redis.call('HLEN', mk) >= tonumber(m[3]))) then
      shut[#shut + 1] = {room, session, banned and 'banned' or m[1] and 'invite' or m[2] and 'key' or 'full'}
    else
      if redis.call('HSET', mk, session, w.nick) == 1 and back and free then
        returned[#returned + 1] = {room, session, w.nick, redis.call('HLEN', mk)}
      end
      redis.call('SADD', p..'rooms', room)
      redis.call('SADD', p..'node:'..node..':rooms', room)
      touched[room] = true
    end
  end
end
for room in pairs(touched) do gone(room) end
return {dropped, taken, returned, displaced, shut}
`
