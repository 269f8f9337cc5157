import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TorchInstall } from "./torch-install.js";

/**
 * Reads version, CUDA build and C++ ABI from a torch folder's own files, or returns why it is not
 * one. Accepts the Python package (version.py) and the libtorch zip (build-version).
 */
export function readTorchInstall(dir: string, source: string): TorchInstall | string {
  const libDir = join(dir, "lib");
  if (!existsSync(join(libDir, "libtorch_cpu.so"))) return `no lib/libtorch_cpu.so in ${dir}`;
  const versionPy = join(dir, "version.py");
  const buildVersion = join(dir, "build-version");
  let fullVersion: string | undefined;
  let cuda: string | null = null;
  if (existsSync(versionPy)) {
    const text = readFileSync(versionPy, "utf8");
    fullVersion = /^__version__\s*=\s*['"]([^'"]+)['"]/m.exec(text)?.[1];
    cuda = /^cuda\s*(?::[^=]*)?=\s*['"]([^'"]+)['"]/m.exec(text)?.[1] ?? null;
  } else if (existsSync(buildVersion)) {
    fullVersion = readFileSync(buildVersion, "utf8").trim();
    const tag = /\+cu(\d+)(\d)$/.exec(fullVersion);
    cuda = tag ? `${tag[1]}.${tag[2]}` : null;
  }
  if (fullVersion === undefined) return `no readable version.py or build-version in ${dir}`;
  const hasCudaLibrary = existsSync(join(libDir, "libtorch_cuda.so"));
  return {
    dir,
    libDir,
    fullVersion,
    version: fullVersion.split("+")[0] ?? fullVersion,
    cuda,
    cxx11Abi: usesCxx11Abi(libDir),
    hasCudaLibrary,
    source,
  };
}

/**
 * torch records its C++ ABI nowhere but in its binaries: a cxx11-ABI libc10 names
 * `std::__cxx11::basic_string` in its symbols, an old-ABI one never does.
 */
function usesCxx11Abi(libDir: string): boolean {
  const c10 = join(libDir, "libc10.so");
  if (!existsSync(c10)) return true; // every torch since 2.7 ships the cxx11 ABI only
  // read, not mapped through the addon: this module stays free of it (find-torch-without-python.ts);
  // libc10 is ~1.4 MB
  return readFileSync(c10).includes("St7__cxx11");
}
