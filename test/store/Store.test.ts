import { afterAll, beforeAll } from "@effect/vitest"
import * as StoreMemory from "../../src/store/StoreMemory.js"
import * as StorePostgres from "../../src/store/StorePostgres.js"
import * as StoreSqlite from "../../src/store/StoreSqlite.js"
import { temporaryFolders } from "../support/folders.js"
import { PostgresServer } from "../support/PostgresServer.js"
import { storeContract } from "./contract.js"

storeContract("StoreMemory", () => StoreMemory.layer)

const freshFolder = temporaryFolders("hubbub-store-")
storeContract("StoreSqlite", () => StoreSqlite.layer(freshFolder(), "0.1.0"))

let postgres: PostgresServer
let databases = 0
beforeAll(async () => {
  postgres = await PostgresServer.start()
}, 60_000)
afterAll(() => postgres?.stop())
storeContract("StorePostgres", () => StorePostgres.layer(postgres.createDatabase(`contract_${++databases}`), "0.1.0"))
