import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cudaGpuLikely } from "../../lib/probe/gpu-device-nodes.js";

// The guess device "auto" starts libtorch's dlopens for before the driver answers: read from a
// device folder laid out as the NVIDIA driver lays out /dev (real files, no driver needed). Off
// Linux the guess is always "no GPU" (CUDA's device nodes are Linux's), which these tests expect there.
const linux = process.platform === "linux";
describe("cudaGpuLikely: the GPU guessed from the driver's device nodes", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const devWith = (...names: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), "aotihub-dev-"));
    dirs.push(dir);
    for (const name of names) writeFileSync(join(dir, name), "");
    return dir;
  };

  it("a driver with a GPU node: likely, whatever CUDA_VISIBLE_DEVICES names", () => {
    const dev = devWith("nvidiactl", "nvidia-uvm", "nvidia0", "null");
    expect(cudaGpuLikely({}, dev)).toBe(linux);
    expect(cudaGpuLikely({ CUDA_VISIBLE_DEVICES: "0" }, dev)).toBe(linux);
    expect(cudaGpuLikely({ CUDA_VISIBLE_DEVICES: "GPU-5d1f" }, dev)).toBe(linux);
  });

  it("no GPU node, no control node, or every GPU hidden: not likely", () => {
    expect(cudaGpuLikely({}, devWith("nvidiactl", "nvidia-uvm", "nvidia-modeset"))).toBe(false);
    expect(cudaGpuLikely({}, devWith("nvidia0"))).toBe(false);
    const dev = devWith("nvidiactl", "nvidia0", "nvidia1");
    expect(cudaGpuLikely({ CUDA_VISIBLE_DEVICES: "" }, dev)).toBe(false);
    expect(cudaGpuLikely({ CUDA_VISIBLE_DEVICES: " " }, dev)).toBe(false);
    expect(cudaGpuLikely({ CUDA_VISIBLE_DEVICES: "-1" }, dev)).toBe(false);
    expect(cudaGpuLikely({}, join(dev, "missing"))).toBe(false);
  });

  it("a folder of nvidia-named subfolders is read as names too (the driver makes character devices)", () => {
    const dev = devWith("nvidiactl");
    mkdirSync(join(dev, "nvidia2"));
    expect(cudaGpuLikely({}, dev)).toBe(linux);
  });
});
