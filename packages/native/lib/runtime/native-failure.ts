import { AotihubError } from "@aotihub/registry";
import { isNativeFailure } from "../binding.js";
import { aotihubCodeOf } from "../errors/native-codes.js";
import {
  DisposedError,
  InputMismatchError,
  ModelLoadError,
  ModelRunError,
  NativeIoError,
  TorchLoadError,
  WeightBindingError,
} from "../errors/native-errors.js";

/** What the runtime was doing when native code failed; it picks the error class and the advice. */
export type RuntimeStage = "torch" | "weights" | "open" | "run";

/**
 * Turns an addon failure (`{ message, nativeCode }`) into the typed error a caller can act on: the
 * code comes from the native code table (errors/native-codes.ts), the class and advice from here.
 */
export function typedNativeFailure(error: unknown, stage: RuntimeStage, subject: string): unknown {
  if (!isNativeFailure(error) || error instanceof AotihubError) return error;
  const received = error.message;
  const cause = error;
  const code = aotihubCodeOf(error.nativeCode, stage === "run" ? "run" : "load");
  switch (code) {
    case "AOTIHUB_DISPOSED":
      return new DisposedError("AOTIHUB_DISPOSED", `${subject} was disposed while in use.`, {
        received,
        cause,
      });
    case "AOTIHUB_TORCH_CONFLICT":
      return new TorchLoadError(
        "AOTIHUB_TORCH_CONFLICT",
        "A different libtorch is already loaded in this process.",
        {
          received,
          hint: "use one torchDir per process (libtorch cannot be loaded twice)",
          cause,
        },
      );
    case "AOTIHUB_RUNTIME_CONFLICT":
      return new TorchLoadError(code, `Cannot load the runtime for ${subject}.`, {
        expected: "one runtime per process: libtorch or standalone",
        received,
        hint: "load every model of a process with the same runtime option (or use a child process)",
        cause,
      });
    case "AOTIHUB_CUDA_RUNTIME_NOT_FOUND":
      return new TorchLoadError(code, `The standalone runtime cannot load libcudart for ${subject}.`, {
        expected: "cudaRuntimeLibrary naming a libcudart.so, or libcudart.so.13/.12 on the library path",
        received,
        hint: "pip install nvidia-cuda-runtime-cu12 (or the CUDA runtime), then pass its lib/libcudart.so.* as cudaRuntimeLibrary",
        cause,
      });
    case "AOTIHUB_TORCH_LOAD_FAILED":
      return new TorchLoadError("AOTIHUB_TORCH_LOAD_FAILED", `Could not load libtorch from ${subject}.`, {
        expected: "a complete torch install for this platform (libtorch_cpu.so, libtorch.so, libc10.so, ...)",
        received,
        hint: "reinstall torch, or point torchDir/AOTIHUB_TORCH_DIR at a working one",
        cause,
      });
    case "AOTIHUB_WEIGHTS_MISMATCH":
      return new WeightBindingError("AOTIHUB_WEIGHTS_MISMATCH", `The weights do not fit ${subject}.`, {
        expected:
          "every constant the model was compiled with, by original name, with its dtype and byte size",
        received,
        hint: "use the weight set published with this compiled variant (and its weightsOverride, if any)",
        cause,
      });
    case "AOTIHUB_MODEL_SO_INVALID":
      return new ModelLoadError(
        "AOTIHUB_MODEL_SO_INVALID",
        `Cannot load the compiled library of ${subject}.`,
        {
          expected: "an AOTInductor model .so for this platform, built against the loaded torch",
          received,
          hint: "the package may be damaged or built for another platform/torch; fetch it again or pick another artifact",
          cause,
        },
      );
    case "AOTIHUB_WEIGHTS_UNREADABLE":
      return new NativeIoError("AOTIHUB_WEIGHTS_UNREADABLE", `Cannot read the weights of ${subject}.`, {
        received,
        hint: "the files may have changed since they were read; verify or fetch them again",
        cause,
      });
    case "AOTIHUB_KERNEL_CALL_FAILED":
      return new ModelRunError(code, `A custom op of ${subject} failed.`, {
        received,
        hint: "the op's own message is on stderr; check the inputs' dtypes, shapes and device against what the kernel supports",
        cause,
      });
    case "AOTIHUB_KERNEL_SHIM_MISSING":
      return new ModelLoadError(code, `This torch cannot run the custom ops of ${subject}.`, {
        received,
        hint: "use torch >= 2.10 for models that call custom ops",
        cause,
      });
    case "AOTIHUB_TORCH_NO_CUDA":
    case "AOTIHUB_TORCH_NOT_LOADED":
      return new TorchLoadError(code, `libtorch cannot serve ${subject}.`, {
        expected: "a libtorch loaded (with CUDA, for a CUDA device) before the model",
        received,
        hint: "load through loadPackages/loadCompiled, with a CUDA build of torch for a CUDA device",
        cause,
      });
    case "AOTIHUB_INPUT_INVALID":
      return new InputMismatchError(code, `The inputs do not fit ${subject}.`, {
        expected: "each input's bytes to match its dtype and shape when run() is called",
        received,
        hint: "do not detach, resize or unmap an input's buffer before run() returns its promise; pass device tensors as they came",
        cause,
      });
    case "AOTIHUB_INPUT_WRONG_DEVICE":
      return new InputMismatchError(code, `An input of ${subject} is on another device.`, {
        expected: "device tensors made on the model's own GPU",
        received,
        hint: "read it back with toHost() and upload it with this model's toDevice()",
        cause,
      });
    case "AOTIHUB_OUTPUT_INVALID":
      return new InputMismatchError(code, `The output arrays do not fit ${subject}.`, {
        expected: "one array per output (or undefined), of the output's dtype array type and byte length",
        received,
        hint: "size each array from the model's outputs (a first run without `out` shows them); keepOnDevice outputs take none",
        cause,
      });
    case "AOTIHUB_RUN_FAILED":
      return new ModelRunError(code, `Running ${subject} failed.`, {
        received,
        hint: "the model's own message is in `received` (torch >= 2.13) or on stderr; check the inputs and the device",
        cause,
      });
    case "AOTIHUB_MODEL_LOAD_FAILED":
      return new ModelLoadError(code, `Loading ${subject} failed (${stage}).`, {
        received,
        hint: "the model's own message is on stderr",
        cause,
      });
    default: {
      // Out of memory, a CUDA error, an unsupported dtype, a bad handle: the code says which.
      const ErrorClass = stage === "run" ? ModelRunError : ModelLoadError;
      return new ErrorClass(code, `${stage === "run" ? "Running" : "Loading"} ${subject} failed.`, {
        received,
        hint: "see docs/troubleshooting.md for this code",
        cause,
      });
    }
  }
}
