export { type DemoOptions, runDemo } from "./run-demo.js";
