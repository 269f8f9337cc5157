/**
 * The registry's DeviceProfile (architecture section 3), spelled out here because
 * `@aotihub/registry` does not export it yet; the shape is identical, so the value is accepted
 * wherever the registry's type is asked for.
 */
export interface DeviceProfile {
  os: string;
  machine: string;
  /** ISA names as AOTInductor writes them into AOTI_CPU_ISA ("AVX2", "AVX512", ...). */
  cpuIsa?: string[];
  cuda?: { computeCapability: string; driverVersion: string; name?: string } | null;
  torch?: { version: string; cuda: string | null; cxx11Abi: boolean } | null;
}
