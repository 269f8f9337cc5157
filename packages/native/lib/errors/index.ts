export * from "./native-errors.js";
export { captureUserStack } from "./with-user-stack.js";
