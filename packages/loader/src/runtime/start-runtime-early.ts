import { type EarlyRuntimeStart, startRuntimeEarly } from "@aotihub/native";
import type { RuntimeKind } from "@aotihub/registry";
import { runningRuntime } from "./process-runtime.js";
import { type RuntimeOption, requestedRuntime } from "./requested-runtime.js";

export interface EarlyLibtorchInputs {
  /** The device loadPackages will be given ("cpu", "cuda:N"). */
  device: string;
  /** loadCompiled's `runtime` option and the config's default (read as `requestedRuntime` reads them). */
  option: unknown;
  config: RuntimeOption | undefined;
  torchDir: string | undefined;
  /** false where the device probe found no torch already: nothing to start, no python to ask again. */
  torchFound?: boolean;
}

/**
 * Starts libtorch's dlopens (and on CUDA the context and cuBLAS prewarm) as soon as the device is
 * known, while the name is still being resolved and the files checked (issue 14, cold start):
 * only where libtorch is the likely runtime, i.e. torch was found, the standalone runtime was not
 * asked for, and this process does not run it already. A wrong guess (the registry then picks a
 * standalone build) changes no result: libtorch stays RTLD_LOCAL, unused (see startRuntimeEarly).
 * Never throws: an invalid runtime option is reported where it always was.
 */
export function startLibtorchEarly(inputs: EarlyLibtorchInputs): Promise<EarlyRuntimeStart> {
  if (earlyStartOff()) return Promise.resolve("nothing");
  let runtime: RuntimeKind | undefined;
  try {
    runtime = requestedRuntime({ option: inputs.option, config: inputs.config });
  } catch {
    return Promise.resolve("nothing");
  }
  if (runtime === "standalone" || runningRuntime() === "standalone" || inputs.torchFound === false)
    return Promise.resolve("nothing");
  // no torch found: nothing starts (startRuntimeEarly asks findTorch, whose python answer is shared)
  return startRuntimeEarly({
    runtime: "libtorch",
    device: inputs.device,
    ...(inputs.torchDir !== undefined && { torchDir: inputs.torchDir }),
  }).catch(() => "nothing" as const);
}

/**
 * The standalone runtime's early start on CUDA (libcudart and the context on a native thread),
 * once the plan has chosen standalone builds and the libcudart is known: it then overlaps the
 * cache checks and the package checks.
 */
export function startStandaloneEarly(device: string, cudaRuntimeLibrary: string | undefined): void {
  if (earlyStartOff()) return;
  void startRuntimeEarly({
    runtime: "standalone",
    device,
    ...(cudaRuntimeLibrary !== undefined && { cudaRuntimeLibrary }),
  }).catch(() => {});
}

/** AOTIHUB_EARLY_START=0: start nothing early (benchmarks compare with it; the load is the same). */
function earlyStartOff(): boolean {
  return process.env.AOTIHUB_EARLY_START === "0";
}
