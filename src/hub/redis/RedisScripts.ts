/**
 * What `HubRedis.layer` keeps in Redis, and the Lua scripts that change it.
 * Each script runs atomically, so a join's history and roster are exactly
 * what came before its `Joined` in the room's channel, and one server alone
 * reaps a lost one (`RedisPresenceScripts`). Every key starts with the prefix (`ARGV[1]`, `hubbub:`
 * by default):
 *
 * - `nodes`: the servers of the cluster; `alive:<node>`: a server's lease.
 * - `nick:<nick in lower case>`: `"<session> <nick>"`, owned while its server's lease lasts.
 * - `members:<room>`: session → nick; `info:<room>`: `topic` (with `topicBy` and `topicAt` in ms: who set it, when, and `topicFor`: `"<topicAt> <topic>"`, what they are for), `created` (ms) and its modes (`i`, `k`,
 *   `l`, `m`, `t`, `s`: present when set); `ops:<room>`, `voices:<room>`: sessions with a status;
 *   `invites:<room>`: sessions invited in; `bans:<room>`: "<kind> <mask>" -> the ban as JSON;
 *   `rooms`: the rooms.
 * - `history:<room>`: its last messages, a capped Stream.
 * - `node:<node>:rooms`, `node:<node>:nicks`: where a server's sessions are, to reap them.
 * - `profiles:<node>`: its sessions' profiles; `whowas`: the latest departures (`RedisProfiles`).
 *
 * Channels: `room:<room>` for a room's events, `to:<node>` for a server's sessions (and, from
 * each script that gives a nickname out or frees it, a note to every server: `presence`).
 * A session is named `<node>/<id>` outside its own server.
 */
/**
 * The start of a script that keeps who is where: it runs even when Redis is out of memory
 * (`maxmemory` with `noeviction`; Redis 7's script flags). What it writes is a few keys a user,
 * bounded by the users, and a cluster that stops writing them shows healthy servers' users leaving
 * and gives one nickname out twice. A room's history is not written then (`say`).
 */
export const keeps = "#!lua flags=allow-oom\n"

export const common = `
local p = ARGV[1]
local function gone(room)
  if room ~= '#lobby' and redis.call('HLEN', p..'members:'..room) == 0 then
    redis.call('DEL', p..'info:'..room, p..'history:'..room, p..'ops:'..room, p..'voices:'..room, p..'invites:'..room, p..'bans:'..room)
    redis.call('SREM', p..'rooms', room)
  end
end
local function unseat(room, session)
  redis.call('HDEL', p..'members:'..room, session)
  redis.call('SREM', p..'ops:'..room, session)
  redis.call('SREM', p..'voices:'..room, session)
end
-- Whether text matches mask (* any run, ? any one character), in time linear in their lengths.
local function glob(mask, text)
  local m, t, star, resume = 1, 1, 0, 0
  while t <= #text do
    local c = string.sub(mask, m, m)
    if m <= #mask and (c == '?' or c == string.sub(text, t, t)) then
      m, t = m + 1, t + 1
    elseif m <= #mask and c == '*' then
      star, m, resume = m, m + 1, t
    elseif star ~= 0 then
      m, resume = star + 1, resume + 1
      t = resume
    else
      return false
    end
  end
  while m <= #mask and string.sub(mask, m, m) == '*' do m = m + 1 end
  return m > #mask
end
-- Whether a ban of kind ('b' or 'q') not run out at now is for who ('nick!user@host', or as shown:
-- 'nick!user@hubbub') or account.
local function banned(room, kind, who, account, now)
  for _, value in ipairs(redis.call('HVALS', p..'bans:'..room)) do
    local ban = cjson.decode(value)
    if ban.kind == kind and (not ban.expires or ban.expires > now) then
      if string.sub(ban.mask, 1, 3) == '~a:' then
        if account ~= '' and string.sub(ban.mask, 4) == account then return true end
      else
        -- who: its forms, space-separated (nick!nick@host, and nick!~user@host when USER gave another).
        for form in string.gmatch(who, '%S+') do
          if glob(ban.mask, form) or glob(ban.mask, (string.gsub(form, '@[^@]*$', '@hubbub'))) then return true end
        end
      end
    end
  end
  return false
end
local function nicksOf(set, mk)
  local list = {}
  for _, s in ipairs(redis.call('SMEMBERS', set)) do
    local nick = redis.call('HGET', mk, s)
    if nick then list[#list + 1] = nick end
  end
  return list
end
local function announced(max, size)
  return max == 0 or size <= max
end
local function roster(room)
  local mk = p..'members:'..room
  local n = redis.call('HLEN', mk)
  local nicks
  if n <= 100 then
    nicks = redis.call('HVALS', mk)
  else
    nicks = {}
    local cursor = '0'
    repeat
      local page = redis.call('HSCAN', mk, cursor, 'COUNT', 100)
      cursor = page[1]
      for i = 2, #page[2], 2 do
        if #nicks < 100 then nicks[#nicks + 1] = page[2][i] end
      end
    until cursor == '0' or #nicks >= 100
  end
  local info = redis.call('HMGET', p..'info:'..room, 'topic', 'created', 'i', 'k', 'l', 'm', 't', 's', 'x', 'topicBy', 'topicAt', 'topicFor')
  local ops = nicksOf(p..'ops:'..room, mk)
  local modes = {info[3] and 1 or 0, info[4] or '', info[5] or '', info[6] and 1 or 0, info[7] and 1 or 0, info[8] and 1 or 0, info[9] and 1 or 0}
  local voiced = nicksOf(p..'voices:'..room, mk)
  local created = tonumber(info[2] or '0')
  local bans = redis.call('HVALS', p..'bans:'..room)
  -- Who set the topic, unless a server of a version before topicBy set another since (topicFor is "<topicAt> <topic>":
  -- a server that writes topicBy and topicAt but not topicFor changes the time, one before them only the topic).
  local current = true
  if info[12] then
    local space = string.find(info[12], ' ', 1, true) or (#info[12] + 1)
    current = string.sub(info[12], 1, space - 1) ~= (info[11] or '') or string.sub(info[12], space + 1) == info[1]
  end
  if info[1] then return {n, ops, 1, info[1], nicks, {}, voiced, modes, created, bans, current and info[10] or '', current and info[11] or ''} end
  return {n, ops, 0, '', nicks, {}, voiced, modes, created, bans, '', ''}
end
local function disown(key, session)
  if redis.call('HGET', p..'owned', key) == session then redis.call('HDEL', p..'owned', key) end
end
-- IRC's MONITOR: every server hears, in this step, that a nickname came online or went offline (a note nobody is shown;
-- addressed to no session, so a server of an older version shows it to nobody either).
local function presence(nick, online)
  local note = cjson.encode({at = 0, events = {{_tag = 'Notice', to = '~monitor', text = '', [online and 'online' or 'offline'] = nick}}})
  for _, node in ipairs(redis.call('SMEMBERS', p..'nodes')) do redis.call('PUBLISH', p..'to:'..node, note) end
end
local function drop(node, out, keep)
  local prefix = node..'/'
  for _, room in ipairs(redis.call('SMEMBERS', p..'node:'..node..':rooms')) do
    local mk = p..'members:'..room
    local all = redis.call('HGETALL', mk)
    local size = #all / 2
    for i = 1, #all, 2 do
      if string.sub(all[i], 1, #prefix) == prefix and not keep[all[i]] then
        unseat(room, all[i])
        out[#out + 1] = {room, all[i], all[i + 1], size}
      end
    end
    gone(room)
  end
  for _, key in ipairs(redis.call('SMEMBERS', p..'node:'..node..':nicks')) do
    local value = redis.call('GET', key)
    local owner = value and string.sub(value, 1, (string.find(value, ' ', 1, true) or 1) - 1)
    if not value or string.sub(value, 1, #prefix) ~= prefix then
      redis.call('SREM', p..'node:'..node..':nicks', key)
    elseif not keep[owner] then
      redis.call('DEL', key)
      redis.call('SREM', p..'node:'..node..':nicks', key)
      disown(key, owner)
      presence(string.sub(value, #owner + 2), false)
    end
  end
end
local function forget(node)
  redis.call('DEL', p..'node:'..node..':rooms', p..'node:'..node..':nicks', p..'alive:'..node, p..'profiles:'..node)
  redis.call('SREM', p..'nodes', node)
end
`

/**
 * ARGV: p, nick key, "session nick", session, node, old nick key or "", "1" when the session is
 * identified as the nickname's account, then rooms. {{1, each room's size}, displaced} claimed
 * (`displaced`: the session of another server it was taken back from, unidentified; or ""), {{0}, ""} taken.
 * Who is identified as their nickname's account is the hash `owned` (nick key -> session); an entry
 * counts only while its session holds the nickname, and goes with it (claims, leaves, restores and
 * reaps take out what is not so: session ids start again with a server's run).
 */
export const claim = keeps + common + `
local key, value, session, node, old, owned = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7] == '1'
local current = redis.call('GET', key)
local displaced, fresh = '', true
if current then
  local owner = string.sub(current, 1, string.find(current, ' ', 1, true) - 1)
  fresh = owner ~= session
  if owner ~= session then
    local ownerNode = string.match(owner, '^(.*)/[^/]*$')
    if ownerNode and redis.call('EXISTS', p..'alive:'..ownerNode) == 1 then
      if not owned or redis.call('HGET', p..'owned', key) == owner then return {{0}, ''} end
      displaced = owner
    end
  end
end
redis.call('SET', key, value)
redis.call('SADD', p..'node:'..node..':nicks', key)
if owned then redis.call('HSET', p..'owned', key, session) else disown(key, session) end
if old ~= '' and old ~= key then
  local was = redis.call('GET', old)
  if was and string.sub(was, 1, #session + 1) == session..' ' then
    redis.call('DEL', old)
    presence(string.sub(was, #session + 2), false)
  end
  redis.call('SREM', p..'node:'..node..':nicks', old)
  disown(old, session)
end
local nick = string.sub(value, #session + 2)
if fresh then presence(nick, true) end
local sizes = {1}
for i = 8, #ARGV do
  -- Only where it still is: an operator may have put it out of a room its server has not yet heard of.
  if redis.call('HEXISTS', p..'members:'..ARGV[i], session) == 1 then redis.call('HSET', p..'members:'..ARGV[i], session, nick) end
  redis.call('SADD', p..'rooms', ARGV[i])
  redis.call('SADD', p..'node:'..node..':rooms', ARGV[i])
  sizes[#sizes + 1] = redis.call('HLEN', p..'members:'..ARGV[i])
end
return {sizes, displaced}
`

/** ARGV: p, nick key, session, "1" when it is identified as the nickname's account (then it owns it), else "". */
export const own = keeps + `
local p, key, session = ARGV[1], ARGV[2], ARGV[3]
local current = redis.call('GET', key)
if ARGV[4] == '1' then
  if current and string.sub(current, 1, #session + 1) == session..' ' then redis.call('HSET', p..'owned', key, session) end
elseif redis.call('HGET', p..'owned', key) == session then
  redis.call('HDEL', p..'owned', key)
end
return 1
`

/**
 * ARGV: p, room, topic or "", who set it or "", when (ms) or "", then history entries, oldest first. Gives an existing
 * room what a store kept, where it has nothing.
 */
export const revive = `
local p, room, topic = ARGV[1], ARGV[2], ARGV[3]
if room ~= '#lobby' and redis.call('EXISTS', p..'members:'..room) == 0 then return 0 end
if topic ~= '' and redis.call('HSETNX', p..'info:'..room, 'topic', topic) == 1 and ARGV[4] ~= '' then
  redis.call('HSET', p..'info:'..room, 'topicBy', ARGV[4], 'topicAt', ARGV[5], 'topicFor', ARGV[5]..' '..topic)
end
if #ARGV > 5 and redis.call('EXISTS', p..'history:'..room) == 0 then
  for i = 6, #ARGV do redis.call('XADD', p..'history:'..room, '*', 'h', ARGV[i]) end
end
return 1
`

/** ARGV: p, payload. Publishes the payload to every server. */
export const everyone = `
for _, node in ipairs(redis.call('SMEMBERS', ARGV[1]..'nodes')) do redis.call('PUBLISH', ARGV[1]..'to:'..node, ARGV[2]) end
return 1
`

/**
 * ARGV: p, room, history size, payload, then history entries (at most the history size). Returns 1,
 * or why Redis refused to keep them (the batch is published all the same). A batch's
 * messages are one Stream entry (repeated fields): one `XADD` per batch, and the last `size` entries
 * hold at least the last `size` messages. A room with no members keeps nothing.
 */
export const say = `
local p, room = ARGV[1], ARGV[2]
local kept = 1
if #ARGV > 4 and (room == '#lobby' or redis.call('EXISTS', p..'members:'..room) == 1) then
  local fields = {}
  for i = 5, #ARGV do
    fields[#fields + 1] = 'h'
    fields[#fields + 1] = ARGV[i]
  end
  local added = redis.pcall('XADD', p..'history:'..room, 'MAXLEN', ARGV[3], '*', unpack(fields))
  if type(added) == 'table' and added.err then kept = added.err end
end
redis.call('PUBLISH', p..'room:'..room, ARGV[4])
return kept
`

/**
 * ARGV: p, node, lease in ms, this run's token. Keeps a server in the cluster; returns the token its
 * lease held before: none when it had run out (the server was dropped), another when another server
 * runs under the same node id.
 */
export const alive = keeps + `
redis.call('SADD', ARGV[1]..'nodes', ARGV[2])
return redis.call('SET', ARGV[1]..'alive:'..ARGV[2], ARGV[4], 'PX', ARGV[3], 'GET')
`

/** Nothing: its answer says that everything sent before it was answered. */
export const ping = "return 1"

/** What `reap` and `release` return: room, session, nickname, and the room's size before, for each session dropped. */
export type Dropped = ReadonlyArray<readonly [room: string, session: string, nick: string, size: number]>

