import { Pt2InvalidError } from "./pt2-invalid-error.js";
import type { Pt2Entry } from "./types.js";

/** One model's files, found by name; the metadata JSON is still to be read. */
export interface Pt2ModelFiles {
  name: string;
  wrapperSo: Pt2Entry;
  cubins: Pt2Entry[];
  metadataJson: Pt2Entry | null;
  weightsBlob: Pt2Entry | null;
  wrapperJson: Pt2Entry | null;
  wrapperCpp: Pt2Entry | null;
}

/**
 * Groups the entries under `<top>/data/aotinductor/<model>/` by model. AOTInductor names its files
 * `<hash>.wrapper.so`, `<hash>.wrapper_metadata.json`, `<hash>.wrapper_weights.blob`,
 * `<hash>.wrapper.json` and `<kernel>.cubin` (torch/_inductor/package/package.py); a model needs
 * exactly one `.so`, and at most one of each of the others, or which one to use would be a guess.
 */
export function findModelFiles(entries: readonly Pt2Entry[], top: string, path: string): Pt2ModelFiles[] {
  const prefix = `${top}/data/aotinductor/`;
  const byModel = new Map<string, Pt2Entry[]>();
  for (const entry of entries) {
    if (!entry.name.startsWith(prefix)) continue;
    const rest = entry.name.slice(prefix.length);
    const slash = rest.indexOf("/");
    if (slash < 0) continue; // a file directly in aotinductor/ belongs to no model
    const model = rest.slice(0, slash);
    byModel.set(model, [...(byModel.get(model) ?? []), entry]);
  }

  const models: Pt2ModelFiles[] = [];
  for (const [name, files] of byModel) {
    const directChildren = files.filter((f) => !f.name.slice(prefix.length + name.length + 1).includes("/"));
    const one = (suffix: string): Pt2Entry | null => {
      const matches = directChildren.filter((f) => f.name.endsWith(suffix));
      if (matches.length > 1) {
        throw new Pt2InvalidError(path, `model "${name}" has several ${suffix} files`, {
          entry: matches[1]!.name,
          expected: `at most one *${suffix} in ${prefix}${name}/`,
          received: matches.map((m) => m.name).join(", "),
        });
      }
      return matches[0] ?? null;
    };
    const wrapperSo = one(".wrapper.so");
    if (wrapperSo === null) {
      throw new Pt2InvalidError(path, `model "${name}" has no compiled library`, {
        expected: `a *.wrapper.so in ${prefix}${name}/`,
        received: files.map((f) => f.name).join(", "),
        hint: "the package was compiled for another platform, or is incomplete: re-export it for Linux",
      });
    }
    const cubins = files.filter((f) => f.name.endsWith(".cubin")).sort((a, b) => (a.name < b.name ? -1 : 1));
    checkUniqueBaseNames(cubins, name, path);
    models.push({
      name,
      wrapperSo,
      cubins,
      metadataJson: one("wrapper_metadata.json"),
      weightsBlob: one(".wrapper_weights.blob"),
      wrapperJson: one(".wrapper.json"),
      wrapperCpp: one(".wrapper.cpp"),
    });
  }
  return models;
}

/** Cubins are extracted flat into one `cubin_dir`, where the model looks them up by base name. */
function checkUniqueBaseNames(cubins: readonly Pt2Entry[], model: string, path: string): void {
  const seen = new Set<string>();
  for (const cubin of cubins) {
    const base = baseName(cubin.name);
    if (seen.has(base)) {
      throw new Pt2InvalidError(path, `model "${model}" has two cubins with the same file name`, {
        entry: cubin.name,
        expected: "unique cubin file names (they share one cubin_dir)",
        received: `a second "${base}"`,
      });
    }
    seen.add(base);
  }
}

export function baseName(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1);
}
