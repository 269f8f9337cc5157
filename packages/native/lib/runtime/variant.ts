import type { Bucket } from "@aotihub/registry";
import { binding, type NativeContainer, type NativeHandle, type NativeWeightStore } from "../binding.js";
import { disposedError } from "../errors/native-errors.js";
import type { Pt2Package } from "../formats/pt2/types.js";
import { prepareExternNodes } from "../kernels/prepare-extern-nodes.js";
import { typedNativeFailure } from "./native-failure.js";
import type { RuntimeDevice } from "./runtime-device.js";
import { createWeightStore } from "./weight-store.js";

export interface VariantInfo {
  /** The bucket's name. */
  name: string;
  bucket: Bucket;
  path: string;
  opened: boolean;
  /** dlopen + container + weight binding, once opened. */
  openMs: number | null;
}

/** One compiled variant: opened on first use (or eagerly), then run many times. */
export class Variant {
  #opening: Promise<NativeContainer> | null = null;
  #container: NativeContainer | null = null;
  #overrides: NativeWeightStore | null = null;
  #disposed = false;
  openMs: number | null = null;

  constructor(
    readonly bucket: Bucket,
    readonly pkg: Pt2Package,
    readonly modelName: string,
    readonly overrideWeights: readonly string[],
    /** The verified copy of the model's `.so` and cubins (verifyAndExtractPt2): all that is dlopened. */
    readonly extracted: {
      readonly soPath: string;
      readonly cubinDir: string;
      readonly externNodesPath: string | null;
    },
    /** The kernel libraries loaded for this model, named in errors about its custom ops. */
    readonly kernels: readonly string[] = [],
  ) {}

  get name(): string {
    return this.bucket.name;
  }

  info(): VariantInfo {
    return {
      name: this.name,
      bucket: this.bucket,
      path: this.pkg.path,
      opened: this.#container !== null,
      openMs: this.openMs,
    };
  }

  /** The container if opened already (for synchronous runs), else null. */
  opened(): NativeContainer | null {
    return this.#disposed ? null : this.#container;
  }

  /**
   * Opens once; concurrent callers share the same opening. The library is not read from the package
   * again: it was copied out of verified bytes at load time.
   */
  open(store: NativeHandle, device: RuntimeDevice): Promise<NativeContainer> {
    if (this.#disposed) return Promise.reject(disposedError(`variant ${this.name}`));
    this.#opening ??= this.#open(store, device);
    return this.#opening;
  }

  async #open(store: NativeHandle, device: RuntimeDevice): Promise<NativeContainer> {
    const started = performance.now();
    const { soPath, cubinDir } = this.extracted;
    const externNodes = await prepareExternNodes(this.extracted.externNodesPath, this.pkg.path, this.kernels);
    if (this.overrideWeights.length > 0)
      this.#overrides = await createWeightStore(this.overrideWeights, device);
    let container: NativeContainer;
    try {
      container = await binding().openContainer({
        soPath,
        cubinDir,
        cuda: device.cuda,
        deviceIndex: device.index,
        store,
        externNodes,
        ...(this.#overrides ? { overrides: this.#overrides.handle } : {}),
      });
    } catch (error) {
      throw typedNativeFailure(error, "open", `variant ${this.name} (${this.pkg.path})`);
    }
    this.openMs = performance.now() - started;
    if (this.#disposed) {
      binding().disposeHandle(container.handle, "container");
      throw disposedError(`variant ${this.name}`);
    }
    this.#container = container;
    return container;
  }

  dispose(): void {
    this.#disposed = true;
    if (this.#container) binding().disposeHandle(this.#container.handle, "container");
    if (this.#overrides) binding().disposeHandle(this.#overrides.handle, "store");
    this.#container = null;
    this.#overrides = null;
  }
}
