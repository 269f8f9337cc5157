import { AotihubError, type AotihubErrorDetails } from "@aotihub/registry";

/**
 * Every error the native package throws on purpose. One class per caller decision (retry, pick
 * another artifact, fix the input, fix the install); the `code` says the exact cause.
 */
export class NativeIoError extends AotihubError {}
export class FileLockError extends AotihubError {}
export class DisposedError extends AotihubError {}
export class TorchNotFoundError extends AotihubError {}
export class TorchLoadError extends AotihubError {}
export class UnsupportedCpuIsaError extends AotihubError {}
export class ModelLoadError extends AotihubError {}
export class WeightBindingError extends AotihubError {}
export class InputMismatchError extends AotihubError {}
export class NoMatchingBucketError extends AotihubError {}
export class ModelRunError extends AotihubError {}

export type { AotihubErrorDetails };

export function disposedError(what: string): DisposedError {
  return new DisposedError("AOTIHUB_DISPOSED", `This ${what} was disposed.`, {
    expected: `a live ${what}`,
    received: `one whose dispose() already ran`,
    hint: `keep the ${what} until you are done with it, or open it again`,
  });
}
