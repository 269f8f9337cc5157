/**
 * Starts the CUDA driver's cuInit and the device's primary context on a native thread at once
 * (src/probe/cuda-context-early.h), for a process that will run a CUDA model: run it before anything
 * else with `node --import @aotihub/loader/cuda-early app.js` (or NODE_OPTIONS), so the ~200 ms of the
 * driver's start overlap Node's own start and the application's imports. A static `import` of it
 * inside the application would run only after its whole import graph was loaded.
 *
 * Where findTorch's answer is known without running python (AOTIHUB_TORCH_DIR, or the layout an
 * earlier process saved: find-torch.ts), libtorch's dlopens (~0.4 s on the H200 machine) start here
 * too, on their own thread, once the driver's library is open: the load then joins them. A load
 * that names another `torchDir` then fails (one libtorch per process: AOTIHUB_TORCH_CONFLICT), and a
 * process that runs only standalone builds maps libtorch for nothing: AOTIHUB_CUDA_EARLY_TORCH=0
 * (or AOTIHUB_RUNTIME=standalone) leaves libtorch to the load.
 *
 * The device: AOTIHUB_CUDA_EARLY_DEVICE (an index the driver sees, after CUDA_VISIBLE_DEVICES),
 * default 0; AOTIHUB_CUDA_EARLY=0 makes it do nothing. The context is then held for the process (on
 * a machine without a driver nothing happens, and the load reports what it always did). Loads the
 * addon itself, leaving out everything else of the package, so that it starts as early as it can.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { NativeBinding } from "./binding.js"; // types only: binding.ts itself is not loaded

type EarlyBinding = Pick<NativeBinding, "startCudaContextEarly" | "preloadTorch">;

if (process.env.AOTIHUB_CUDA_EARLY !== "0") {
  let addon: EarlyBinding | null = null;
  try {
    const load = createRequire(import.meta.url)("node-gyp-build") as (root: string) => EarlyBinding;
    addon = load(fileURLToPath(new URL("..", import.meta.url)));
    const device = Number(process.env.AOTIHUB_CUDA_EARLY_DEVICE ?? 0);
    // the process's exit waits for the thread (native: join-at-exit.h)
    addon.startCudaContextEarly(Number.isInteger(device) && device >= 0 ? device : 0);
  } catch {
    addon = null; // no addon here: the load that follows reports it, typed
  }
  if (
    addon !== null &&
    process.env.AOTIHUB_CUDA_EARLY_TORCH !== "0" &&
    process.env.AOTIHUB_RUNTIME !== "standalone"
  ) {
    try {
      // Imported only now, after the driver's start: what the lookup needs must not delay it.
      const { findTorchWithoutPython } = await import("./torch/find-torch-without-python.js");
      const torch = findTorchWithoutPython();
      if (torch !== null) addon.preloadTorch(torch.libDir, torch.hasCudaLibrary);
    } catch {
      // the load finds torch itself and reports what it finds, typed
    }
  }
}
