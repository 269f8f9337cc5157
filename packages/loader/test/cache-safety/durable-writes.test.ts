import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import {
  startTestHubServer,
  syntheticBytes,
  syntheticContent,
  type TestHubServer,
} from "@aotihub/hub-server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mainCommit, sha256Of, writeServedRepo } from "../support/served-repo.js";

// What survives a power loss depends on the order of fsync and rename, which only the kernel sees:
// a download child runs under strace and the test reads the order of its syscalls.
const exec = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, "../../../..");
const PATH = "weights/model.safetensors";

function straceWorks(): string | undefined {
  try {
    execFileSync("strace", ["-f", "-e", "trace=fsync", "-o", "/dev/null", "true"], { stdio: "ignore" });
    return undefined;
  } catch (error) {
    return `strace is missing or may not trace here (${(error as Error).message.split("\n")[0]})`;
  }
}
const whyNot = straceWorks();
if (whyNot !== undefined) console.warn(`skipped durable-writes: ${whyNot}`);

interface Call {
  name: string;
  /** The path of an fd argument (strace -y), or the path arguments. */
  paths: string[];
}

function parseTrace(text: string): Call[] {
  const calls: Call[] = [];
  for (const line of text.split("\n")) {
    const m = /^\d+\s+(?:<\.\.\. )?(\w+)\((.*)$/.exec(line);
    if (!m || line.includes(" resumed>")) continue;
    const paths = [...m[2]!.matchAll(/<([^<>]+)>|"([^"]+)"/g)].map((p) => p[1] ?? p[2]!);
    calls.push({ name: m[1]!, paths });
  }
  return calls;
}

const BYTES = syntheticBytes(syntheticContent(3 * (1 << 20) + 7, 11));
let hub: TestHubServer;
let root: string | undefined;
let COMMIT = "";
let cacheDir: string;
let calls: Call[];

beforeAll(async () => {
  if (whyNot !== undefined) return;
  root = await writeServedRepo({ [PATH]: BYTES });
  hub = await startTestHubServer({ root });
  COMMIT = await mainCommit(hub.url);
  cacheDir = mkdtempSync(join(tmpdir(), "aotihub-durable-"));
  const trace = join(cacheDir, "trace.txt");
  await exec(
    "strace",
    [
      "-f",
      "-y",
      "-e",
      "trace=fsync,fdatasync,rename,renameat,renameat2,symlink,symlinkat",
      "-o",
      trace,
      process.execPath,
      "--import",
      "tsx",
      resolve(import.meta.dirname, "../support/download-child.ts"),
      hub.url,
      join(cacheDir, "hub"),
      PATH,
    ],
    { cwd: repoRoot },
  );
  calls = parseTrace(readFileSync(trace, "utf8"));
}, 120_000);
afterAll(async () => {
  await hub?.close();
  if (root) rmSync(root, { recursive: true, force: true });
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
});

const isSync = (c: Call) => c.name === "fsync" || c.name === "fdatasync";
const isRename = (c: Call) => c.name.startsWith("rename");
/** Index of the first call matching, at or after `from`. */
const find = (pred: (c: Call) => boolean, from = 0) => calls.findIndex((c, i) => i >= from && pred(c));
const lastBefore = (pred: (c: Call) => boolean, before: number) =>
  calls.findLastIndex((c, i) => i < before && pred(c));

describe.skipIf(whyNot !== undefined)("durable cache writes (syscall order under strace)", () => {
  it("fsyncs a blob's bytes before its rename, and the blobs folder after it", () => {
    const etag = sha256Of(BYTES);
    const rename = find((c) => isRename(c) && c.paths.some((p) => p.endsWith(`/blobs/${etag}`)));
    expect(rename).toBeGreaterThan(0);
    const partial = calls[rename]!.paths[0]!;
    expect(partial).toMatch(/\.aotihub\.incomplete$/);
    expect(lastBefore((c) => isSync(c) && c.paths[0] === partial, rename)).toBeGreaterThanOrEqual(0);
    expect(find((c) => isSync(c) && c.paths[0]!.endsWith("/blobs"), rename)).toBeGreaterThan(rename);
  });

  it("writes the chunk journal only after the chunk's bytes are synced, and syncs the journal too", () => {
    const journal = find((c) => isRename(c) && c.paths.some((p) => p.endsWith(".aotihub.incomplete.json")));
    expect(journal).toBeGreaterThan(0);
    const tmp = calls[journal]!.paths[0]!;
    expect(lastBefore((c) => isSync(c) && c.paths[0] === tmp, journal)).toBeGreaterThanOrEqual(0);
    const partial = tmp.replace(/\.json\.[0-9a-f]+\.tmp$/, "");
    expect(lastBefore((c) => isSync(c) && c.paths[0] === partial, journal)).toBeGreaterThanOrEqual(0);
  });

  it("syncs the snapshot folder after the link and the ref before and after its rename", () => {
    const link = find(
      (c) => c.name.startsWith("symlink") && c.paths.some((p) => p.endsWith(`/${COMMIT}/${PATH}`)),
    );
    expect(link).toBeGreaterThan(0);
    expect(find((c) => isSync(c) && c.paths[0]!.endsWith(`/${COMMIT}/weights`), link)).toBeGreaterThan(link);
    const ref = find((c) => isRename(c) && c.paths.some((p) => p.endsWith("/refs/main")));
    expect(ref).toBeGreaterThan(link);
    const tmp = calls[ref]!.paths[0]!;
    expect(lastBefore((c) => isSync(c) && c.paths[0] === tmp, ref)).toBeGreaterThanOrEqual(0);
    expect(find((c) => isSync(c) && c.paths[0]!.endsWith("/refs"), ref)).toBeGreaterThan(ref);
  });
});
