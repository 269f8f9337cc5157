import { z } from "zod";

const majorMinor = (what: string, example: string) =>
  z.string().regex(/^\d+\.\d+$/, { error: `expected ${what} as "major.minor" (e.g. "${example}")` });

/**
 * What the registry needs to know about a machine. `probeDevice()` in `@aotihub/native` fills it
 * from the CUDA driver and the torch it finds; `--device` takes the same shape as JSON.
 */
export const deviceProfileSchema = z.object({
  /** "linux", "darwin" or "windows" (Python's `platform.system().lower()`). */
  os: z.string().min(1),
  /** "x86_64" or "aarch64" (Python's `platform.machine()`; "arm64"/"x64"/"AMD64" are understood). */
  machine: z.string().min(1),
  /** CPU vector ISAs in torch's names (AVX2, AVX512, AVX512_VNNI, AMX_TILE, ASIMD, ...). */
  cpuIsa: z.array(z.string()).optional(),
  cuda: z
    .object({
      computeCapability: majorMinor("the compute capability", "9.0"),
      /** The newest CUDA version the installed driver supports (cuDriverGetVersion). */
      driverVersion: majorMinor("the driver's CUDA version", "13.0"),
      name: z.string().optional(),
    })
    .nullable()
    .optional(),
  torch: z
    .object({
      /** As torch reports it, local suffix included ("2.11.0+cu130"). */
      version: z.string().min(1),
      /** The CUDA torch was built with (`torch.version.cuda`), null for a CPU build. */
      cuda: majorMinor("torch's CUDA version", "13.0").nullable(),
      cxx11Abi: z.boolean(),
    })
    .nullable()
    .optional(),
});

export type DeviceProfile = z.infer<typeof deviceProfileSchema>;
