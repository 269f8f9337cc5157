import type { DeviceOption } from "../../compiled/choose-device.js";
import { runDemo } from "../../demo/run-demo.js";
import type { RegisterCommand } from "./index.js";

/**
 * `aotihub demo`: README command 1. Exports the tiny DiT with the installed torch (once), serves it
 * from a local Hub, loads it with `loadCompiled("tiny-dit")` for this device and runs every
 * resolution, printing the choice, load time, first and steady call times and output checksums.
 */
export const registerDemo: RegisterCommand = (program) => {
  program
    .command("demo")
    .description("Export, serve, load and run the bundled tiny DiT on this machine, with timings")
    .option("--device <device>", '"auto" (the GPU when there is one), "cpu" or "cuda:N"', "auto")
    .option("--runs <n>", "steady-state calls per resolution", "20")
    .action(async (flags: { device: string; runs: string }) => {
      await runDemo({
        device: flags.device as DeviceOption,
        runs: Math.max(1, Number.parseInt(flags.runs, 10) || 20),
        out: (line) => process.stdout.write(`${line}\n`),
      });
    });
};
