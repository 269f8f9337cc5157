import type { Artifact } from "../manifest/manifest-schema.js";

export interface RankedCandidate {
  artifact: Artifact;
  ok: boolean;
  reasons: string[];
  rank: number[];
}

/**
 * Total order over one bucket's candidates: compatible before rejected, then by rank (lower is
 * better), then the lexicographically smallest path. Paths are unique in a manifest, so the order
 * never depends on the order artifacts were listed in.
 */
export function compareCandidates(a: RankedCandidate, b: RankedCandidate): number {
  if (a.ok !== b.ok) return a.ok ? -1 : 1;
  if (a.ok) {
    for (let i = 0; i < Math.max(a.rank.length, b.rank.length); i++) {
      const diff = (a.rank[i] ?? 0) - (b.rank[i] ?? 0);
      if (diff !== 0) return diff;
    }
  }
  return a.artifact.path < b.artifact.path ? -1 : a.artifact.path > b.artifact.path ? 1 : 0;
}
