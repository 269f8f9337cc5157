import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { withBuildLock } from "./build-lock.js";
import { contentHash, cpuFingerprint, listFiles } from "./content-hash.js";
import { runPython } from "./python.js";
import { repoRoot } from "./repo-root.js";

/** The repo id the test model's manifest names for its kernel (test/kernels/mix/mix_model.py). */
export const TEST_KERNEL_REPO = "aotihub-test/mix";

export interface TestKernel {
  /** A kernel repo folder: `build/<variant>/{metadata.json, aotihub_mix/{__init__.py,_ops.py,<lib>.abi3.so}}`. */
  kernelRepo: string;
  /** `build/<variant>` name, e.g. `torch213-cxx11-cpu-x86_64-linux`. */
  variant: string;
  /** The op namespace, `_aotihub_mix_<tag>` (the build hash kernel-builder puts there). */
  namespace: string;
  /** The shared library inside the build. */
  library: string;
  /** The Hub-convention repo of a model calling the op, with `io/b2.safetensors` (eager outputs). */
  modelRepo: string;
}

const cacheRoot = join(repoRoot, ".cache", "test-kernel");
const DONE_MARKER = ".complete";
let pending: Promise<TestKernel> | undefined;

/**
 * Builds the test kernel from source against the installed torch (torch.utils.cpp_extension) and
 * exports the model that calls it, once per content hash (kernel sources, export helper, torch
 * version, CPU); later calls and other vitest forks reuse the folder.
 */
export function ensureTestKernel(): Promise<TestKernel> {
  pending ??= build();
  return pending;
}

async function build(): Promise<TestKernel> {
  const { stdout } = await runPython(["-c", "import importlib.metadata as m; print(m.version('torch'))"]);
  const isSource = (name: string) => /\.(py|cc|toml)$/.test(name);
  const files = [
    ...(await listFiles(join(repoRoot, "test", "kernels"), isSource)),
    ...(await listFiles(join(repoRoot, "python", "aotihub_export"), isSource)),
  ];
  const hash = await contentHash(repoRoot, files, [`torch ${stdout.trim()}`, await cpuFingerprint()]);
  const tag = hash.slice(0, 10);
  const root = join(cacheRoot, hash);
  await mkdir(cacheRoot, { recursive: true });
  await withBuildLock(
    join(cacheRoot, `${hash}.lock`),
    async () => existsSync(join(root, DONE_MARKER)),
    async () => {
      const tmp = join(cacheRoot, `${hash}.tmp-${process.pid}`);
      await rm(tmp, { recursive: true, force: true });
      const started = Date.now();
      const kernelRepo = join(tmp, "kernel");
      const built = await runPython(
        [join("test", "kernels", "mix", "build_test_kernel.py"), kernelRepo, tag],
        {
          echo: true,
        },
      );
      await runPython(
        [
          "-m",
          "aotihub_export",
          "--spec",
          join("test", "kernels", "mix", "mix_model.py"),
          "--out",
          join(tmp, "model"),
          "--io",
        ],
        {
          echo: true,
          env: { AOTIHUB_TEST_KERNEL_BUILD: built.stdout.trim(), AOTIHUB_TEST_KERNEL_REPO: TEST_KERNEL_REPO },
        },
      );
      await writeFile(join(tmp, DONE_MARKER), `built in ${Date.now() - started} ms\n`);
      await rm(root, { recursive: true, force: true });
      await rename(tmp, root);
    },
  );
  const kernelRepo = join(root, "kernel");
  const [variant] = await readdir(join(kernelRepo, "build"));
  const namespace = `_aotihub_mix_${tag}`;
  return {
    kernelRepo,
    variant: variant!,
    namespace,
    library: join(kernelRepo, "build", variant!, "aotihub_mix", `${namespace}.abi3.so`),
    modelRepo: join(root, "model"),
  };
}
