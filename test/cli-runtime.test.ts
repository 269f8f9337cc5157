import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cpuArtifact, cpuDevice, manifestOf } from "../packages/registry/test/support/builders.js";
import { BUILT_CLI } from "./support/serve-child.js";

// `aotihub resolve --runtime`, AOTIHUB_RUNTIME and the config's defaults.runtime, through the built
// CLI as users run it, on a manifest with a libtorch and a standalone build of one bucket.

const scratch = mkdtempSync(join(tmpdir(), "aotihub-cli-runtime-"));
const manifestFile = join(scratch, "aotihub.json");
writeFileSync(
  manifestFile,
  JSON.stringify(
    manifestOf([
      cpuArtifact("aoti/cpu-avx2-torch2.11/bf16/1024.pt2"),
      cpuArtifact("aoti/cpu-avx2-torch2.11-standalone/bf16/1024.pt2", {}, { runtime: "standalone" }),
    ]),
  ),
);
const withTorch = JSON.stringify(cpuDevice());
const withoutTorch = JSON.stringify(cpuDevice({ torch: null }));

function resolve(args: string[], env: NodeJS.ProcessEnv = {}, cwd = scratch) {
  const { AOTIHUB_RUNTIME: _unset, ...base } = process.env;
  const child = spawnSync(process.execPath, [BUILT_CLI, "resolve", "--manifest", manifestFile, ...args], {
    encoding: "utf8",
    env: { ...base, AOTIHUB_CONFIG: "", ...env },
    cwd,
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

const STANDALONE = 'profile "bf16" (cpu, standalone runtime)';
const STANDALONE_ENV = { AOTIHUB_RUNTIME: "standalone" };
const chosenLine = (stdout: string) => stdout.split("\n").find((line) => line.startsWith('  bucket "1024"'));

describe("aotihub resolve --runtime", () => {
  it.each([
    // what, args, env -> the profile line and the chosen build
    ["torch: libtorch", ["--device", withTorch], {}, 'profile "bf16" (cpu)', "torch2.11/"],
    ["no torch: standalone", ["--device", withoutTorch], {}, STANDALONE, "-standalone/"],
    [
      "torch, --runtime standalone",
      ["--device", withTorch, "--runtime", "standalone"],
      {},
      STANDALONE,
      "-standalone/",
    ],
    [
      "--runtime auto wins over AOTIHUB_RUNTIME",
      ["--device", withTorch, "--runtime", "auto"],
      STANDALONE_ENV,
      'profile "bf16" (cpu)',
      "torch2.11/",
    ],
    [
      "torch, AOTIHUB_RUNTIME=standalone",
      ["--device", withTorch],
      STANDALONE_ENV,
      STANDALONE,
      "-standalone/",
    ],
  ] as const)("%s", (_what, args, env, profileLine, chosen) => {
    const { status, stdout, stderr } = resolve([...args], env);
    expect(status, stderr).toBe(0);
    expect(stdout.split("\n")[1]).toBe(profileLine);
    expect(chosenLine(stdout)).toContain(chosen);
  });

  it("--json carries the runtime resolved", () => {
    const { status, stdout } = resolve(["--device", withoutTorch, "--json"]);
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ profile: "bf16", accelerator: "cpu", runtime: "standalone" });
  });

  it("the config's defaults.runtime applies when neither --runtime nor AOTIHUB_RUNTIME names one", () => {
    const project = mkdtempSync(join(scratch, "project-"));
    writeFileSync(
      join(project, "aotihub.config.json"),
      JSON.stringify({ defaults: { runtime: "standalone" } }),
    );
    const { status, stdout, stderr } = resolve(["--device", withTorch], {}, project);
    expect(status, stderr).toBe(0);
    expect(chosenLine(stdout)).toContain("-standalone/");
  });

  it("AOTIHUB_TORCH_REQUIRED for --runtime libtorch on a device without torch (exit 2 with --json)", () => {
    const text = resolve(["--device", withoutTorch, "--runtime", "libtorch"]);
    expect(text.status).not.toBe(0);
    expect(text.stderr).toContain("AOTIHUB_TORCH_REQUIRED");
    const json = resolve(["--device", withoutTorch, "--runtime", "libtorch", "--json"]);
    expect(json.status).toBe(2);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: "AOTIHUB_TORCH_REQUIRED" });
  });

  it("refuses an unknown runtime: --runtime by its choices, AOTIHUB_RUNTIME with AOTIHUB_RUNTIME_INVALID", () => {
    const flag = resolve(["--device", withTorch, "--runtime", "onnx"]);
    expect(flag.status).not.toBe(0);
    expect(flag.stderr).toContain("Allowed choices are auto, libtorch, standalone");
    const env = resolve(["--device", withTorch], { AOTIHUB_RUNTIME: "onnx" });
    expect(env.status).not.toBe(0);
    expect(env.stderr).toContain("AOTIHUB_RUNTIME_INVALID");
    expect(env.stderr).toContain('Unknown runtime "onnx" in AOTIHUB_RUNTIME.');
  });
});

describe("aotihub probe says which builds can run here", () => {
  function probe(env: NodeJS.ProcessEnv) {
    const child = spawnSync(process.execPath, [BUILT_CLI, "probe"], { encoding: "utf8", env, cwd: scratch });
    expect(child.status, child.stderr).toBe(0);
    return child.stdout;
  }

  it("standalone builds only where no torch is found; libtorch first where it is", () => {
    const emptyPath = mkdtempSync(join(scratch, "path-"));
    const noTorch = probe({
      ...process.env,
      AOTIHUB_TORCH_DIR: join(scratch, "no-torch"),
      AOTIHUB_PYTHON: join(scratch, "no-python"),
      PATH: emptyPath,
    });
    expect(noTorch).toContain("torch: not found");
    expect(noTorch).toContain("runtime: standalone builds only (no torch here: libtorch builds cannot run)");
    expect(probe(process.env)).toContain("runtime: libtorch builds where one fits, else standalone builds");
  });
});
