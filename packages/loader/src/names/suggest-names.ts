import { distance } from "fastest-levenshtein";

/**
 * Names close to an unknown one, nearest first: within a third of its length in edits, or sharing
 * a prefix, so "flux-fp9" suggests "flux-fp8" but "x" suggests nothing.
 */
export function suggestNames(unknown: string, known: Iterable<string>, limit = 3): string[] {
  const needle = unknown.toLowerCase();
  const scored: { name: string; score: number }[] = [];
  for (const name of new Set(known)) {
    const candidate = name.toLowerCase();
    const edits = distance(needle, candidate);
    const close = edits <= Math.max(2, Math.floor(needle.length / 3));
    const prefix = needle.length >= 3 && (candidate.startsWith(needle) || needle.startsWith(candidate));
    if (close || prefix) scored.push({ name, score: prefix ? Math.min(edits, 1) : edits });
  }
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return scored.slice(0, limit).map((s) => s.name);
}
