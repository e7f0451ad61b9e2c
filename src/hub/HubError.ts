import * as Schema from "effect/Schema"

export class NickInUse extends Schema.TaggedClass<NickInUse>()("NickInUse", { nick: Schema.String }) {}
export class NoSuchRoom extends Schema.TaggedClass<NoSuchRoom>()("NoSuchRoom", { room: Schema.String }) {}
export class NotInRoom extends Schema.TaggedClass<NotInRoom>()("NotInRoom", { room: Schema.String }) {}
export class NotRegistered extends Schema.TaggedClass<NotRegistered>()("NotRegistered", {
  session: Schema.String
}) {}

/** A join refused: the room is invite only (and the session was not invited), has another key, or is full. */
export class CannotJoin extends Schema.TaggedClass<CannotJoin>()("CannotJoin", {
  room: Schema.String,
  why: Schema.Literals(["invite", "key", "full", "banned"])
}) {}
/** Only the room's operators may do that. */
export class NotOperator extends Schema.TaggedClass<NotOperator>()("NotOperator", { room: Schema.String }) {}
/** The nickname named is nobody's. */
export class NoSuchNick extends Schema.TaggedClass<NoSuchNick>()("NoSuchNick", { nick: Schema.String }) {}
/** The nickname named is not in the room (`inside: true`: it is, and should not be). */
export class NotMember extends Schema.TaggedClass<NotMember>()("NotMember", {
  nick: Schema.String,
  room: Schema.String,
  inside: Schema.optional(Schema.Boolean)
}) {}

/** What the hub refuses, and why. */
export class HubError extends Schema.TaggedError<HubError>()("HubError", {
  reason: Schema.Union([NickInUse, NoSuchRoom, NotInRoom, NotRegistered, CannotJoin, NotOperator, NoSuchNick, NotMember])
}) {
  override get message(): string {
    const reason = this.reason
    switch (reason._tag) {
      case "NickInUse":
        return `Nickname ${reason.nick} is already in use.`
      case "NoSuchRoom":
        return `No such room: ${reason.room}.`
      case "NotInRoom":
        return `Not in ${reason.room}.`
      case "NotRegistered":
        return `Session ${reason.session} has no nickname.`
      case "CannotJoin":
        return `Cannot join ${reason.room} (${reason.why}).`
      case "NotOperator":
        return `Not an operator of ${reason.room}.`
      case "NoSuchNick":
        return `No such nickname: ${reason.nick}.`
      case "NotMember":
        return reason.inside ? `${reason.nick} is already in ${reason.room}.` : `${reason.nick} is not in ${reason.room}.`
    }
  }
}

/** Redis did not answer when the server started (and `redisOptional` was not set). */
export class RedisUnavailable extends Schema.TaggedError<RedisUnavailable>()("RedisUnavailable", {
  url: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot reach Redis at ${shownUrl(this.url)}: ${this.reason}`
  }
}

/** Another server runs under this server's node id: it keeps renewing the lease. */
export class NodeIdInUse extends Schema.TaggedError<NodeIdInUse>()("NodeIdInUse", { node: Schema.String }) {
  override get message(): string {
    return `another server runs as node ${this.node} (its lease in Redis is being renewed): give each server its own --node-id`
  }
}

/** A Redis URL as the log shows it: without its password. */
export const shownUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    if (parsed.password === "") return url
    parsed.password = "***"
    return parsed.toString()
  } catch {
    return url
  }
}
