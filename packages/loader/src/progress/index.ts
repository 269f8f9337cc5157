export { type CliProgress, createCliProgress } from "./cli-progress-reporter.js";
export type { ProgressEvent, ProgressListener } from "./progress-event.js";
export { ProgressTracker } from "./progress-tracker.js";
