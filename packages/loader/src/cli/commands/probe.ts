import { findTorch, probeDevice, probeGpus } from "@aotihub/native";
import { describeDevice, isAotihubError } from "@aotihub/registry";
import type { RegisterCommand } from "./index.js";

/** `aotihub probe`: every GPU the CUDA driver sees, the CPU's ISA and the torch found. */
export const registerProbe: RegisterCommand = (program) => {
  program
    .command("probe")
    .description("Show what this machine offers compiled models: every GPU, the CPU ISA, the torch found")
    .option("--json", "print { devices: DeviceProfile[], gpus, torch }")
    .action(async (flags: { json?: boolean }) => {
      const gpus = await probeGpus();
      const devices =
        gpus.length > 0
          ? await Promise.all(gpus.map((g) => probeDevice({ gpuIndex: g.index })))
          : [await probeDevice()];
      const torch = await findTorch().catch((error: unknown) =>
        isAotihubError(error) ? error.message : Promise.reject(error),
      );
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ devices, gpus, torch }, null, 2)}\n`);
        return;
      }
      if (gpus.length === 0) process.stdout.write("no CUDA GPU\n");
      for (const gpu of gpus)
        process.stdout.write(
          `cuda:${gpu.index} ${gpu.name}, compute capability ${gpu.computeCapability}, ${(gpu.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB\n`,
        );
      process.stdout.write(`${describeDevice(devices[0]!)}\n`);
      process.stdout.write(
        typeof torch === "string"
          ? `torch: not found\n${torch}\n`
          : `torch ${torch.fullVersion} at ${torch.dir}\n`,
      );
      // what `runtime: "auto"` will do here (docs/loadcompiled.md, choosing the runtime)
      process.stdout.write(
        typeof torch === "string"
          ? "runtime: standalone builds only (no torch here: libtorch builds cannot run)\n"
          : "runtime: libtorch builds where one fits, else standalone builds\n",
      );
    });
};
