import { cudaGpuLikely, probeDevice } from "@aotihub/native";
import { AotihubError, type DeviceProfile, parseDeviceProfile } from "@aotihub/registry";

/** Where to load: probe the machine, force CPU, a GPU by index, or a full profile to resolve for. */
export type DeviceOption = "auto" | "cpu" | `cuda:${number}` | DeviceProfile;

export interface DeviceChoice {
  /** What the registry chooses artifacts for. */
  profile: DeviceProfile;
  /** What the runtime places containers and weights on: "cpu" or "cuda:N". */
  runtime: string;
}

const CUDA_INDEX = /^cuda:(\d+)$/;

/**
 * Turns `opts.device` into a profile for the registry and a device for the runtime. "cpu" on a GPU
 * machine resolves as if there were no GPU, so CPU artifacts are chosen on purpose, never by a
 * silent fallback.
 */
export async function chooseDevice(option: DeviceOption = "auto", torchDir?: string): Promise<DeviceChoice> {
  const probeOpts = torchDir === undefined ? {} : { torchDir };
  if (typeof option === "object") {
    const profile = parseDeviceProfile(option);
    return { profile, runtime: profile.cuda ? "cuda:0" : "cpu" };
  }
  if (option === "auto") {
    const profile = await probeDevice(probeOpts);
    return { profile, runtime: profile.cuda ? "cuda:0" : "cpu" };
  }
  if (option === "cpu") {
    const profile = await probeDevice(probeOpts);
    return { profile: { ...profile, cuda: null }, runtime: "cpu" };
  }
  const match = CUDA_INDEX.exec(option);
  if (match) {
    const index = Number(match[1]);
    const profile = await probeDevice({ ...probeOpts, gpuIndex: index });
    if (!profile.cuda) {
      throw new AotihubError("AOTIHUB_NO_SUCH_GPU", `There is no CUDA device ${option} on this machine.`, {
        expected: `a GPU with index ${index} visible to the CUDA driver`,
        received: "no such GPU (run `aotihub probe` to see what the driver reports)",
        hint: 'use device "auto" or "cpu", or check CUDA_VISIBLE_DEVICES',
      });
    }
    return { profile, runtime: option };
  }
  throw new AotihubError("AOTIHUB_DEVICE_INVALID", `Unknown device ${JSON.stringify(option)}.`, {
    expected: '"auto", "cpu", "cuda:N", or a DeviceProfile object',
    received: JSON.stringify(option),
    hint: 'pass device: "auto" to use the GPU when there is one',
  });
}

/**
 * The runtime device a device option names outright ("cpu", "cuda:N"), known before any probe;
 * null for "auto" and profiles, which need the probe's answer. (An invalid option or a GPU that is
 * not there is still refused by chooseDevice.)
 */
export function namedRuntimeDevice(option: DeviceOption): string | null {
  if (option === "cpu") return "cpu";
  return typeof option === "string" && CUDA_INDEX.test(option) ? option : null;
}

/**
 * The runtime device "auto" will most likely resolve to, from the GPU's device nodes (no driver
 * call): what libtorch's early dlopens start for before the probe has answered; null for the other
 * options (named ones need no guess, profiles are not probed). Only a guess: chooseDevice decides.
 */
export function likelyRuntimeDevice(option: DeviceOption): string | null {
  if (option !== "auto") return null;
  return cudaGpuLikely() ? "cuda:0" : "cpu";
}
