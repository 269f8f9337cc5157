import type { Command } from "commander";
import { registerCache } from "./cache.js";
import { registerDemo } from "./demo.js";
import { registerDownload } from "./download.js";
import { registerLock } from "./lock.js";
import { registerPrefetch } from "./prefetch.js";
import { registerProbe } from "./probe.js";
import { registerPublish } from "./publish.js";
import { registerResolve } from "./resolve.js";
import { registerServe } from "./serve.js";

/** Adds one subcommand to the program. One file per subcommand; list it here. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [
  registerServe,
  registerResolve,
  registerDemo,
  registerDownload,
  registerPrefetch,
  registerCache,
  registerLock,
  registerProbe,
  registerPublish,
];
