import { startHubServer } from "@aotihub/hub-server";
import { InvalidArgumentError } from "commander";
import type { RegisterCommand } from "./index.js";

/** `aotihub serve <dir>`: a local Hub over a folder of repos, until SIGINT/SIGTERM. */
export const registerServe: RegisterCommand = (program) => {
  program
    .command("serve")
    .description(
      "Serve a folder of repos (models/<org>/<name>/, kernels/..., datasets/...) as a Hugging Face Hub",
    )
    .argument("<dir>", "folder holding models/, datasets/ and/or kernels/")
    .option("--port <n>", "API port (0: any free port)", toInteger, 0)
    .option("--cdn-port <n>", "port of the CDN origin LFS downloads are redirected to (0: any)", toInteger, 0)
    .option("--host <host>", "interface to listen on", "127.0.0.1")
    .option(
      "--allowed-host <name>",
      "a host name clients may use besides IP addresses and localhost (repeatable; others get 403)",
      (name: string, names: string[]) => [...names, name],
      [] as string[],
    )
    .option(
      "--throttle <bytesPerSecond>",
      "pace each CDN connection to this many bytes per second",
      toInteger,
    )
    .option("--latency <ms>", "add this latency to each CDN answer", toInteger, 0)
    .option("--lfs-threshold <bytes>", "files this size or larger are LFS", toInteger)
    .action(async (dir: string, flags: Record<string, number | string | string[] | undefined>) => {
      const server = await startHubServer({
        root: dir,
        host: flags.host as string,
        allowedHosts: flags.allowedHost as string[],
        port: flags.port as number,
        cdnPort: flags.cdnPort as number,
        throttleBytesPerSecond: flags.throttle as number | undefined,
        latencyMs: flags.latency as number,
        lfsThresholdBytes: flags.lfsThreshold as number | undefined,
      });
      process.stdout.write(
        `aotihub: serving ${server.root}\n  HF_ENDPOINT=${server.url}\n  CDN ${server.cdnUrl}\n  stop with Ctrl-C\n`,
      );
      await new Promise<void>((stop) => {
        const onSignal = () => stop();
        process.once("SIGINT", onSignal);
        process.once("SIGTERM", onSignal);
      });
      await server.close();
      process.stdout.write("aotihub: stopped\n");
    });
};

function toInteger(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0) {
    throw new InvalidArgumentError(`expected a whole number >= 0, got "${value}"`);
  }
  return number;
}
