export * from "./pt2/index.js";
