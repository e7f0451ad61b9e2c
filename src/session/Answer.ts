import { answer } from "../protocol/Event.js"
import type { Reply } from "../protocol/Reply.js"
import type { Client, CommandEnv } from "./Client.js"

/** An answer to the client, through the hub: in order with what its rooms say. */
export const reply = (env: CommandEnv, client: Client, r: Reply) => env.hub.publish(answer(client.id, r, client.nick))
