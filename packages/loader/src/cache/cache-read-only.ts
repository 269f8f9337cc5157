import { AotihubError } from "@aotihub/registry";

/** Where the cache is read-only, by declaration (AOTIHUB_CACHE_READ_ONLY) or by the filesystem. */
export class CacheReadOnlyError extends AotihubError {
  constructor(cacheDir: string, wanted: string, cause?: unknown) {
    const declared = cause === undefined;
    super("AOTIHUB_CACHE_READ_ONLY", `cannot ${wanted}: the cache ${cacheDir} is read-only`, {
      expected: "the file already in the cache, or a writable cache",
      received: declared
        ? "AOTIHUB_CACHE_READ_ONLY=1, and the file is not cached at that commit"
        : `the filesystem refused a write (${(cause as NodeJS.ErrnoException).code ?? "error"})`,
      hint: declared
        ? "fill the shared cache from a machine that may write it (`aotihub download` or `prefetch`), or point HF_HUB_CACHE at a writable cache"
        : "set AOTIHUB_CACHE_READ_ONLY=1 to read this cache without locks or writes, or point HF_HUB_CACHE at a writable folder",
      cause,
    });
  }
}

/** flock does not work where the cache lives (an NFS mount without lock support, some FUSE mounts). */
export class CacheLockUnsupportedError extends AotihubError {
  constructor(cacheDir: string, wanted: string, cause: unknown) {
    super("AOTIHUB_CACHE_LOCK_UNSUPPORTED", `cannot ${wanted}: file locks do not work in ${cacheDir}`, {
      expected: "flock(2) on the cache's .locks/ files, as huggingface_hub takes it",
      received: String((cause as Error)?.message ?? cause),
      hint: "mount the share with locking (NFSv4, or NFSv3 without `nolock`), or write the cache from one machine and read it elsewhere with AOTIHUB_CACHE_READ_ONLY=1",
      cause,
    });
  }
}

const READ_ONLY_ERRNOS = new Set(["EROFS", "EACCES", "EPERM"]);

/**
 * Runs a cache write and turns "the filesystem will not let us" into a typed error that says what
 * to do, instead of a bare errno. Only errors about paths inside the cache are translated.
 */
export async function asReadOnlyError<T>(
  cacheDir: string,
  wanted: string,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e?.code !== undefined && READ_ONLY_ERRNOS.has(e.code) && (e.path ?? "").startsWith(cacheDir))
      throw new CacheReadOnlyError(cacheDir, wanted, error);
    if (
      /flock failed: (No locks available|Function not implemented|Operation not supported)/.test(
        e?.message ?? "",
      )
    )
      throw new CacheLockUnsupportedError(cacheDir, wanted, error);
    throw error;
  }
}
