import type { Accelerator } from "../compat/evaluate-artifact.js";
import type { Artifact, RuntimeKind } from "../manifest/manifest-schema.js";

/** One artifact of a bucket with the verdict of every rule on this device. */
export interface Candidate {
  artifact: Artifact;
  ok: boolean;
  /** Why it cannot run here; empty when ok. */
  reasons: string[];
}

export interface BucketResolution {
  /** The best compatible artifact, or null when none of the bucket's artifacts can run here. */
  chosen: Artifact | null;
  /** Compatible ones first, best first; then the rejected ones by path. */
  candidates: Candidate[];
}

export interface Resolution {
  profile: string;
  accelerator: Accelerator;
  /** The runtime every chosen artifact needs: a process runs one, so a profile resolves to one. */
  runtime: RuntimeKind;
  /** By bucket name. A JS object lists integer-like names first: iterate `bucketsInOrder(resolution)`. */
  buckets: Record<string, BucketResolution>;
}

export interface ResolveOptions {
  /** A profile, or profiles tried in order (the first with any available bucket wins). Default: the manifest's profiles in the order it lists them. */
  profile?: string | string[];
  /** Default: "cuda" when the device has a CUDA GPU, else "cpu". A GPU machine never silently falls back to CPU builds. */
  accelerator?: Accelerator;
  /**
   * Only artifacts of this runtime. Default: "libtorch" builds where torch is found and one fits,
   * else "standalone" builds (those need no torch). A device with no torch never gets a libtorch build.
   */
  runtime?: RuntimeKind;
  /**
   * The runtime this process already runs models on (a process runs one): when `runtime` is not
   * given, chosen for a profile where one of its builds fits, before the preference above.
   */
  preferRuntime?: RuntimeKind;
}
