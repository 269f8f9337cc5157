import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { cpus } from "node:os";
import { join, relative } from "node:path";

/** Every file under `dir` whose name passes `keep`, sorted, as absolute paths. */
export async function listFiles(dir: string, keep: (name: string) => boolean): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && keep(e.name) && !join(e.parentPath, e.name).includes("__pycache__"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** sha256 over the files (path relative to `base` + bytes) and extra facts, in a stable order. */
export async function contentHash(base: string, files: string[], facts: string[]): Promise<string> {
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(`file ${relative(base, file)}\n`);
    hash.update(await readFile(file));
    hash.update("\n");
  }
  for (const fact of facts) hash.update(`fact ${fact}\n`);
  return hash.digest("hex");
}

/**
 * What decides the code AOTI generates for this CPU: the platform and the CPU's feature flags
 * (AOTI picks the vector ISA from them and writes it into AOTI_CPU_ISA).
 */
export async function cpuFingerprint(): Promise<string> {
  const cpuinfo = await readFile("/proc/cpuinfo", "utf8").catch(() => "");
  const flags = /^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? "unknown";
  return `${process.platform}-${process.arch} ${flags}`;
}
