import { realpathSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startTestHubServer, type TestHubServer } from "@aotihub/hub-server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPython } from "../../../test/support/python.js";
import { ACCESS, createHubFixture, type HubFixture, LFS_THRESHOLD, TOKENS } from "./support/hub-fixture.js";

type Check = { ok?: unknown; error?: string; message?: string };
type Download = { path: string; real: string; sha256: string };

let fixture: HubFixture;
let server: TestHubServer;
let results: Record<string, Check>;
let cache: string;

// One Python process runs every check (importing huggingface_hub costs about a second).
beforeAll(async () => {
  fixture = await createHubFixture();
  // A small tree page so listing the repo takes several pages linked by `Link: rel="next"`.
  server = await startTestHubServer({
    root: fixture.root,
    access: ACCESS,
    lfsThresholdBytes: LFS_THRESHOLD,
    treePageSize: 3,
  });
  const home = await mkdtemp(join(tmpdir(), "aotihub-hf-home-"));
  cache = join(home, "hub");
  const script = fileURLToPath(new URL("./python/hub_client_checks.py", import.meta.url));
  const env: Record<string, string> = {
    HF_ENDPOINT: server.url,
    HF_HOME: home,
    HF_HUB_CACHE: cache,
    HF_TOKEN: "",
  };
  const { stdout } = await runPython([script, JSON.stringify({ alice: TOKENS.alice, bob: TOKENS.bob })], {
    env,
  });
  results = JSON.parse(stdout.trim().split("\n").at(-1)!);
}, 120_000);
afterAll(() => server?.close());

const ok = <T>(name: string): T => {
  const check = results[name];
  expect(check, name).toBeDefined();
  expect(check!.error, `${name}: ${check!.message}`).toBeUndefined();
  return check!.ok as T;
};
const errorOf = (name: string) => results[name]?.error;

describe("huggingface_hub 1.33 against the local Hub", () => {
  it("runs the pinned huggingface_hub", () => {
    expect(results.version).toBe("1.33.0");
  });

  it("hf_hub_download: small and LFS files land in the cache as blobs named by etag", async () => {
    const small = ok<Download>("small_main");
    expect(small.sha256).toBe(fixture.sha256("models/acme/tiny/config.json"));
    expect(small.real).toMatch(/models--acme--tiny\/blobs\/[0-9a-f]{40}$/);
    const lfs = ok<Download>("lfs_main");
    const lfsSha = fixture.sha256("models/acme/tiny/weights/model.safetensors");
    expect(lfs.sha256).toBe(lfsSha);
    expect(lfs.real.endsWith(`/blobs/${lfsSha}`)).toBe(true);
    expect(
      ok<Download>("lfs_by_size").real.endsWith(`/blobs/${fixture.sha256("models/acme/tiny/data/blob.dat")}`),
    ).toBe(true);
  });

  it("hf_hub_download by branch, tag and commit gets each revision's tree", () => {
    expect(ok<Download>("branch_dev").sha256).toBe(
      fixture.sha256("models/acme/tiny/branches/dev/config.json"),
    );
    expect(ok<Download>("tag_v1").sha256).toBe(fixture.sha256("models/acme/tiny/tags/v1.0/config.json"));
    expect(ok<Download>("commit_of_dev").sha256).toBe(
      fixture.sha256("models/acme/tiny/branches/dev/config.json"),
    );
  });

  it("kernel repos: hf_hub_download and snapshot_download with repo_type='kernel' and a vN branch", () => {
    const v1 = ok<Download>("kernel_v1");
    expect(v1.path).toContain("kernels--kernels-community--activation/snapshots/");
    expect(v1.sha256).toBe(
      fixture.sha256("kernels/kernels-community/activation/v1/build/torch-cpu/__init__.py"),
    );
    expect(ok<Download>("kernel_main_so").sha256).toBe(
      fixture.sha256("kernels/kernels-community/activation/v2/build/torch-cpu/_ops.so"),
    );
    expect(ok<string[]>("kernel_snapshot_v1")).toEqual(["__init__.py", "_ops.so"]);
    expect(ok<string>("kernel_info")).toMatch(/^[0-9a-f]{40}$/);
  });

  it("snapshot_download fetches the main tree, without other refs' folders", () => {
    const files = ok<string[]>("snapshot");
    expect(files).toContain("weights/model.safetensors");
    expect(files).toContain("many/file-6.txt");
    expect(files).toContain("data/empty.txt");
    expect(files.some((f) => f.startsWith("branches/") || f.startsWith("tags/"))).toBe(false);
    expect(ok<string>("snapshot_path")).toContain(`/snapshots/${ok<{ sha: string }>("model_info").sha}`);
  });

  it("list_repo_tree follows the Link pagination through every page", () => {
    const tree = ok<{ path: string; type: string; lfs: string | null }[]>("tree");
    const files = tree.filter((e) => e.type === "RepoFile").map((e) => e.path);
    expect(files).toHaveLength(13);
    expect(new Set(tree.map((e) => e.path)).size).toBe(tree.length);
    expect(tree.find((e) => e.path === "weights/model.safetensors")!.lfs).toBe(
      fixture.sha256("models/acme/tiny/weights/model.safetensors"),
    );
    expect(tree.filter((e) => e.type === "RepoFolder").map((e) => e.path)).toEqual(
      expect.arrayContaining(["aoti", "aoti/cpu", "data", "many", "weights"]),
    );
    expect(ok<string[]>("tree_folder")).toEqual(Array.from({ length: 7 }, (_, i) => `many/file-${i}.txt`));
    // 3 entries a page: the listing took several requests.
    expect(
      server.requests.filter((r) => r.url.includes("/tree/") && r.url.includes("cursor=")).length,
    ).toBeGreaterThan(3);
  });

  it("get_paths_info, model_info and list_repo_refs", () => {
    expect(ok("paths_info")).toEqual([
      { path: "config.json", type: "RepoFile", size: 17 },
      { path: "weights/model.safetensors", type: "RepoFile", size: 200_000 },
      { path: "many", type: "RepoFolder", size: null },
    ]);
    const info = ok<{ sha: string; siblings: string[]; lfs: Record<string, string> }>("model_info");
    expect(info.siblings).toHaveLength(13);
    expect(info.lfs["aoti/cpu/b2.pt2"]).toBe(fixture.sha256("models/acme/tiny/aoti/cpu/b2.pt2"));
    expect(ok("refs")).toEqual({ branches: ["dev", "main"], tags: ["v1.0"] });
  });

  it("private and gated repos raise the right exceptions, and open to a granted token", () => {
    expect(errorOf("private_anonymous")).toBe("RepositoryNotFoundError");
    expect(errorOf("private_other_user")).toBe("RepositoryNotFoundError");
    expect(ok<Download>("private_reader").sha256).toBe(fixture.sha256("models/acme/secret/config.json"));
    expect(errorOf("gated_anonymous")).toBe("GatedRepoError");
    expect(errorOf("gated_other_user")).toBe("GatedRepoError");
    expect(ok<Download>("gated_reader").sha256).toBe(fixture.sha256("models/acme/gated/weights.safetensors"));
  });

  it("missing entry, revision and repo raise EntryNotFound, RevisionNotFound and RepositoryNotFound", () => {
    expect(errorOf("missing_entry")).toBe("RemoteEntryNotFoundError");
    expect(errorOf("missing_revision")).toBe("RevisionNotFoundError");
    expect(errorOf("missing_repo")).toBe("RepositoryNotFoundError");
    expect(errorOf("missing_revision_info")).toBe("RevisionNotFoundError");
  });

  it("the cache is clean: offline reads work and scan_cache_dir() reports no warnings", () => {
    expect(ok<Download>("offline_after").sha256).toBe(
      fixture.sha256("models/acme/tiny/weights/model.safetensors"),
    );
    const scan = ok<{ warnings: string[]; repos: string[]; roots: string[] }>("scan");
    expect(scan.warnings).toEqual([]);
    expect(scan.repos).toEqual(
      expect.arrayContaining([
        "model:acme/tiny",
        "model:acme/secret",
        "model:acme/gated",
        "kernel:kernels-community/activation",
      ]),
    );
    // What was scanned is this test's own cache (HF_HUB_CACHE), never the user's real one.
    expect(scan.roots).toEqual([realpathSync(cache)]);
  });
});
