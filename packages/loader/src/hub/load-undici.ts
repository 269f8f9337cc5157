import { createRequire } from "node:module";
import type * as UndiciModule from "undici";

// undici is loaded on first network use, not when the package is imported: a load from a warm
// cache (HF_HUB_OFFLINE, or every file pinned by the lockfile) never speaks HTTP, and undici is
// ~110 module files, ~90 ms of a fresh process on a 2-core machine (docs/benchmarks.md, "Import
// time"). test/import-footprint.test.ts guards that importing @aotihub/loader leaves it unloaded.

export type Undici = typeof UndiciModule;

let loaded: Undici | undefined;

/** undici, imported on the first call (a dynamic import, so bundlers keep it in the bundle). */
export async function loadUndici(): Promise<Undici> {
  loaded ??= (await import("undici")) as Undici;
  return loaded;
}

/** undici if a network path has loaded it already; an error it made implies it is loaded. */
export function undiciIfLoaded(): Undici | undefined {
  return loaded;
}

/**
 * undici now, for the synchronous public API (`createHubDispatcher`, `HubClient.dispatcher`)
 * called before any request: undici is CommonJS, so it can be required. Under a bundler `require`
 * is the bundle's own (esbuild rewrites this call to its bundled copy); in plain Node ESM there is
 * none, and a `createRequire` resolves undici from this package, the copy `import()` would load.
 */
export function undiciNow(): Undici {
  loaded ??= (
    typeof require === "function" ? require("undici") : createRequire(import.meta.url)("undici")
  ) as Undici;
  return loaded;
}
