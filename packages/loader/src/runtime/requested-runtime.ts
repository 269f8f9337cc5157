import { AotihubError, type RuntimeKind } from "@aotihub/registry";

/** What a caller may ask for: a runtime, or "auto" (libtorch builds where torch is found, else standalone). */
export type RuntimeOption = "auto" | RuntimeKind;

const RUNTIME_OPTIONS: readonly RuntimeOption[] = ["auto", "libtorch", "standalone"];

export interface RuntimeSources {
  /** `loadCompiled`'s `runtime` option, or the CLI's `--runtime`. */
  option?: unknown;
  /** Environment to read AOTIHUB_RUNTIME from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** aotihub.config.json `defaults.runtime`. */
  config?: RuntimeOption | undefined;
}

/**
 * The runtime to ask the registry for, or undefined ("auto") to let it choose: the option, then
 * AOTIHUB_RUNTIME, then the config's default. (Under "auto" the loader also tells the registry
 * which runtime this process already runs, as a preference: `ResolveOptions.preferRuntime`.)
 */
export function requestedRuntime(sources: RuntimeSources): RuntimeKind | undefined {
  const env = sources.env ?? process.env;
  const named =
    parseRuntimeOption(sources.option, "the runtime option") ??
    parseRuntimeOption(env.AOTIHUB_RUNTIME === "" ? undefined : env.AOTIHUB_RUNTIME, "AOTIHUB_RUNTIME") ??
    sources.config;
  return named === "auto" ? undefined : named;
}

function parseRuntimeOption(value: unknown, source: string): RuntimeOption | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string" && (RUNTIME_OPTIONS as readonly string[]).includes(value)) {
    return value as RuntimeOption;
  }
  throw new AotihubError(
    "AOTIHUB_RUNTIME_INVALID",
    `Unknown runtime ${JSON.stringify(value)} in ${source}.`,
    {
      expected: '"auto", "libtorch" or "standalone"',
      received: JSON.stringify(value),
      hint: 'leave it unset (auto: libtorch builds where torch is found, standalone builds elsewhere), or ask for "standalone" to run without libtorch',
    },
  );
}
