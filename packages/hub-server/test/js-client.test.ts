import { createHash, randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startTestHubServer, type TestHubServer } from "@aotihub/hub-server/testing";
import {
  commit,
  createRepo,
  downloadFile,
  fileDownloadInfo,
  listFiles,
  pathsInfo,
  uploadFiles,
} from "@huggingface/hub";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPython } from "../../../test/support/python.js";
import { ACCESS, createHubFixture, type HubFixture, LFS_THRESHOLD, TOKENS } from "./support/hub-fixture.js";
import { readJson } from "./support/read-json.js";

let fixture: HubFixture;
let server: TestHubServer;

beforeAll(async () => {
  fixture = await createHubFixture();
  server = await startTestHubServer({
    root: fixture.root,
    access: ACCESS,
    lfsThresholdBytes: LFS_THRESHOLD,
    treePageSize: 4,
  });
});
afterAll(() => server?.close());

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const hub = () => ({ hubUrl: server.url });

describe("@huggingface/hub 2.17 reads from the local Hub", () => {
  it("listFiles pages through the tree with the Link header", async () => {
    const paths: string[] = [];
    for await (const entry of listFiles({ ...hub(), repo: "acme/tiny", recursive: true })) {
      if (entry.type === "file") paths.push(entry.path);
    }
    expect(paths).toHaveLength(13);
    expect(paths).toContain("weights/model.safetensors");
  });

  it("listFiles on a kernel repo branch", async () => {
    const paths: string[] = [];
    const repo = { type: "kernel", name: "kernels-community/activation" } as const;
    for await (const entry of listFiles({ ...hub(), repo: repo as never, recursive: true, revision: "v1" })) {
      paths.push(entry.path);
    }
    expect(paths).toContain("build/torch-cpu/_ops.so");
  });

  it("pathsInfo returns LFS ids and leaves missing paths out", async () => {
    const info = await pathsInfo({
      ...hub(),
      repo: "acme/tiny",
      paths: ["weights/model.safetensors", "nope"],
      expand: true,
    });
    expect(info).toHaveLength(1);
    expect(info[0]!.lfs?.oid).toBe(fixture.sha256("models/acme/tiny/weights/model.safetensors"));
    expect(info[0]!.lastCommit?.id).toMatch(/^[0-9a-f]{40}$/);
  });

  it("fileDownloadInfo and downloadFile for small and LFS files, null for a missing one", async () => {
    const key = "models/acme/tiny/weights/model.safetensors";
    const info = await fileDownloadInfo({ ...hub(), repo: "acme/tiny", path: "weights/model.safetensors" });
    expect(info?.size).toBe(200_000);
    expect(info?.etag).toBe(`"${fixture.sha256(key)}"`);
    const blob = await downloadFile({ ...hub(), repo: "acme/tiny", path: "weights/model.safetensors" });
    expect(sha256(new Uint8Array(await blob!.arrayBuffer()))).toBe(fixture.sha256(key));
    const small = await downloadFile({ ...hub(), repo: "acme/tiny", path: "config.json", revision: "dev" });
    expect(await small!.text()).toContain("32");
    expect(await fileDownloadInfo({ ...hub(), repo: "acme/tiny", path: "nope.bin" })).toBeNull();
    const gated = await downloadFile({
      ...hub(),
      repo: "acme/gated",
      path: "config.json",
      accessToken: TOKENS.alice,
    });
    expect(await gated!.text()).toContain("gated");
  });
});

describe("@huggingface/hub 2.17 publishes to the local Hub", () => {
  it("createRepo + uploadFiles (default options: the server steers it off Xet) then Python downloads the new commit", async () => {
    await createRepo({ ...hub(), repo: "publisher/fresh", accessToken: TOKENS.writer });
    const weights = new Uint8Array(randomBytes(150_000));
    const manifest = new TextEncoder().encode('{ "format": 1 }\n');
    const output = await uploadFiles({
      ...hub(),
      repo: "publisher/fresh",
      accessToken: TOKENS.writer,
      files: [
        { path: "weights/model.safetensors", content: new Blob([weights]) },
        { path: "aotihub.json", content: new Blob([manifest]) },
      ],
    });
    const commitOid = output!.commit.oid;
    expect(commitOid).toMatch(/^[0-9a-f]{40}$/);
    const info = await readJson(await fetch(`${server.url}/api/models/publisher/fresh`));
    expect(info.sha).toBe(commitOid);
    // The LFS object went to the CDN origin, with no token (a signed URL is the grant).
    const upload = server.requests.find((r) => r.origin === "cdn" && r.method === "PUT");
    expect(upload?.status).toBe(200);
    expect(upload?.hadAuthorization).toBe(false);

    const home = await mkdtemp(join(tmpdir(), "aotihub-hf-home-"));
    const script = fileURLToPath(new URL("./python/download_at_commit.py", import.meta.url));
    const { stdout } = await runPython(
      [script, "publisher/fresh", commitOid, "weights/model.safetensors", "aotihub.json"],
      {
        env: {
          HF_ENDPOINT: server.url,
          HF_HOME: home,
          HF_HUB_CACHE: join(home, "hub"),
          HF_TOKEN: "",
        },
      },
    );
    expect(JSON.parse(stdout)).toEqual({
      "weights/model.safetensors": sha256(weights),
      "aotihub.json": sha256(manifest),
    });
  }, 60_000);

  it("commit with useXet: false, parentCommit, a delete, and a stale parent refused with 412", async () => {
    const repo = "acme/tiny";
    const before = (await readJson(await fetch(`${server.url}/api/models/${repo}`))).sha;
    const out = await commit({
      ...hub(),
      repo,
      accessToken: TOKENS.writer,
      title: "replace the readme, drop a file",
      useXet: false,
      parentCommit: before,
      operations: [
        { operation: "addOrUpdate", path: "README.md", content: new Blob(["# tiny v2\n"]) },
        { operation: "delete", path: "many/file-0.txt" },
      ],
    });
    expect(out!.commit.oid).not.toBe(before);
    expect(await (await fetch(`${server.url}/acme/tiny/resolve/${out!.commit.oid}/README.md`)).text()).toBe(
      "# tiny v2\n",
    );
    expect((await fetch(`${server.url}/acme/tiny/resolve/main/many/file-0.txt`)).status).toBe(404);
    await expect(
      commit({
        ...hub(),
        repo,
        accessToken: TOKENS.writer,
        title: "stale",
        parentCommit: before,
        operations: [{ operation: "addOrUpdate", path: "x.txt", content: new Blob(["x"]) }],
      }),
    ).rejects.toMatchObject({ statusCode: 412 });
  });

  it("refuses writes without a write token, and LFS uploads whose bytes do not match their sha256", async () => {
    await expect(
      uploadFiles({
        ...hub(),
        repo: "acme/tiny",
        accessToken: TOKENS.bob,
        files: [{ path: "a.txt", content: new Blob(["a"]) }],
      }),
    ).rejects.toMatchObject({ statusCode: 403 });
    const announced = new Uint8Array(randomBytes(1000));
    const batch = await fetch(`${server.url}/acme/tiny.git/info/lfs/objects/batch`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKENS.writer}`, "content-type": "application/vnd.git-lfs+json" },
      body: JSON.stringify({
        operation: "upload",
        transfers: ["basic"],
        objects: [{ oid: sha256(announced), size: 1000 }],
      }),
    });
    const href = (await readJson(batch)).objects[0].actions.upload.href;
    const wrong = await fetch(href, { method: "PUT", body: new Uint8Array(randomBytes(1000)) });
    expect(wrong.status).toBe(400);
    const bad = await fetch(`${server.url}/api/models/acme/tiny/commit/main`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKENS.writer}`, "content-type": "application/x-ndjson" },
      body: [
        { key: "header", value: { summary: "never uploaded" } },
        {
          key: "lfsFile",
          value: { path: "w.safetensors", algo: "sha256", oid: sha256(announced), size: 1000 },
        },
      ]
        .map((line) => JSON.stringify(line))
        .join("\n"),
    });
    expect(bad.status).toBe(422);
    const escaping = await fetch(`${server.url}/api/models/acme/tiny/commit/main`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKENS.writer}`, "content-type": "application/x-ndjson" },
      body: JSON.stringify({
        key: "file",
        value: { path: "../../evil.txt", content: "x", encoding: "utf-8" },
      }),
    });
    expect(escaping.status).toBe(400);
  });
});
