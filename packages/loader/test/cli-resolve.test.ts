import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const cli = join(root, "packages/loader/dist/cli/main.js");
const flux = join(root, "docs/examples/flux-dit/aotihub.json");
const run = promisify(execFile);

/** Runs the built `aotihub` CLI; resolves with its exit code and output, whatever the code. */
async function aotihub(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { cwd: root, env: process.env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const ada = JSON.stringify({
  os: "linux",
  machine: "x86_64",
  cuda: { computeCapability: "8.9", driverVersion: "12.8", name: "NVIDIA L4" },
  torch: { version: "2.11.0+cu128", cuda: "12.8", cxx11Abi: true },
});

describe("aotihub resolve (built CLI)", () => {
  it("prints the choice per bucket and every rejection reason", async () => {
    const { code, stdout } = await aotihub(
      "resolve",
      "--manifest",
      flux,
      "--device",
      ada,
      "--profile",
      "fp8,bf16",
    );
    expect(code).toBe(0);
    expect(stdout).toContain(
      "device: linux/x86_64, NVIDIA L4 (compute capability 8.9, driver CUDA 12.8), torch 2.11.0+cu128",
    );
    expect(stdout).toContain('profile "fp8" (cuda)');
    expect(stdout).toContain('bucket "1024": aoti/cu128-sm89-torch2.11/fp8/1024.pt2');
    expect(stdout).toContain(
      "rejected aoti/cu128-sm90a-torch2.11/fp8/1024.pt2: built for sm_90a (runs only on compute capability 9.0); this GPU (NVIDIA L4) is 8.9",
    );
    expect(stdout).toContain(
      "rejected aoti/cu130-sm89-torch2.11/fp8/1024.pt2: built with CUDA 13.0; this driver supports CUDA 12.8",
    );
  });

  it("--json prints the Resolution; --device takes @file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aotihub-resolve-"));
    writeFileSync(join(dir, "device.json"), ada);
    const { code, stdout } = await aotihub(
      "resolve",
      "--manifest",
      flux,
      "--device",
      `@${join(dir, "device.json")}`,
      "--json",
    );
    expect(code).toBe(0);
    const resolution = JSON.parse(stdout);
    expect(resolution.profile).toBe("bf16"); // the manifest's first profile
    expect(resolution.accelerator).toBe("cuda");
    expect(Object.keys(resolution.buckets)).toEqual(["512", "768", "1024"]);
    expect(resolution.buckets["512"].chosen.path).toBe("aoti/cu128-sm89-torch2.11/bf16/512.pt2");
    expect(resolution.buckets["512"].candidates.filter((c: { ok: boolean }) => !c.ok).length).toBeGreaterThan(
      0,
    );
  });

  it("exits 2 with every table when nothing can run, in text and in JSON", async () => {
    const turing = ada.replace('"8.9"', '"7.5"');
    const text = await aotihub("resolve", "--manifest", flux, "--device", turing);
    expect(text.code).toBe(2);
    expect(text.stderr).toContain("No artifact of flux-dit can run on this device");
    expect(text.stderr).toContain("[AOTIHUB_NO_COMPATIBLE_ARTIFACT]");
    const json = await aotihub("resolve", "--manifest", flux, "--device", turing, "--json");
    expect(json.code).toBe(2);
    const body = JSON.parse(json.stdout);
    expect(body.error.code).toBe("AOTIHUB_NO_COMPATIBLE_ARTIFACT");
    expect(body.attempts.map((a: { profile: string }) => a.profile)).toEqual(["bf16", "fp8"]);
  });

  it("lists every manifest problem with its path, and refuses a bad device", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aotihub-resolve-"));
    const bad = join(dir, "aotihub.json");
    writeFileSync(
      bad,
      JSON.stringify({
        format: "aotihub/1",
        name: "x",
        weights: {},
        profiles: { a: { weights: "w" } },
        artifacts: [{ path: "/abs" }],
      }),
    );
    const manifest = await aotihub("resolve", "--manifest", bad, "--device", ada);
    expect(manifest.code).toBe(2);
    expect(manifest.stderr).toContain("[AOTIHUB_MANIFEST_INVALID]");
    expect(manifest.stderr).toContain("- profiles.a.weights:");
    expect(manifest.stderr).toContain(
      '- artifacts[0].path: path "/abs" is not a plain relative path (an absolute path)',
    );
    expect(manifest.stderr).toContain("- artifacts[0].sha256:");

    const device = await aotihub("resolve", "--manifest", flux, "--device", '{"os":"linux"}');
    expect(device.code).toBe(2);
    expect(device.stderr).toContain("[AOTIHUB_DEVICE_INVALID]");
    expect(device.stderr).toContain("- machine:");
    const notJson = await aotihub("resolve", "--manifest", flux, "--device", "{oops");
    expect(notJson.stderr).toContain("--device is not JSON");
  });

  it("resolves a bundled example for this machine (--device auto) with the probe's view", async () => {
    const cpuExample = join(root, "docs/examples/tiny-mlp-cpu/aotihub.json");
    const { code, stdout } = await aotihub("resolve", "--manifest", cpuExample, "--device", "auto");
    expect(code).toBe(0);
    // The probe reports this machine's OS and CPU ISA, which the choice is printed against.
    expect(stdout).toMatch(/^device: linux\/x86_64, CPU ISA /m);
    expect(stdout).toMatch(/bucket "[^"]+": aoti\//);
  });

  it("--device cpu is this machine without its GPUs, never a file named cpu", async () => {
    const cpuExample = join(root, "docs/examples/tiny-mlp-cpu/aotihub.json");
    const { code, stdout, stderr } = await aotihub("resolve", "--manifest", cpuExample, "--device", "cpu");
    expect(stderr).not.toContain("AOTIHUB_FILE_UNREADABLE");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^device: linux\/x86_64, CPU ISA [^,]+, no CUDA GPU, /m);
    expect(stdout).toMatch(/^profile "[^"]+" \(cpu\)$/m);
    // a CUDA-only manifest has nothing for it, even on a GPU machine: no silent CUDA choice
    const flux = await aotihub(
      "resolve",
      "--manifest",
      join(root, "docs/examples/flux-dit/aotihub.json"),
      "--device",
      "cpu",
      "--json",
    );
    expect(flux.code).toBe(2);
    const body = JSON.parse(flux.stdout);
    expect(body.error.code).toBe("AOTIHUB_NO_COMPATIBLE_ARTIFACT");
    expect(body.device.cuda).toBeNull();
    expect(body.attempts.every((a: { accelerator: string }) => a.accelerator === "cpu")).toBe(true);
  });
});
