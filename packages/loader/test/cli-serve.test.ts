// `aotihub serve` as users run it: the compiled CLI serves a folder through @aotihub/hub-server
// until SIGTERM, and says where.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";

const cli = resolve(import.meta.dirname, "../dist/cli/main.js");

it("aotihub serve answers Hub API calls for the folder, then stops cleanly on SIGTERM", async () => {
  const root = await mkdtemp(join(tmpdir(), "aotihub-cli-serve-"));
  await mkdir(join(root, "models/acme/tiny"), { recursive: true });
  await writeFile(join(root, "models/acme/tiny/config.json"), '{ "hidden": 16 }\n');

  const child = spawn(
    process.execPath,
    [cli, "serve", root, "--port", "0", "--allowed-host", "hub.internal"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  const endpoint = await new Promise<string>((found, failed) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /HF_ENDPOINT=(\S+)/.exec(stdout);
      if (match) found(match[1]!);
    });
    void exited.then((code) => failed(new Error(`serve exited ${code} before listening: ${stderr}`)));
  });
  try {
    const info = await fetch(`${endpoint}/api/models/acme/tiny`).then((r) => r.json());
    expect(info).toMatchObject({ id: "acme/tiny", siblings: [{ rfilename: "config.json" }] });
    const config = await fetch(`${endpoint}/acme/tiny/resolve/main/config.json`);
    expect(config.status).toBe(200);
    expect(await config.text()).toBe('{ "hidden": 16 }\n');
    // DNS rebinding: a foreign Host name is refused, a name given to --allowed-host is served
    expect(await statusUnderHost(endpoint, "attacker.example")).toBe(403);
    expect(await statusUnderHost(endpoint, "hub.internal")).toBe(200);
  } finally {
    child.kill("SIGTERM");
  }
  expect(await exited).toBe(0);
  expect(stdout).toContain("aotihub: stopped");
});

function statusUnderHost(endpoint: string, host: string): Promise<number> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    request(
      { host: url.hostname, port: url.port, path: "/api/models/acme/tiny", headers: { host } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    )
      .on("error", reject)
      .end();
  });
}
