import { binding } from "../binding.js";
import { ModelLoadError } from "../errors/native-errors.js";
import { ElfUnreadableError, readElfDynamic } from "../formats/elf/index.js";
import { typedNativeFailure } from "./native-failure.js";

/** Which runtime provides the AOTI C shim: libtorch (a torch install) or aotihub's own (no torch). */
export type RuntimeKind = "libtorch" | "standalone";

/** What a standalone model may leave undefined and the addon provides (src/shim). */
const SHIM_PREFIXES = ["aoti_torch_", "Sleef_"];
const LIBTORCH_SONAMES = /^(libtorch|libc10)/;

let provided: Promise<Set<string>> | undefined;

/** The shim functions the addon exports, read from the addon file itself (never a hand-kept list). */
export function standaloneShimFunctions(): Promise<Set<string>> {
  provided ??= readElfDynamic(binding().addonPath()).then(
    (info) => new Set(info.defined.filter((name) => SHIM_PREFIXES.some((p) => name.startsWith(p)))),
  );
  return provided;
}

/**
 * Refuses, before anything is dlopened, a package the standalone runtime cannot run: one whose
 * `.so` links libtorch, or calls shim functions (aten ops, mostly) the addon does not provide.
 */
export async function checkStandalonePackage(soPath: string, packagePath: string): Promise<void> {
  let info: Awaited<ReturnType<typeof readElfDynamic>>;
  try {
    info = await readElfDynamic(soPath);
  } catch (error) {
    if (!(error instanceof ElfUnreadableError)) throw error;
    throw new ModelLoadError(
      "AOTIHUB_MODEL_SO_INVALID",
      `Cannot read the compiled library of ${packagePath}.`,
      {
        expected: "a 64-bit little-endian ELF shared object",
        received: error.message,
        hint: "the package may be damaged or built for another platform; fetch it again or pick another artifact",
      },
    );
  }
  const libtorch = info.needed.filter((soname) => LIBTORCH_SONAMES.test(soname));
  if (libtorch.length > 0) {
    throw new ModelLoadError(
      "AOTIHUB_STANDALONE_NEEDS_LIBTORCH",
      `${packagePath} links libtorch; the standalone runtime cannot run it.`,
      {
        expected: 'a package exported with runtime="standalone" (its .so needs no libtorch)',
        received: `a .so needing ${libtorch.join(", ")}`,
        hint: 'install torch and load it with runtime "libtorch", or use the artifact published for runtime "standalone"',
      },
    );
  }
  const have = await standaloneShimFunctions();
  const missing = info.undefined.filter(
    (name) => SHIM_PREFIXES.some((p) => name.startsWith(p)) && !have.has(name),
  );
  if (missing.length > 0) {
    throw new ModelLoadError(
      "AOTIHUB_STANDALONE_SHIM_MISSING",
      `${packagePath} calls C-shim functions the standalone runtime does not provide.`,
      {
        expected: "only the tensor-bookkeeping functions of docs/standalone-runtime.md",
        received: missing.join(", "),
        hint: 'load it with runtime "libtorch", or re-export it with runtime="standalone" (the export refuses such packages)',
      },
    );
  }
}

/** Makes the addon's shim global (and loads libcudart for CUDA); never loads libtorch. */
export async function loadStandaloneRuntime(
  cuda: boolean,
  cudaRuntimeLibrary: string | undefined,
): Promise<number> {
  try {
    return (await binding().loadStandalone(cuda, cudaRuntimeLibrary ?? "")).loadMs;
  } catch (error) {
    throw typedNativeFailure(
      error,
      "torch",
      cuda ? "the standalone runtime (CUDA)" : "the standalone runtime",
    );
  }
}
