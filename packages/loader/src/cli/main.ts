#!/usr/bin/env node
// The `aotihub` command. Each subcommand lives in its own file under ./commands and registers
// itself on the program; this file only wires them together and turns errors into exit codes.
import { Command } from "commander";
import { commands } from "./commands/index.js";
import { reportCliError } from "./report-error.js";

const program = new Command("aotihub")
  .description(
    "Distribute and run ahead-of-time compiled PyTorch models (AOTInductor) from the Hugging Face Hub",
  )
  .showHelpAfterError();

for (const register of commands) register(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.exitCode = reportCliError(error);
});
