import type { RuntimeKind } from "@aotihub/registry";

/**
 * The runtime the first model loaded by `loadCompiled` in this process runs on. libtorch and the
 * standalone shim cannot share a process (both provide AOTI's C shim), so later loads ask for the
 * same one unless told otherwise.
 */
let running: RuntimeKind | null = null;

export function runningRuntime(): RuntimeKind | null {
  return running;
}

export function noteRuntimeLoaded(runtime: RuntimeKind): void {
  running ??= runtime;
}
