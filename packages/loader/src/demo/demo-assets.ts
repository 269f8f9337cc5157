import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { AotihubError } from "@aotihub/registry";

/**
 * The export helper's Python sources the package ships in `demo-python/` (copied there by the
 * build from python/aotihub_export): the exporter and the tiny DiT's spec. Resolved from this
 * module (src/demo or dist/demo, both two folders below the package root), so the demo works the
 * same from a checkout and from node_modules.
 */
export function demoPythonSources(): { pythonPath: string; spec: string } {
  const pythonPath = fileURLToPath(new URL("../../demo-python/", import.meta.url));
  const spec = fileURLToPath(
    new URL("../../demo-python/aotihub_export/examples/tiny_dit.py", import.meta.url),
  );
  if (!existsSync(spec)) {
    throw new AotihubError("AOTIHUB_DEMO_EXPORT", "The demo's export helper is missing from this install.", {
      expected: `the bundled export helper at ${pythonPath}`,
      received: "no such file",
      hint: "reinstall @aotihub/loader; in a checkout, run `pnpm -r build` (it copies python/aotihub_export there)",
    });
  }
  return { pythonPath: pythonPath.replace(/\/$/, ""), spec };
}
