import { binding, isNativeFailure, type NativeHandle } from "../binding.js";
import { aotihubCodeOf } from "../errors/native-codes.js";
import { disposedError, NativeIoError } from "../errors/native-errors.js";

export interface MapFileOptions {
  /** First byte to map (default 0). Need not be page-aligned. */
  offset?: number;
  /** Bytes to map (default: to the end of the file). */
  length?: number;
}

export interface MappedFile {
  readonly path: string;
  /** The mapped bytes, zero-copy. Throws AOTIHUB_DISPOSED after dispose(). */
  readonly bytes: Uint8Array;
  readonly byteLength: number;
  /** Size of the whole file when it was mapped. */
  readonly fileSize: number;
  readonly disposed: boolean;
  /** Unmaps now. Views taken earlier become empty (detached), never dangling. Idempotent. */
  dispose(): void;
}

/**
 * Maps a byte range of a file into memory and exposes it as an external ArrayBuffer (no copy). The
 * mapping is private: a write through `bytes` stays in this process and never reaches the file.
 * `dispose()` releases it deterministically; if it is never called, collecting the buffer does.
 */
export function mapFile(path: string, options: MapFileOptions = {}): MappedFile {
  const offset = options.offset ?? 0;
  const length = options.length ?? -1;
  if (typeof path !== "string" || path === "") throw invalid("path", "a non-empty file path", path);
  if (!Number.isSafeInteger(offset) || offset < 0) throw invalid("offset", "a non-negative integer", offset);
  if (options.length !== undefined && (!Number.isSafeInteger(length) || length < 0))
    throw invalid("length", "a non-negative integer", options.length);
  let mapped: { buffer: ArrayBuffer; handle: NativeHandle; fileSize: number };
  try {
    mapped = binding().mapFile(path, offset, length);
  } catch (error) {
    throw fromNative(error, path, offset, options.length);
  }
  return new NativeMappedFile(path, mapped.buffer, mapped.handle, mapped.fileSize);
}

class NativeMappedFile implements MappedFile {
  #buffer: ArrayBuffer | null;
  #bytes: Uint8Array | null;
  #handle: NativeHandle | null;
  readonly byteLength: number;

  constructor(
    readonly path: string,
    buffer: ArrayBuffer,
    handle: NativeHandle,
    readonly fileSize: number,
  ) {
    this.#buffer = buffer;
    this.#bytes = new Uint8Array(buffer);
    this.#handle = handle;
    this.byteLength = buffer.byteLength;
  }

  get bytes(): Uint8Array {
    if (this.#bytes === null) throw disposedError(`mapping of ${this.path}`);
    return this.#bytes;
  }

  get disposed(): boolean {
    return this.#handle === null;
  }

  dispose(): void {
    if (this.#handle === null || this.#buffer === null) return;
    binding().unmapFile(this.#handle, this.#buffer);
    this.#handle = null;
    this.#buffer = null;
    this.#bytes = null;
  }
}

function invalid(name: string, expected: string, received: unknown): NativeIoError {
  return new NativeIoError("AOTIHUB_MMAP_INVALID_ARGUMENT", `Invalid ${name} for mapFile.`, {
    expected,
    received: `${String(received)} of type ${typeof received}`,
  });
}

function fromNative(error: unknown, path: string, offset: number, length: number | undefined): unknown {
  if (!isNativeFailure(error)) return error;
  const code = aotihubCodeOf(error.nativeCode, "map");
  return new NativeIoError(code, `Cannot map ${path}.`, {
    expected: `a readable regular file holding bytes ${offset}..${length === undefined ? "end" : offset + length}`,
    received: error.message,
    hint:
      code === "AOTIHUB_MMAP_NOT_FOUND" ? "check the path (a cache entry may have been removed)" : undefined,
    cause: error,
  });
}
