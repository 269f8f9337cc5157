import type { Command } from "commander";
import { registerDemo } from "./demo.js";
import { registerResolve } from "./resolve.js";
import { registerServe } from "./serve.js";

/** Adds one subcommand to the program. One file per subcommand; list it here. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [registerServe, registerResolve, registerDemo];
