/** The adapter contract on Discord over the gateway: slash commands as INTERACTION_CREATE. */
import { adapterContract } from "../../support/adapter-contract.js";
import { createDiscordDriver } from "./discord-driver.js";

adapterContract("the Discord adapter", () => createDiscordDriver());
