import { ModelLoadError, UnsupportedCpuIsaError } from "../errors/native-errors.js";
import type { Pt2Model } from "../formats/pt2/types.js";
import { missingCpuIsa } from "../probe/cpu-isa.js";
import type { RuntimeDevice } from "./runtime-device.js";

/**
 * Refuses, before anything is dlopened, a package this machine cannot run: another device kind, a
 * CPU package whose vector ISA this CPU lacks (it would die of SIGILL), a CUDA package for another
 * GPU architecture.
 */
export function checkPackageFits(path: string, model: Pt2Model, device: RuntimeDevice): void {
  const meta = model.metadata;
  const kind = meta.AOTI_DEVICE_KEY;
  if (kind !== undefined && kind !== (device.cuda ? "cuda" : "cpu")) {
    throw new ModelLoadError(
      "AOTIHUB_DEVICE_MISMATCH",
      `${path} was compiled for ${kind}, not ${device.name}.`,
      {
        expected: `a package compiled for ${device.cuda ? "cuda" : "cpu"}`,
        received: `AOTI_DEVICE_KEY=${kind}`,
        hint: "pick the artifact compiled for this device",
      },
    );
  }
  if (!device.cuda) {
    const missing = missingCpuIsa(meta.AOTI_CPU_ISA, device.cpuIsa);
    if (missing.length > 0) {
      throw new UnsupportedCpuIsaError("AOTIHUB_CPU_ISA_UNSUPPORTED", `This CPU cannot run ${path}.`, {
        expected: `a CPU with ${meta.AOTI_CPU_ISA} (the ISA its code was generated for)`,
        received: `a CPU with ${device.cpuIsa.join(" ") || "no vector ISA AOTI knows"} (lacks ${missing.join(", ")})`,
        hint: "use an artifact compiled for this CPU's ISA (e.g. on a machine like this one)",
      });
    }
    return;
  }
  const wanted = meta.AOTI_COMPUTE_CAPABILITY;
  const have = device.computeCapability;
  if (wanted && have && !sassRuns(wanted, have)) {
    throw new ModelLoadError("AOTIHUB_COMPUTE_CAPABILITY_MISMATCH", `This GPU cannot run ${path}.`, {
      expected: `a GPU of compute capability ${wanted.slice(0, -1)}.${wanted.slice(-1)} (same major, same or newer minor)`,
      received: `compute capability ${have}`,
      hint: "use an artifact compiled for this GPU",
    });
  }
}

/** SASS for X.Y runs on X.Z with Z >= Y (docs/architecture.md 2.6). `wanted` is AOTI's "90". */
function sassRuns(wanted: string, have: string): boolean {
  const [major, minor] = have.split(".").map(Number);
  const wantMajor = Number(wanted.slice(0, -1));
  const wantMinor = Number(wanted.slice(-1));
  return major === wantMajor && (minor ?? 0) >= wantMinor;
}
