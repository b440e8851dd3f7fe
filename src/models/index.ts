export * from "./builtin.js";
export * from "./catalog.js";
export * from "./competence.js";
export * from "./hub.js";
export * from "./types.js";
