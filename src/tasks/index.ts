export * from "./registry.js";
export * from "./resource.js";
