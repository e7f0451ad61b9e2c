import { maxSilenced } from "../protocol/Silence.js"
import { maxAwayBytes, maxUserLength } from "../protocol/Profile.js"
import { maxChanges } from "../protocol/Modes.js"
import { maxRoomsPerSession } from "../protocol/Names.js"
import { ircLineBytes } from "./IrcLines.js"
import { maxHistory } from "../protocol/HistoryRange.js"
import { maxTargets } from "./IrcRoomInput.js"
import { maxMonitored } from "../protocol/MonitorReply.js"

/** What `005` advertises; nicknames and rooms are hubbub's (`Names.ts`). */
const tokens = [
  "CASEMAPPING=ascii",
  "CHANTYPES=#",
  "NICKLEN=24",
  "CHANNELLEN=33",
  "TOPICLEN=390",
  `LINELEN=${ircLineBytes}`,
  `CHANLIMIT=#:${maxRoomsPerSession}`,
  `TARGMAX=${Object.entries(maxTargets).map(([command, max]) => `${command}:${max}`).join(",")}`,
  "PREFIX=(ov)@+",
  "CHANMODES=bq,k,l,imnst",
  `MODES=${maxChanges}`,
  "NETWORK=hubbub",
  `AWAYLEN=${maxAwayBytes}`,
  `USERLEN=${maxUserLength + 1}`,
  "ELIST=MNU",
  `CHATHISTORY=${maxHistory}`,
  "MSGREFTYPES=msgid,timestamp",
  "WHOX",
  `MONITOR=${maxMonitored}`,
  "STATUSMSG=@+",
  "BOT=B",
  `SILENCE=${maxSilenced}`,
  "CALLERID=g"
]

/** The `005` lines: at most 12 tokens each, so that no parser merges the last ones (15 parameters a message). */
export const isupport: ReadonlyArray<string> = Array.from({ length: Math.ceil(tokens.length / 12) }, (_, i) => tokens.slice(i * 12, i * 12 + 12).join(" "))
