import { InputMismatchError } from "../errors/native-errors.js";

export interface RuntimeDevice {
  /** "cpu" or "cuda:N", as given. */
  name: string;
  cuda: boolean;
  index: number;
  /** The CPU's ISA names (CPU runs) and the GPU's compute capability (CUDA runs). */
  cpuIsa: string[];
  computeCapability: string | null;
}

export function parseDeviceName(device: unknown): { name: string; cuda: boolean; index: number } {
  if (device === "cpu") return { name: "cpu", cuda: false, index: 0 };
  const match = typeof device === "string" ? /^cuda(?::(\d+))?$/.exec(device) : null;
  if (match) return { name: device as string, cuda: true, index: Number(match[1] ?? 0) };
  throw new InputMismatchError("AOTIHUB_DEVICE_INVALID", "Invalid device for loadPackages.", {
    expected: '"cpu" or "cuda:N"',
    received: `${String(device)} of type ${typeof device}`,
  });
}
