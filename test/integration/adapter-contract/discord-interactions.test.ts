/**
 * The adapter contract on Discord with the HTTP interactions endpoint: `/ask` comes as a signed POST
 * to /discord/interactions and is acknowledged by the endpoint's own answer; messages still come over
 * the gateway, as they do for a bot that has both.
 */
import { adapterContract } from "../../support/adapter-contract.js";
import { createDiscordDriver } from "./discord-driver.js";

adapterContract("the Discord adapter with the HTTP interactions endpoint", () =>
  createDiscordDriver({ endpoint: true }),
);
