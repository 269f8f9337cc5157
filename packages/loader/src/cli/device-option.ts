import { readFile } from "node:fs/promises";
import {
  AotihubError,
  type DeviceProfile,
  describeDevice,
  isAotihubError,
  normalizeMachine,
  normalizeOs,
  parseDeviceProfile,
} from "@aotihub/registry";

/**
 * What `--device` accepts everywhere: "auto", "cpu", a DeviceProfile as JSON, or @file / a file
 * path. The two words win over files of those names (`./cpu` or `@cpu` reads such a file).
 */
export const DEVICE_OPTION_HELP =
  '"auto" (probe this machine), "cpu" (this machine without its GPUs), a JSON DeviceProfile, or @file';

/** One device: this machine (its first GPU) for "auto", else the profile given. */
export async function readDeviceOption(value: string): Promise<DeviceProfile> {
  return (await readDevicesOption(value, { allGpus: false }))[0]!;
}

/**
 * The devices `--device` names. "auto" with `allGpus` is one profile per GPU the driver sees (so
 * `prefetch` covers the union of what they need), or the CPU profile on a machine without one.
 */
export async function readDevicesOption(value: string, opts = { allGpus: true }): Promise<DeviceProfile[]> {
  if (value === "auto") return probeThisMachine(opts.allGpus);
  // CPU artifacts on purpose, even on a GPU machine (as loadCompiled's device "cpu")
  if (value === "cpu") return (await probeThisMachine(false)).map((profile) => ({ ...profile, cuda: null }));
  const text = value.trim().startsWith("{") ? value : await readText(value.replace(/^@/, ""));
  try {
    return [parseDeviceProfile(JSON.parse(text))];
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new AotihubError("AOTIHUB_DEVICE_INVALID", "--device is not JSON", {
      expected: DEVICE_OPTION_HELP,
      received: text.slice(0, 200),
      hint: error.message,
    });
  }
}

/**
 * This machine through `probeDevice()` (CUDA driver, CPU ISA, torch). If the native addon cannot
 * load, falls back to what Node knows (OS and machine, no GPU, no torch) and says so on stderr.
 */
async function probeThisMachine(allGpus: boolean): Promise<DeviceProfile[]> {
  try {
    const native = await import("@aotihub/native");
    const first = await native.probeDevice();
    if (!allGpus || !first.cuda) return [first];
    const gpus = await native.probeGpus();
    return Promise.all(gpus.map((gpu) => native.probeDevice({ gpuIndex: gpu.index })));
  } catch (error) {
    const why =
      isAotihubError(error) || error instanceof Error ? error.message.split("\n")[0] : String(error);
    const fallback: DeviceProfile = {
      os: normalizeOs(process.platform),
      machine: normalizeMachine(process.arch),
      cuda: null,
      torch: null,
    };
    process.stderr.write(
      `aotihub: could not probe this machine (${why}); assuming ${describeDevice(fallback)}\n`,
    );
    return [fallback];
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new AotihubError("AOTIHUB_FILE_UNREADABLE", `Cannot read the device profile ${path}`, {
      received: (error as Error).message,
      hint: `check the path; --device takes ${DEVICE_OPTION_HELP}`,
      cause: error,
    });
  }
}
