// Ships the export helper's Python sources inside @aotihub/loader (demo-python/), so `aotihub demo`
// finds its model spec and exporter next to its own module once installed, with no checkout.
// The sources stay in python/aotihub_export (one copy in git); this runs before every build.
import { cpSync, existsSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const source = fileURLToPath(new URL("../../../python/aotihub_export/src/aotihub_export", import.meta.url));
const target = fileURLToPath(new URL("../demo-python/aotihub_export", import.meta.url));

if (!existsSync(source)) {
  // An unpacked tarball has no python/ beside it: keep what the package shipped.
  if (existsSync(target)) process.exit(0);
  console.error(`bundle-demo-python: ${source} is missing and no bundled copy exists`);
  process.exit(1);
}
rmSync(target, { recursive: true, force: true });
cpSync(source, target, {
  recursive: true,
  filter: (path) => !path.includes("__pycache__") && !path.endsWith(".pyc"),
});
