/**
 * Who set a room's topic (the nickname as it was shown then) and when (milliseconds since the
 * epoch): what IRC's 333 (RPL_TOPICWHOTIME) tells. A topic kept from before they were kept has none.
 */
export interface TopicSetter {
  readonly by: string
  readonly at: number
}

/** A room's topic, with who set it and when when that is known. */
export interface RoomTopic {
  readonly text: string
  readonly setter?: TopicSetter | undefined
}

/** A {@link RoomTopic} as the fields a join answers with: `topic`, and `topicSetter` when known. */
export const topicFields = (topic: RoomTopic | undefined): { readonly topic: string | undefined; readonly topicSetter?: TopicSetter } =>
  topic?.setter === undefined ? { topic: topic?.text } : { topic: topic.text, topicSetter: topic.setter }
