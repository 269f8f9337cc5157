import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  cpuIsaFromFlags,
  detectCpuIsa,
  findTorch,
  formatDriverVersion,
  missingCpuIsa,
  probeDevice,
  probeGpus,
} from "@aotihub/native";
import { deviceProfileSchema } from "@aotihub/registry";
import { describe, expect, it } from "vitest";
import { testPython, testTorch } from "../support/python.js";

describe("CPU ISA in AOTI's names", () => {
  it("maps cpuinfo flags the way cpu_vec_isa.py's classes need them", () => {
    expect(cpuIsaFromFlags(["avx", "avx2", "fma", "f16c"])).toEqual(["AVX2"]);
    const avx512 = ["avx2", "fma", "f16c", "avx512f", "avx512dq", "avx512vl", "avx512bw"];
    expect(cpuIsaFromFlags(avx512)).toEqual(["AVX2", "AVX512"]);
    expect(cpuIsaFromFlags([...avx512, "avx512_vnni", "amx_tile", "amx_bf16", "amx_int8"])).toEqual([
      "AVX2",
      "AVX512",
      "AVX512_VNNI",
      "AMX_TILE",
    ]);
    expect(cpuIsaFromFlags(["avx2", "fma"])).toEqual([]); // no f16c: torch would not pick AVX2
    expect(cpuIsaFromFlags(["fp", "asimd"])).toEqual(["ASIMD"]);
  });

  it("says which AOTI_CPU_ISA names a CPU lacks", () => {
    expect(missingCpuIsa("AVX512 AVX512_VNNI", ["AVX2"])).toEqual(["AVX512", "AVX512_VNNI"]);
    expect(missingCpuIsa("AVX2", ["AVX2", "AVX512"])).toEqual([]);
    expect(missingCpuIsa("INVALID_VEC_ISA", [])).toEqual([]);
    expect(missingCpuIsa(undefined, [])).toEqual([]);
  });

  it("reads this machine's /proc/cpuinfo", () => {
    const isa = detectCpuIsa();
    expect(Array.isArray(isa)).toBe(true);
    if (process.arch === "x64") expect(isa).toContain("AVX2");
  });
});

describe("probeDevice / probeGpus", () => {
  it("formats driver versions as CUDA does", () => {
    expect(formatDriverVersion(13000)).toBe("13.0");
    expect(formatDriverVersion(12080)).toBe("12.8");
  });

  it("answers for this machine without throwing, with torch read from its files", async () => {
    const gpus = await probeGpus();
    const device = await probeDevice({ torchDir: (await testTorch()).dir });
    expect(deviceProfileSchema.parse(device)).toEqual(device); // the registry accepts it as is
    expect(device.os).toBe("linux");
    expect(device.machine).toBe(process.arch === "x64" ? "x86_64" : process.arch);
    expect(device.cpuIsa).toEqual(detectCpuIsa());
    if (gpus.length === 0) expect(device.cuda).toBeNull();
    else expect(device.cuda?.computeCapability).toMatch(/^\d+\.\d+$/);
    expect(device.torch).toMatchObject({ version: expect.stringMatching(/^\d+\.\d+\.\d+/), cxx11Abi: true });
  });
});

describe("findTorch", () => {
  it("finds the test Python's torch without importing it, and reads its version and build", async () => {
    const python = testPython();
    const torch = await findTorch({ env: { PATH: process.env.PATH }, pythons: [python] });
    expect(torch.source).toBe(python);
    expect(torch.libDir).toBe(join(torch.dir, "lib"));
    expect(torch.fullVersion.startsWith(torch.version)).toBe(true);
    if (torch.fullVersion.endsWith("+cpu")) {
      expect(torch.cuda).toBeNull();
      expect(torch.hasCudaLibrary).toBe(false);
    }
    // The option and the env var come first and are taken as given.
    expect((await findTorch({ torchDir: torch.dir, pythons: [] })).source).toBe("option torchDir");
    const viaEnv = await findTorch({ env: { AOTIHUB_TORCH_DIR: torch.dir }, pythons: [] });
    expect(viaEnv.source).toBe("AOTIHUB_TORCH_DIR");
  });

  it("never takes a torch/ folder from the working directory (python -I, neutral cwd)", async () => {
    const planted = mkdtempSync(join(tmpdir(), "aotihub-cwd-torch-"));
    mkdirSync(join(planted, "torch", "lib"), { recursive: true });
    writeFileSync(join(planted, "torch", "__init__.py"), "raise SystemExit('planted torch imported')\n");
    writeFileSync(join(planted, "torch", "version.py"), "__version__ = '6.6.6'\n");
    writeFileSync(join(planted, "torch", "lib", "libtorch_cpu.so"), "");
    const before = process.cwd();
    process.chdir(planted);
    try {
      const torch = await findTorch({ env: { PATH: process.env.PATH }, pythons: [testPython()] });
      expect(torch.dir.startsWith(planted)).toBe(false);
      expect(torch.fullVersion).not.toBe("6.6.6");
    } finally {
      process.chdir(before);
    }
  });

  it("asks each interpreter once per process, and asks again after a failed answer", async () => {
    const torch = await findTorch({ env: { PATH: process.env.PATH }, pythons: [testPython()] });
    const dir = mkdtempSync(join(tmpdir(), "aotihub-counting-python-"));
    const calls = join(dir, "calls");
    const fake = (name: string, answer: string) => {
      const path = join(dir, name);
      writeFileSync(path, `#!/bin/sh\necho ${name} >> ${calls}\necho '${answer}'\n`, { mode: 0o755 });
      return path;
    };
    const good = fake("good-python", JSON.stringify({ torch: torch.dir, nvidia: [] }));
    const empty = fake("empty-python", JSON.stringify({ torch: "", nvidia: [] }));
    for (let i = 0; i < 3; i++) {
      expect((await findTorch({ env: { PATH: process.env.PATH }, pythons: [good] })).dir).toBe(torch.dir);
      await expect(findTorch({ env: { PATH: process.env.PATH }, pythons: [empty] })).rejects.toMatchObject({
        code: "AOTIHUB_TORCH_NOT_FOUND",
      });
    }
    const asked = readFileSync(calls, "utf8").trim().split("\n");
    expect(asked.filter((n) => n === "good-python")).toHaveLength(1);
    expect(asked.filter((n) => n === "empty-python")).toHaveLength(3);
  });

  it("reads a libtorch zip layout's build-version", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aotihub-libtorch-"));
    mkdirSync(join(dir, "lib"));
    writeFileSync(join(dir, "lib", "libtorch_cpu.so"), "");
    writeFileSync(join(dir, "build-version"), "2.11.0+cu130\n");
    const torch = await findTorch({ torchDir: dir, pythons: [] });
    expect(torch).toMatchObject({ version: "2.11.0", cuda: "13.0", fullVersion: "2.11.0+cu130" });
  });

  it("lists everything it tried in one diagnostic error", async () => {
    const error = await findTorch({
      torchDir: "/nonexistent/torch",
      env: { AOTIHUB_TORCH_DIR: "/also/missing" },
      pythons: ["/no/such/python"],
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "AOTIHUB_TORCH_NOT_FOUND" });
    const message = (error as Error).message;
    expect(message).toContain("/nonexistent/torch");
    expect(message).toContain("AOTIHUB_TORCH_DIR");
    expect(message).toContain("/no/such/python: not installed");
    expect(message).toContain("Possible solutions");
  });
});
