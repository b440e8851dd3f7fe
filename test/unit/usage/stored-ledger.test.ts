import { describe } from "vitest";
import { createStorage } from "../../../src/storage/index.js";
import { createStoredUsageLedger } from "../../../src/usage/index.js";
import { ledgerContract } from "./ledger-contract.js";

describe("the usage ledger in the bot's storage", () => {
  ledgerContract("storage", async () => createStoredUsageLedger(createStorage()));
});
