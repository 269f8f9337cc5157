import type { DeviceTensor, LoadedModel, LoadStats, RunInput, RunOptions, Tensor } from "@aotihub/native";
import {
  type Artifact,
  type DeviceProfile,
  describeResolution,
  type Resolution,
  type RuntimeKind,
} from "@aotihub/registry";
import type { TrustReason } from "../trust/assert-trusted.js";

const NAMED_BY: Record<Provenance["source"], string> = {
  ref: "the ref itself",
  config: "aotihub.config.json",
  index: "the alias index",
  lockfile: "aotihub.lock",
};

/** One compiled variant of the model: which bucket, which file, which target, open or not. */
export interface CompiledVariant {
  bucket: Artifact["bucket"];
  path: string;
  sha256: string;
  target: Artifact["target"];
  opened: boolean;
}

/** Where a loaded model came from and why those files: what `explain()` reports. */
export interface Provenance {
  ref: string;
  repo: string;
  commit: string;
  profile: string;
  source: "ref" | "config" | "index" | "lockfile";
  trust: TrustReason;
  lockfile: string | null;
  resolution: Resolution;
  deviceProfile: DeviceProfile;
  loadMs: number;
  stats: LoadStats;
  /**
   * When loadCompiled's own steps ended, in ms since the process started (like `stats.stages`):
   * "loadCompiled start", "device chosen", "libtorch early start", "plan ready", "files checked".
   */
  loaderStages?: Record<string, number>;
}

/**
 * A model loaded by `loadCompiled`: runs inputs on the variant whose bucket fits them, and can say
 * which artifacts it uses and why.
 */
export class CompiledModel {
  readonly #native: LoadedModel;
  readonly #provenance: Provenance;
  readonly #artifacts: Map<string, Artifact>;
  #onDispose: (() => void) | undefined;

  constructor(native: LoadedModel, provenance: Provenance, artifacts: Artifact[], onDispose?: () => void) {
    this.#native = native;
    this.#provenance = provenance;
    this.#artifacts = new Map(artifacts.map((a) => [a.bucket.name, a]));
    this.#onDispose = onDispose;
  }

  /** "cpu" or "cuda:N". */
  get device(): string {
    return this.#native.device;
  }

  /** "libtorch", or "standalone" (the addon's own C shim: no libtorch in the process). */
  get runtime(): RuntimeKind {
    return this.#provenance.resolution.runtime;
  }

  get repo(): string {
    return this.#provenance.repo;
  }

  get commit(): string {
    return this.#provenance.commit;
  }

  get profile(): string {
    return this.#provenance.profile;
  }

  get inputNames(): readonly string[] {
    return this.#native.inputNames;
  }

  get stats(): LoadStats & { loadMs: number } {
    const stats = this.#native.stats;
    const loader = this.#provenance.loaderStages;
    return {
      ...stats,
      ...(loader !== undefined && { stages: { ...loader, ...stats.stages } }),
      loadMs: this.#provenance.loadMs,
    };
  }

  get variants(): CompiledVariant[] {
    return this.#native.variants.map((v) => {
      const artifact = this.#artifacts.get(v.name)!;
      return {
        bucket: artifact.bucket,
        path: artifact.path,
        sha256: artifact.sha256,
        target: artifact.target,
        opened: v.opened,
      };
    });
  }

  /** Runs the inputs (named or positional) on the variant whose bucket matches their shapes. */
  run(
    inputs: readonly RunInput[] | Readonly<Record<string, RunInput>>,
    options?: RunOptions,
  ): Promise<Tensor[]> {
    return this.#native.run(inputs, options) as Promise<Tensor[]>;
  }

  /**
   * The same run on the calling thread (no hop to the thread pool): for small models, where the hop
   * costs more than the model. Blocks the event loop while it runs; the variant must be open.
   */
  runSync(inputs: readonly RunInput[] | Readonly<Record<string, RunInput>>, options?: RunOptions): Tensor[] {
    return this.#native.runSync(inputs, options) as Tensor[];
  }

  /** Uploads a host tensor to this model's GPU once, for runs that read it many times. */
  toDevice(tensor: Tensor): Promise<DeviceTensor> {
    return this.#native.toDevice(tensor);
  }

  /** Why these artifacts: the ref's origin, trust, the commit, and the registry's full reasoning. */
  explain(): string {
    const p = this.#provenance;
    const head = [
      `${p.ref} -> ${p.repo}@${p.commit} (named by ${NAMED_BY[p.source]})`,
      `trusted because: ${p.trust === "lockfile" ? `pinned in ${p.lockfile}` : p.trust === "config" ? "listed in trustedRepos" : "trustRemoteCode: true"}`,
      `profile ${p.profile} on ${this.device}, ${p.resolution.runtime} runtime`,
    ];
    return `${head.join("\n")}\n${describeResolution(p.resolution, p.deviceProfile)}`;
  }

  get provenance(): Readonly<Provenance> {
    return this.#provenance;
  }

  /** Frees the containers, the device weights and the mappings. Idempotent. */
  dispose(): void {
    this.#native.dispose();
    const hook = this.#onDispose;
    this.#onDispose = undefined;
    hook?.();
  }
}
