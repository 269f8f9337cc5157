import { archName, parseCudaArch } from "../compat/cuda-arch.js";
import type { DeviceProfile } from "../device/device-profile.js";
import { artifactRuntime } from "../manifest/artifact-runtime.js";
import type { Artifact } from "../manifest/manifest-schema.js";
import { bucketsInOrder } from "./bucket-order.js";
import type { Resolution } from "./resolution.js";

/**
 * Renders a resolution for people: the device, then per bucket the chosen artifact and every other
 * candidate with its verdict. Pure; CLIs print it as is.
 */
export function describeResolution(resolution: Resolution, device: DeviceProfile): string {
  const lines = [
    `device: ${describeDevice(device)}`,
    // libtorch is the default runtime: named only when it is the other one
    `profile "${resolution.profile}" (${resolution.accelerator}${resolution.runtime === "standalone" ? ", standalone runtime" : ""})`,
  ];
  const buckets = bucketsInOrder(resolution);
  if (buckets.length === 0) lines.push("  no artifacts in this profile");
  for (const [name, bucket] of buckets) {
    lines.push(
      bucket.chosen === null
        ? `  bucket "${name}": no compatible artifact`
        : `  bucket "${name}": ${bucket.chosen.path} [${describeTarget(bucket.chosen)}]`,
    );
    for (const candidate of bucket.candidates) {
      if (candidate.artifact === bucket.chosen) continue;
      lines.push(
        candidate.ok
          ? `    also compatible: ${candidate.artifact.path}`
          : `    rejected ${candidate.artifact.path}: ${candidate.reasons.join("; ")}`,
      );
    }
  }
  return lines.join("\n");
}

export function describeDevice(device: DeviceProfile): string {
  const parts = [`${device.os}/${device.machine}`];
  if (device.cpuIsa !== undefined) parts.push(`CPU ISA ${device.cpuIsa.join(" ") || "none"}`);
  if (device.cuda === null || device.cuda === undefined) parts.push("no CUDA GPU");
  else {
    const name = device.cuda.name === undefined ? "GPU" : device.cuda.name;
    parts.push(
      `${name} (compute capability ${device.cuda.computeCapability}, driver CUDA ${device.cuda.driverVersion})`,
    );
  }
  parts.push(
    device.torch === null || device.torch === undefined ? "no torch" : `torch ${device.torch.version}`,
  );
  return parts.join(", ");
}

function describeTarget(artifact: Artifact): string {
  const target = artifact.target;
  const runtime =
    artifactRuntime(artifact) === "standalone" ? "standalone (no libtorch)" : `torch ${target.torch}`;
  if (target.device === "cpu") {
    return `cpu ${target.cpuIsa.join(" ") || "no vector ISA"}, ${runtime}`;
  }
  const archs = target.sass.map((text) => {
    const arch = parseCudaArch(text);
    return arch === null ? text : archName(arch);
  });
  if (target.ptx !== null) archs.push(`PTX ${target.ptx}`);
  return `${archs.join(" ")}, CUDA ${target.cuda}, ${runtime}`;
}
