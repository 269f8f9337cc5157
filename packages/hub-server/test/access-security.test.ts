// The local Hub's access rules against a hostile client on loopback: LFS objects do not cross repos,
// the batch API does not reveal what other repos store, writes need the namespace, and a request
// under a foreign Host name (DNS rebinding) is refused.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AccessConfig, type HubServer, startHubServer } from "@aotihub/hub-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJson } from "./support/read-json.js";

const TOKENS = {
  owner: "hf_owner_of_acme",
  mallory: "hf_mallory_writes_her_own",
  member: "hf_member_of_labs",
  reader: "hf_reader_of_public",
} as const;
const ACCESS: AccessConfig = {
  tokens: {
    [TOKENS.owner]: { user: "acme", write: true },
    [TOKENS.mallory]: { user: "mallory", write: true },
    [TOKENS.member]: { user: "carol", write: true },
    [TOKENS.reader]: { user: "dave" },
  },
  orgs: { labs: { members: ["carol"] } },
  repos: { "models/acme/secret": { private: true }, "models/labs/private": { private: true } },
};
const SECRET = randomBytes(4096);
const SECRET_OID = createHash("sha256").update(SECRET).digest("hex");
let root: string;
let server: HubServer;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "aotihub-access-"));
  await mkdir(join(root, "models/acme/secret"), { recursive: true });
  await writeFile(join(root, "models/acme/secret/weights.safetensors"), SECRET);
  await mkdir(join(root, "models/acme/public"), { recursive: true });
  await writeFile(join(root, "models/acme/public/config.json"), "{}\n");
  await mkdir(join(root, "models/mallory/loot"), { recursive: true });
  await writeFile(join(root, "models/mallory/loot/README.md"), "# mine\n");
  await mkdir(join(root, "models/labs/shared"), { recursive: true });
  await writeFile(join(root, "models/labs/shared/README.md"), "# labs\n");
  await mkdir(join(root, "models/labs/private"), { recursive: true });
  await writeFile(join(root, "models/labs/private/README.md"), "# labs only\n");
  server = await startHubServer({ root, access: ACCESS, allowedHosts: ["hub.internal"] });
  // Reading the private repo once makes the server know its object, as any earlier download would.
  const owner = { authorization: `Bearer ${TOKENS.owner}` };
  expect((await fetch(`${server.url}/api/models/acme/secret`, { headers: owner })).status).toBe(200);
});
afterAll(() => server?.close());

const json = (token: string, contentType = "application/json") => ({
  authorization: `Bearer ${token}`,
  "content-type": contentType,
});

function batch(repoPath: string, token: string, operation: "upload" | "download", oid: string, size: number) {
  return fetch(`${server.url}/${repoPath}.git/info/lfs/objects/batch`, {
    method: "POST",
    headers: json(token, "application/vnd.git-lfs+json"),
    body: JSON.stringify({ operation, transfers: ["basic"], objects: [{ oid, size }] }),
  }).then(readJson);
}

function commitPointer(repoPath: string, token: string, path: string, oid: string, size: number) {
  return fetch(`${server.url}/api/models/${repoPath}/commit/main`, {
    method: "POST",
    headers: json(token, "application/x-ndjson"),
    body: [
      { key: "header", value: { summary: "a pointer to someone else's object" } },
      { key: "lfsFile", value: { path, algo: "sha256", oid, size } },
    ]
      .map((line) => JSON.stringify(line))
      .join("\n"),
  });
}

describe("LFS objects belong to the repo they were uploaded or committed to", () => {
  it("a write token cannot commit a pointer to another repo's object and then read it", async () => {
    const committed = await commitPointer(
      "mallory/loot",
      TOKENS.mallory,
      "stolen.safetensors",
      SECRET_OID,
      4096,
    );
    expect(committed.status).toBe(422);
    const read = await fetch(`${server.url}/mallory/loot/resolve/main/stolen.safetensors`, {
      headers: { authorization: `Bearer ${TOKENS.mallory}` },
    });
    expect(read.status).toBe(404);
  });

  it("nor one that someone else uploaded for another repo", async () => {
    const bytes = randomBytes(2048);
    const oid = createHash("sha256").update(bytes).digest("hex");
    const offer = await batch("labs/shared", TOKENS.member, "upload", oid, 2048);
    const put = await fetch(offer.objects[0].actions.upload.href, { method: "PUT", body: bytes });
    expect(put.status).toBe(200);
    expect((await commitPointer("mallory/loot", TOKENS.mallory, "copied.bin", oid, 2048)).status).toBe(422);
    // the uploader's own repo takes it
    expect((await commitPointer("labs/shared", TOKENS.member, "weights.bin", oid, 2048)).status).toBe(200);
  });

  it("the batch API answers as if the object were unknown when only another repo holds it", async () => {
    const upload = await batch("mallory/loot", TOKENS.mallory, "upload", SECRET_OID, 4096);
    // "already stored" would have been { oid, size } with no actions
    expect(upload.objects[0].actions?.upload?.href).toMatch(/\/upload\//);
    const download = await batch("acme/public", TOKENS.reader, "download", SECRET_OID, 4096);
    expect(download.objects[0].error?.code).toBe(404);
    expect(download.objects[0].actions).toBeUndefined();
    // the owner of the repo that holds it gets it
    const own = await batch("acme/secret", TOKENS.owner, "download", SECRET_OID, 4096);
    const body = Buffer.from(await (await fetch(own.objects[0].actions.download.href)).arrayBuffer());
    expect(body.equals(SECRET)).toBe(true);
  });
});

describe("writing needs the namespace: the user's own, or an organisation they are a member of", () => {
  const create = (token: string, organization: string, name: string) =>
    fetch(`${server.url}/api/repos/create`, {
      method: "POST",
      headers: json(token),
      body: JSON.stringify({ name, organization, type: "model" }),
    });

  it("creating a repo under an organisation needs membership", async () => {
    expect((await create(TOKENS.mallory, "acme", "planted")).status).toBe(403);
    expect((await create(TOKENS.mallory, "labs", "planted")).status).toBe(403);
    expect((await create(TOKENS.member, "labs", "fresh")).status).toBe(200);
    expect((await create(TOKENS.mallory, "mallory", "fresh")).status).toBe(200);
  });

  it("committing to a repo of an organisation needs membership", async () => {
    const write = (repo: string, token: string) =>
      fetch(`${server.url}/api/models/${repo}/commit/main`, {
        method: "POST",
        headers: json(token, "application/x-ndjson"),
        body: [
          { key: "header", value: { summary: "edit" } },
          { key: "file", value: { path: "NOTE.md", content: "hello", encoding: "utf-8" } },
        ]
          .map((line) => JSON.stringify(line))
          .join("\n"),
      });
    expect((await write("acme/public", TOKENS.mallory)).status).toBe(403);
    expect((await write("labs/shared", TOKENS.mallory)).status).toBe(403);
    expect((await write("labs/shared", TOKENS.member)).status).toBe(200);
    expect((await write("acme/public", TOKENS.owner)).status).toBe(200);
  });

  it("members see their organisation's private repos; others do not learn they exist", async () => {
    const info = (token: string) =>
      fetch(`${server.url}/api/models/labs/private`, { headers: { authorization: `Bearer ${token}` } });
    expect((await info(TOKENS.member)).status).toBe(200);
    const outsider = await info(TOKENS.mallory);
    expect(outsider.status).toBe(404);
    expect(outsider.headers.get("x-error-code")).toBe("RepoNotFound");
  });
});

describe("Host header (DNS rebinding)", () => {
  const withHost = (host: string, path = "/api/models/acme/public") =>
    new Promise<number>((resolve, reject) => {
      const url = new URL(server.url);
      request({ host: url.hostname, port: url.port, path, headers: { host } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on("error", reject)
        .end();
    });

  it("refuses a name that is neither loopback, the bound address nor configured", async () => {
    const port = new URL(server.url).port;
    expect(await withHost(`attacker.example:${port}`)).toBe(403);
    expect(await withHost("attacker.example")).toBe(403);
    expect(await withHost(`localhost.attacker.example:${port}`)).toBe(403);
  });

  it("serves the loopback names, IP literals and configured names", async () => {
    const port = new URL(server.url).port;
    expect(await withHost(`127.0.0.1:${port}`)).toBe(200);
    expect(await withHost(`localhost:${port}`)).toBe(200);
    expect(await withHost(`[::1]:${port}`)).toBe(200);
    expect(await withHost(`HUB.internal:${port}`)).toBe(200);
  });
});
