import { fileURLToPath } from "node:url";

/** The monorepo root (this file lives in <root>/test/support/). */
export const repoRoot = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");
