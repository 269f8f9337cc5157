import { AotihubError } from "@aotihub/registry";
import { isNativeFailure } from "../binding.js";
import {
  DisposedError,
  ModelLoadError,
  ModelRunError,
  NativeIoError,
  TorchLoadError,
  WeightBindingError,
} from "../errors/native-errors.js";

/** What the runtime was doing when native code failed; it picks the error class and the advice. */
export type RuntimeStage = "torch" | "weights" | "open" | "run";

/** Turns an addon failure (`{ message, nativeCode }`) into the typed error a caller can act on. */
export function typedNativeFailure(error: unknown, stage: RuntimeStage, subject: string): unknown {
  if (!isNativeFailure(error) || error instanceof AotihubError) return error;
  const received = error.message;
  const cause = error;
  switch (error.nativeCode) {
    case "NATIVE_DISPOSED":
      return new DisposedError("AOTIHUB_DISPOSED", `${subject} was disposed while in use.`, {
        received,
        cause,
      });
    case "NATIVE_TORCH_CONFLICT":
      return new TorchLoadError(
        "AOTIHUB_TORCH_CONFLICT",
        "A different libtorch is already loaded in this process.",
        {
          received,
          hint: "use one torchDir per process (libtorch cannot be loaded twice)",
          cause,
        },
      );
    case "NATIVE_TORCH_LOAD":
    case "NATIVE_TORCH_SYMBOL":
      return new TorchLoadError("AOTIHUB_TORCH_LOAD_FAILED", `Could not load libtorch from ${subject}.`, {
        expected: "a complete torch install for this platform (libtorch_cpu.so, libtorch.so, libc10.so, ...)",
        received,
        hint: "reinstall torch, or point torchDir/AOTIHUB_TORCH_DIR at a working one",
        cause,
      });
    case "NATIVE_WEIGHTS_MISMATCH":
      return new WeightBindingError("AOTIHUB_WEIGHTS_MISMATCH", `The weights do not fit ${subject}.`, {
        expected:
          "every constant the model was compiled with, by original name, with its dtype and byte size",
        received,
        hint: "use the weight set published with this compiled variant (and its weightsOverride, if any)",
        cause,
      });
    case "NATIVE_SO_LOAD":
    case "NATIVE_NOT_AOTI":
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
    case "NATIVE_NOT_FOUND":
    case "NATIVE_RANGE":
    case "NATIVE_IO":
    case "NATIVE_DUPLICATE":
      return new NativeIoError("AOTIHUB_WEIGHTS_UNREADABLE", `Cannot read the weights of ${subject}.`, {
        received,
        hint: "the files may have changed since they were read; verify or fetch them again",
        cause,
      });
    case "NATIVE_KERNEL_CALL":
      return new ModelRunError("AOTIHUB_KERNEL_CALL_FAILED", `A custom op of ${subject} failed.`, {
        received,
        hint: "the op's own message is on stderr; check the inputs' dtypes, shapes and device against what the kernel supports",
        cause,
      });
    case "NATIVE_KERNEL_SHIM":
      return new ModelLoadError(
        "AOTIHUB_KERNEL_SHIM_MISSING",
        `This torch cannot run the custom ops of ${subject}.`,
        {
          received,
          hint: "use torch >= 2.10 for models that call custom ops",
          cause,
        },
      );
    default:
      if (stage === "run") {
        return new ModelRunError("AOTIHUB_RUN_FAILED", `Running ${subject} failed.`, {
          received,
          hint: "the model's own message is on stderr; check the inputs and the device",
          cause,
        });
      }
      return new ModelLoadError("AOTIHUB_MODEL_LOAD_FAILED", `Loading ${subject} failed (${stage}).`, {
        received,
        hint: "the model's own message is on stderr",
        cause,
      });
  }
}
