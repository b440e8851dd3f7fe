export * from "./label-aspects.js";
export * from "./registry.js";
export * from "./resource.js";
