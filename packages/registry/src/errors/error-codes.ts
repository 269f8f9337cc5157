/** What a code means and what a user does about it; docs/troubleshooting.md tells the long story. */
export interface ErrorCodeInfo {
  readonly summary: string;
  readonly fix: string;
}

/**
 * Every `AOTIHUB_*` code aotihub raises on purpose (TS, and the Python export helper's
 * `AOTIHUB_EXPORT_*`), one row each. A new code goes here first: `AotihubErrorCode` is derived from
 * this table, so a code that is not in it does not compile, and a test checks each row against
 * docs/troubleshooting.md.
 */
export const ERROR_CODES = {
  // names, config, lockfile and trust
  AOTIHUB_BAD_REF: {
    summary: "the text is neither an alias nor org/name[:profile][@revision]",
    fix: "write the ref in one of the two forms",
  },
  AOTIHUB_UNKNOWN_MODEL: {
    summary: "an alias found neither in aotihub.config.json nor in the alias index",
    fix: "use the suggested name, add the alias to the config, or pass the repo id",
  },
  AOTIHUB_INVALID_REPO_ID: {
    summary: "a repo id that is not org/name (or name)",
    fix: "write it as in its Hub URL",
  },
  AOTIHUB_CONFIG_NOT_FOUND: {
    summary: "configPath or AOTIHUB_CONFIG names a file that does not exist",
    fix: "create it, correct the path, or unset AOTIHUB_CONFIG",
  },
  AOTIHUB_CONFIG_INVALID: {
    summary: "aotihub.config.json is not JSON, or has unknown or mistyped fields",
    fix: "correct the fields listed",
  },
  AOTIHUB_LOCKFILE_INVALID: {
    summary: "aotihub.lock is not JSON or not format aotihub-lock/1",
    fix: "restore it from version control, or regenerate it with `aotihub lock`",
  },
  AOTIHUB_UNSAFE_PROJECT_FILE: {
    summary: "aotihub.config.json or aotihub.lock is owned by another user or writable by group or others",
    fix: "chown it to you and chmod go-w it if it is yours; otherwise delete it",
  },
  AOTIHUB_LOCK_DRIFT: {
    summary: "the cache or the Hub offers other bytes than aotihub.lock pins",
    fix: "run `aotihub lock` again if the change is intended, else restore the lockfile",
  },
  AOTIHUB_UNTRUSTED_REPO: {
    summary: "nothing vouches for the repo whose native code would run",
    fix: "pin it in aotihub.lock, list it in trustedRepos, or pass trustRemoteCode: true",
  },
  AOTIHUB_USAGE: {
    summary: "a CLI command got neither of the inputs it needs",
    fix: "see the command's --help",
  },
  AOTIHUB_FILE_UNREADABLE: {
    summary: "a file named on the command line cannot be read",
    fix: "check the path",
  },
  // choosing artifacts
  AOTIHUB_NO_COMPATIBLE_ARTIFACT: {
    summary: "no bucket of any requested profile can run on this device",
    fix: "read the reasons listed: update the driver or torch, or pick another profile or device",
  },
  AOTIHUB_TORCH_REQUIRED: {
    summary: "the builds that fit this device link libtorch, and no torch was found (nor a standalone build)",
    fix: "install the torch named (or set AOTIHUB_TORCH_DIR), or use a standalone build of the model",
  },
  AOTIHUB_RUNTIME_INVALID: {
    summary: 'the runtime asked for (option, AOTIHUB_RUNTIME) is not "auto", "libtorch" or "standalone"',
    fix: "use one of those three, or leave it unset",
  },
  AOTIHUB_PROFILE_UNKNOWN: {
    summary: "the profile asked for is not in the manifest",
    fix: "use one of the listed profiles",
  },
  AOTIHUB_MANIFEST_INVALID: {
    summary: "the repo's aotihub.json does not follow the convention",
    fix: "pin an earlier revision and tell the publisher; publishers fix each listed field",
  },
  AOTIHUB_INDEX_INVALID: {
    summary: "the alias index does not follow the convention",
    fix: "fix the listed aliases (docs/hub-convention.md)",
  },
  AOTIHUB_DEVICE_INVALID: {
    summary: 'device is not "auto", "cpu", "cuda:N" or a valid DeviceProfile',
    fix: "use one of those forms, or leave it out to probe this machine",
  },
  AOTIHUB_NO_SUCH_GPU: {
    summary: "cuda:N names a GPU the driver does not show",
    fix: "`aotihub probe` lists the GPUs; check CUDA_VISIBLE_DEVICES",
  },
  AOTIHUB_NO_KERNEL_VARIANT: {
    summary: "a kernel repo an artifact calls has no build for this torch, CUDA, CPU and OS",
    fix: "match torch/CUDA to a published build, or fetch every build with --all-variants",
  },
  AOTIHUB_KERNEL_VARIANT_INVALID: {
    summary: "a kernel build name that the kernels library's grammar does not accept",
    fix: "such builds are skipped; the publisher renames the build folder",
  },
  AOTIHUB_KERNEL_NO_LIBRARY: {
    summary: "the kernel build chosen for this device holds no shared library",
    fix: "use a kernel repo with compiled builds",
  },
  AOTIHUB_KERNEL_TORCH_ABI: {
    summary:
      "a kernel library needs c10/ATen/torch symbols the loaded libtorch lacks: built for another torch",
    fix: "use the build whose variant names this torch, or run with the torch it was built for",
  },
  AOTIHUB_KERNEL_LOAD_FAILED: {
    summary: "dlopen of a kernel library failed",
    fix: "fetch the build again; install what it links against",
  },
  AOTIHUB_KERNEL_NAMESPACE_TAKEN: {
    summary: "another build of the same kernel library (op namespace) is loaded in this process",
    fix: "run models that need different builds of one kernel in separate processes",
  },
  AOTIHUB_KERNEL_OP_MISSING: {
    summary: "the model calls an op that no loaded kernel registers",
    fix: "list the kernel in the artifact's kernels; use the build the model was exported with",
  },
  AOTIHUB_KERNEL_OP_SCHEMA_MISMATCH: {
    summary: "the loaded kernel registers the op with another signature than the model calls",
    fix: "pin the kernel revision the model was exported with, or export the model again",
  },
  AOTIHUB_KERNEL_CALL_UNSUPPORTED: {
    summary: "the model passes an argument kind the proxy executor cannot replay",
    fix: "an op signature with tensors, ints, floats, bools, lists and optionals",
  },
  AOTIHUB_KERNEL_SCHEMA_UNVERIFIABLE: {
    summary: "this libtorch does not let aotihub read an op's schema before calling it",
    fix: "use a supported torch version (2.11, 2.13 verified)",
  },
  AOTIHUB_KERNEL_SHIM_MISSING: {
    summary: "this libtorch's C shim lacks aoti_torch_call_dispatcher or the list functions",
    fix: "use a newer torch",
  },
  AOTIHUB_KERNEL_CALL_FAILED: {
    summary: "a custom op raised while the model ran",
    fix: "check the inputs' dtypes, shapes and device against what the kernel supports",
  },
  // Hub and network
  AOTIHUB_REPO_NOT_FOUND: {
    summary: "no such repo, or a private one you cannot see",
    fix: "check the id and --repo-type; set HF_TOKEN for a private repo",
  },
  AOTIHUB_REVISION_NOT_FOUND: {
    summary: "no such branch, tag or commit",
    fix: "check the revision",
  },
  AOTIHUB_ENTRY_NOT_FOUND: {
    summary: "no such file at that revision",
    fix: "check the path, or use a revision that has it",
  },
  AOTIHUB_GATED_REPO: {
    summary: "the repo needs its terms accepted",
    fix: "accept them on the repo's page; use a token of that account",
  },
  AOTIHUB_UNAUTHORIZED: {
    summary: "401/403: no token, or one without access",
    fix: "set HF_TOKEN with read access; unset a wrong one",
  },
  AOTIHUB_RATE_LIMITED: {
    summary: "429 after every retry",
    fix: "wait, or set HF_TOKEN for a higher limit",
  },
  AOTIHUB_HUB_HTTP_ERROR: {
    summary: "another error status from the Hub",
    fix: "5xx: try later; 4xx: report it",
  },
  AOTIHUB_HUB_BAD_RESPONSE: {
    summary: "a response without the headers or fields of a Hugging Face Hub",
    fix: "check HF_ENDPOINT; a proxy may strip headers",
  },
  AOTIHUB_HUB_UNSAFE_VALUE: {
    summary:
      "the Hub sent a commit, ETag or path that could leave the cache, a huge listing, or a cross-origin page link",
    fix: "point HF_ENDPOINT at a Hub you trust; nothing was written",
  },
  AOTIHUB_NETWORK_ERROR: {
    summary: "connection refused, reset or timed out after retries",
    fix: "check the network and HF_ENDPOINT; cached files are used with HF_HUB_OFFLINE=1",
  },
  AOTIHUB_REDIRECT_LOOP: {
    summary: "more than 10 redirects",
    fix: "a misconfigured server or proxy; check HF_ENDPOINT",
  },
  // downloads and the cache
  AOTIHUB_NOT_IN_CACHE: {
    summary: "the file is not cached and the Hub may not or cannot be asked",
    fix: "fetch it once with the network on (`aotihub prefetch`), or point HF_HUB_CACHE at a cache that has it",
  },
  AOTIHUB_HASH_MISMATCH: {
    summary:
      "downloaded bytes did not match their sha256 or git sha1 in 3 downloads from fresh URLs; nothing was cached",
    fix: "something between you and the Hub alters the file: retry from another network, or report the URL",
  },
  AOTIHUB_UNSAFE_PARTIAL_FILE: {
    summary: "a partial download in the cache is a symlink, not a regular file, or another user's file",
    fix: "someone may have planted it in a shared cache: inspect and remove it, and check who can write to HF_HUB_CACHE",
  },
  AOTIHUB_CACHE_READ_ONLY: {
    summary:
      "a download or a cache change is needed, but the cache is read-only (AOTIHUB_CACHE_READ_ONLY=1, or the filesystem refused a write)",
    fix: "fill the shared cache from a machine that may write it, or point HF_HUB_CACHE at a writable folder; set AOTIHUB_CACHE_READ_ONLY=1 to read a read-only cache without locks",
  },
  AOTIHUB_CACHE_LOCK_UNSUPPORTED: {
    summary: "flock does not work where the cache lives (an NFS mount without locking, some FUSE mounts)",
    fix: "mount with locking, or write the cache from one machine and read it elsewhere with AOTIHUB_CACHE_READ_ONLY=1",
  },
  AOTIHUB_UNVERIFIABLE_FILE: {
    summary: "the server's ETag names no hash we know, so the file cannot be verified",
    fix: "HF_ENDPOINT must point at a Hugging Face Hub",
  },
  AOTIHUB_BAD_RANGE_RESPONSE: {
    summary: "a ranged request got the wrong range or a wrong status",
    fix: "retry later; the partial file is kept and resumed",
  },
  AOTIHUB_INCOMPLETE_DOWNLOAD: {
    summary: "the server kept ending the body early after every retry",
    fix: "retry later; the partial file is kept and resumed",
  },
  AOTIHUB_SHA256_MISMATCH: {
    summary: "a cached file no longer has the sha256 the manifest or the lockfile pins",
    fix: "`aotihub cache verify`, delete the corrupt entry and fetch again",
  },
  AOTIHUB_UNSAFE_CACHE_PATH: {
    summary: "a cache path computed from a commit, ETag, revision or file path would leave its folder",
    fix: "check the argument; if it came from the Hub, point HF_ENDPOINT at a Hub you trust",
  },
  AOTIHUB_LOCK_TIMEOUT: {
    summary: "waiting for a cache file lock timed out",
    fix: "another process is probably downloading the same file: wait for it",
  },
  AOTIHUB_LOCK_ABORTED: {
    summary: "waiting for a cache file lock was cancelled",
    fix: "nothing to fix unless the cancel was unintended",
  },
  AOTIHUB_LOCK_INVALID_ARGUMENT: {
    summary: "a file lock was asked for with a bad timeout",
    fix: "pass a non-negative timeoutMs",
  },
  // torch and the native addon
  AOTIHUB_NATIVE_ADDON_MISSING: {
    summary: "the compiled addon is not built for this platform and Node version",
    fix: "`pnpm --filter @aotihub/native build`, or `bash scripts/bootstrap.sh`",
  },
  AOTIHUB_NATIVE_BAD_HANDLE: {
    summary: "the addon got something other than the handle it made (a bug of ours)",
    fix: "report it with the stack",
  },
  AOTIHUB_TORCH_NOT_FOUND: {
    summary: "no libtorch to run compiled models",
    fix: "pass torchDir, set AOTIHUB_TORCH_DIR, or install torch for AOTIHUB_PYTHON or python3",
  },
  AOTIHUB_TORCH_NOT_LOADED: {
    summary: "a tensor operation ran before libtorch was loaded (a bug of ours)",
    fix: "report it with the stack",
  },
  AOTIHUB_TORCH_NO_CUDA: {
    summary: "a CUDA device was asked for, but the torch found has no CUDA",
    fix: 'install a CUDA build of torch or point torchDir at one; or use device: "cpu"',
  },
  AOTIHUB_TORCH_LOAD_FAILED: {
    summary: "libtorch was found but could not be loaded",
    fix: "reinstall torch, or point at a complete one",
  },
  AOTIHUB_TORCH_CONFLICT: {
    summary: "this process already loaded another libtorch",
    fix: "use one torchDir per process",
  },
  // the standalone runtime (no libtorch; docs/standalone-runtime.md)
  AOTIHUB_RUNTIME_CONFLICT: {
    summary: "this process already runs models on the other runtime (libtorch or standalone)",
    fix: "use one runtime per process",
  },
  AOTIHUB_STANDALONE_NEEDS_LIBTORCH: {
    summary: "a package that links libtorch was given to the standalone runtime",
    fix: 'install torch and use runtime "libtorch", or use the artifact exported with runtime="standalone"',
  },
  AOTIHUB_STANDALONE_SHIM_MISSING: {
    summary: "a package calls C-shim functions the standalone runtime does not provide",
    fix: 'use runtime "libtorch" for this package, or re-export it with runtime="standalone" (which checks this)',
  },
  AOTIHUB_STANDALONE_KERNELS: {
    summary: "custom-op kernel libraries need libtorch's dispatcher, which the standalone runtime lacks",
    fix: 'use runtime "libtorch" for models that call custom ops',
  },
  AOTIHUB_CUDA_RUNTIME_NOT_FOUND: {
    summary: "the standalone runtime could not load libcudart",
    fix: "install the nvidia-cuda-runtime wheel or the CUDA runtime, or pass cudaRuntimeLibrary",
  },
  AOTIHUB_CPU_ISA_UNSUPPORTED: {
    summary: "the package's CPU code needs an instruction set this CPU lacks",
    fix: "use the artifact built for this CPU",
  },
  AOTIHUB_DEVICE_MISMATCH: {
    summary: "a CUDA package opened on the CPU, or the reverse",
    fix: "use the artifact built for this device",
  },
  AOTIHUB_COMPUTE_CAPABILITY_MISMATCH: {
    summary: "a CUDA package for another GPU architecture",
    fix: "use the artifact built for this device",
  },
  // opening packages
  AOTIHUB_PT2_INVALID: {
    summary: "the .pt2 is not an intact AOTInductor package",
    fix: "download it again, or re-export it",
  },
  AOTIHUB_PT2_MODEL_NOT_FOUND: {
    summary: "the package holds no model of the name asked for",
    fix: "use one of the names listed",
  },
  AOTIHUB_PT2_EXTRACT_UNSAFE: {
    summary: "the private folder for the verified library is not owned by you with mode 0700",
    fix: "check who else writes to the aotihub cache; remove that folder",
  },
  AOTIHUB_SAFETENSORS_INVALID: {
    summary: "a weight file or its index is not intact",
    fix: "download it again, or re-save it with safetensors",
  },
  AOTIHUB_MODEL_SO_INVALID: {
    summary: "the package's .so cannot be loaded, or is not an AOTInductor model",
    fix: "fetch it again, or choose another artifact",
  },
  AOTIHUB_WEIGHTS_MISMATCH: {
    summary: "the weight set lacks a constant the model was compiled with, or has another dtype or size",
    fix: "use the weight set published with this variant",
  },
  AOTIHUB_CONSTANT_SHAPE_MISMATCH: {
    summary:
      "a weight tensor has another shape than the model was compiled with (even at the same byte size)",
    fix: "use the weight files of the artifact's profile; export manifest and packages together",
  },
  AOTIHUB_WEIGHTS_UNREADABLE: {
    summary: "a weight file vanished, shrank or cannot be read",
    fix: "the cache changed under the process; verify and fetch again",
  },
  AOTIHUB_MMAP_NOT_FOUND: {
    summary: "a file to map does not exist",
    fix: "the cache changed under the process; verify and fetch again",
  },
  AOTIHUB_MMAP_OUT_OF_RANGE: {
    summary: "a file to map is shorter than the range asked for",
    fix: "the cache changed under the process; verify and fetch again",
  },
  AOTIHUB_MMAP_FAILED: {
    summary: "a file cannot be opened or mapped",
    fix: "check permissions; verify the cache and fetch again",
  },
  AOTIHUB_MMAP_INVALID_ARGUMENT: {
    summary: "mapFile got a bad path, offset or length",
    fix: "pass non-negative integers within the file",
  },
  AOTIHUB_BUCKET_INPUTS_MISMATCH: {
    summary: "a variant takes other inputs than its bucket declares, or than the other variants",
    fix: "re-export the repo; tell the publisher",
  },
  AOTIHUB_PACKAGES_INVALID: {
    summary: "loadPackages got no package, or an option of the wrong kind (runtime, warmup)",
    fix: "pass at least one package and the options as documented",
  },
  AOTIHUB_WARMUP_UNKNOWN_DTYPE: {
    summary: "warmup cannot build zero inputs: the bucket does not name an input's dtype",
    fix: "re-export with a current aotihub_export, or load without warmup",
  },
  AOTIHUB_MODEL_LOAD_FAILED: {
    summary: "the model's own code failed while opening",
    fix: "its message is on stderr",
  },
  // running a model
  AOTIHUB_NO_MATCHING_BUCKET: {
    summary: "no variant was compiled for these shapes or dtypes",
    fix: "pad or resize the inputs to a bucket, or publish a variant for this shape",
  },
  AOTIHUB_INPUT_INVALID: {
    summary: "an input is not a well-formed tensor, or the inputs do not match the model's",
    fix: "{ dtype, shape, data } with the dtype's array type; names from model.inputNames",
  },
  AOTIHUB_INPUT_WRONG_DEVICE: {
    summary: "a device tensor from another GPU was passed to run(), or toDevice() on a CPU model",
    fix: "read it back with toHost() and upload it with the running model's toDevice()",
  },
  AOTIHUB_OUTPUT_INVALID: {
    summary: "run()'s `out` option does not fit the outputs (count, array type, length, device)",
    fix: "one array per output, of the output's dtype array type and element count; host outputs only",
  },
  AOTIHUB_VARIANT_NOT_OPEN: {
    summary: "runSync() on a variant that is not opened yet (a lazy load)",
    fix: "call run() once first, or load without lazy",
  },
  AOTIHUB_DTYPE_UNSUPPORTED: {
    summary: "a tensor has a dtype this libtorch or aotihub does not support",
    fix: "use a supported dtype (docs/loadcompiled.md#tensors) or a torch that has it",
  },
  AOTIHUB_VARIANT_NOT_FOUND: {
    summary: "run(inputs, { variant }) names no bucket of this model",
    fix: "use one of the names listed",
  },
  AOTIHUB_RUN_FAILED: {
    summary: "the compiled model or libtorch reported an error while running",
    fix: "its own message is in received (torch >= 2.13) or on stderr; check the inputs and the device",
  },
  AOTIHUB_OUT_OF_MEMORY: {
    summary: "host memory for a tensor or weight copy could not be allocated",
    fix: "free memory, or run fewer models at once",
  },
  AOTIHUB_CUDA_FAILED: {
    summary: "a CUDA runtime call failed (out of GPU memory, a lost device, a bad launch)",
    fix: "the CUDA error number is in received; check GPU memory (nvidia-smi) and the driver",
  },
  AOTIHUB_DISPOSED: {
    summary: "a disposed model, tensor or mapping was used",
    fix: "keep it until you are done, or raise AOTIHUB_MAX_LOADED_MODELS",
  },
  AOTIHUB_TENSOR_VIEW_INVALID: {
    summary: "a typed-array view of tensor bytes would be misaligned or out of bounds",
    fix: "copy the bytes into an aligned buffer first",
  },
  // publishing and the local Hub
  AOTIHUB_PUBLISH_NO_MANIFEST: {
    summary: "the folder to publish has no aotihub.json",
    fix: "export it with the export helper first",
  },
  AOTIHUB_PUBLISH_FOLDER_INVALID: {
    summary: "the folder to publish does not match its manifest",
    fix: "re-export the folder; do not edit packages after export",
  },
  AOTIHUB_PUBLISH_NO_TOKEN: {
    summary: "no HF_TOKEN (or $HF_HOME/token) to publish with",
    fix: "set a token with write access",
  },
  AOTIHUB_HUB_SERVER_START: {
    summary: "`aotihub serve` cannot serve the folder or listen on the host and port",
    fix: "pass an existing folder, or another port",
  },
  AOTIHUB_HUB_SERVER_CONFIG: {
    summary: ".aotihub-server.json or a repo's .aotihub-refs.json is not valid",
    fix: "correct the fields listed",
  },
  AOTIHUB_HUB_SERVER_REJECTED: {
    summary:
      "the local Hub refused a request: a body too large, a commit conflict, an LFS upload unlike its announcement",
    fix: "clients see it as an HTTP 4xx with this message; retry the commit on the new head, or upload what was announced",
  },
  // the demo
  AOTIHUB_PYTHON_NO_TORCH: {
    summary: "the demo found no Python with torch and safetensors (AOTIHUB_PYTHON, else python3)",
    fix: "install them in a Python and set AOTIHUB_PYTHON to it; in a checkout, bash scripts/demo.sh makes .venv",
  },
  AOTIHUB_DEMO_EXPORT: {
    summary: "the export helper failed to build the demo model",
    fix: "check that torch works in that Python and that g++ is installed",
  },
  // the export helper (Python)
  AOTIHUB_EXPORT_SPEC: {
    summary: "the spec file is missing, declares nothing, or returns something else than ExportSpec",
    fix: "fix the spec",
  },
  AOTIHUB_EXPORT_BUCKETS: {
    summary: "no buckets, or a bucket's inputs do not match forward()'s parameters",
    fix: "name each input after a forward() parameter",
  },
  AOTIHUB_EXPORT_PROFILE: {
    summary: "unknown profile, or fp8 where the device cannot run it",
    fix: "fp32/bf16 there; fp8 on Ada/Hopper or newer",
  },
  AOTIHUB_EXPORT_COMPILE: {
    summary: "AOTInductor returned no file list or no constants",
    fix: "use a torch version the helper supports",
  },
  AOTIHUB_EXPORT_CONSTANT: {
    summary: "a constant is not a plain contiguous tensor, or the constants differ from the package's",
    fix: "make parameters contiguous",
  },
  AOTIHUB_EXPORT_PACKAGE: {
    summary: "the package's metadata or generated wrapper cannot be read",
    fix: "report it with the torch version",
  },
  AOTIHUB_EXPORT_TORCH: {
    summary: "the torch version string cannot be read",
    fix: "use a released torch",
  },
  AOTIHUB_EXPORT_KERNELS_MISSING: {
    summary: "the compiled package calls custom ops but the spec names no kernel repo",
    fix: "name the kernel repo in ExportSpec(kernels=...)",
  },
  AOTIHUB_EXPORT_RUNTIME: {
    summary: 'runtime= is neither "libtorch" nor "standalone"',
    fix: "pass one of the two",
  },
  AOTIHUB_EXPORT_ATTENTION: {
    summary:
      "attention= names an unknown backend, or a package calls a fused attention backend it was not allowed",
    fix: "name backends among flash, efficient, cudnn, math (or torch); clear the inductor cache and export again",
  },
  AOTIHUB_EXPORT_STANDALONE: {
    summary: "a standalone build still needs libtorch or shim functions the standalone runtime lacks",
    fix: 'rewrite that part of the module, or publish it with runtime="libtorch"',
  },
} as const satisfies Record<`AOTIHUB_${string}`, ErrorCodeInfo>;

/** Every code an `AotihubError` may carry. */
export type AotihubErrorCode = keyof typeof ERROR_CODES;

export function isAotihubErrorCode(value: unknown): value is AotihubErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_CODES, value);
}
