import { LRUCache } from "lru-cache";
import type { CompiledModel } from "./compiled-model.js";

/**
 * The models this process has loaded, keyed by repo, commit, profile and device. Loading the same
 * key again returns the same model, and two concurrent loads of one key load once. The least
 * recently used model is disposed when more than AOTIHUB_MAX_LOADED_MODELS (default 4) are held,
 * so a model handed out earlier can be disposed by a later load: size it for your working set.
 */
export class LoadedModels {
  readonly #models = new LRUCache<string, CompiledModel>({
    max: Math.max(1, Number(process.env.AOTIHUB_MAX_LOADED_MODELS) || 4),
    // disposeAfter, not dispose: the model's dispose() calls back into #forget, which must find the
    // entry already gone; re-entering the cache from `dispose` evicted the wrong entry and left the
    // evicted model alive (seen with AOTIHUB_MAX_LOADED_MODELS=1)
    disposeAfter: (model) => model.dispose(),
  });
  readonly #loading = new Map<string, Promise<CompiledModel>>();

  async getOrLoad(
    key: string,
    reuse: boolean,
    load: (onDispose: () => void) => Promise<CompiledModel>,
  ): Promise<CompiledModel> {
    if (!reuse) return load(() => {});
    const held = this.#models.get(key);
    if (held) return held;
    const pending = this.#loading.get(key);
    if (pending) return pending;
    const loading = load(() => this.#forget(key))
      .then((model) => {
        this.#models.set(key, model);
        return model;
      })
      .finally(() => this.#loading.delete(key));
    this.#loading.set(key, loading);
    return loading;
  }

  #forget(key: string): void {
    // Called from the model's own dispose(): drop it without disposing it a second time.
    if (this.#models.has(key)) this.#models.delete(key);
  }

  /** Disposes every model held (e.g. before a worker exits). */
  clear(): void {
    this.#models.clear();
  }

  get size(): number {
    return this.#models.size;
  }
}

export const loadedModels = new LoadedModels();
