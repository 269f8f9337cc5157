import { AotihubError, parseDeviceProfile } from "@aotihub/registry";
import { describe, expect, it } from "vitest";

describe("parseDeviceProfile", () => {
  it("accepts the profile probeDevice returns", () => {
    const device = {
      os: "linux",
      machine: "x86_64",
      cpuIsa: ["AVX2"],
      cuda: { computeCapability: "9.0", driverVersion: "13.0", name: "NVIDIA H100 80GB HBM3" },
      torch: { version: "2.11.0+cu130", cuda: "13.0", cxx11Abi: true },
    };
    expect(parseDeviceProfile(device)).toEqual(device);
    expect(parseDeviceProfile({ os: "linux", machine: "x86_64" })).toEqual({
      os: "linux",
      machine: "x86_64",
    });
  });

  it("lists every bad field, with what was expected", () => {
    try {
      parseDeviceProfile({ os: "linux", cuda: { computeCapability: "sm90", driverVersion: 13 } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AotihubError);
      const e = error as AotihubError;
      expect(e.code).toBe("AOTIHUB_DEVICE_INVALID");
      expect(e.message).toContain("- machine:");
      expect(e.message).toContain(
        '- cuda.computeCapability: expected the compute capability as "major.minor" (e.g. "9.0")',
      );
      expect(e.message).toContain("- cuda.driverVersion:");
      expect(e.hint).toContain("--device");
    }
  });
});
