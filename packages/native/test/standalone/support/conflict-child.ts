// One process, two runtimes asked for in the order given (argv), or the CUDA runtime from a path
// that does not exist: prints the outcome of each load as JSON ("ok" or the error code).
import { repoPackages } from "../../../../../test/support/repo-packages.js";
import { loadPackages, type RuntimeKind } from "../../../lib/index.js";
import { loadStandaloneRuntime } from "../../../lib/runtime/standalone-runtime.js";

const [mode, torchDir, cacheDir, standaloneRepo, libtorchRepo] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];

async function attempt(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return "ok";
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

const load = (runtime: RuntimeKind) => () =>
  loadPackages({
    ...repoPackages(runtime === "standalone" ? standaloneRepo : libtorchRepo),
    device: "cpu",
    runtime,
    cacheDir,
    torchDir,
  });

const outcomes: string[] = [];
if (mode === "cudart") {
  outcomes.push(await attempt(() => loadStandaloneRuntime(true, "/nonexistent/libcudart.so.12")));
} else {
  const order: RuntimeKind[] =
    mode === "standalone-first" ? ["standalone", "libtorch"] : ["libtorch", "standalone"];
  for (const runtime of order) outcomes.push(await attempt(load(runtime)));
  // the first runtime still serves its own kind
  outcomes.push(await attempt(load(order[0]!)));
}
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
