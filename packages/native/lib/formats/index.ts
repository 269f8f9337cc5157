export * from "./pt2/index.js";
export * from "./safetensors/index.js";
