import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { readLockfile } from "../../src/lockfile/read-write-lockfile.js";
import { loadProjectConfig } from "../../src/project-config/load-project-config.js";

describe("loadProjectConfig", () => {
  const root = mkdtempSync(path.join(tmpdir(), "aotihub-config-"));
  const nested = path.join(root, "a", "b");
  mkdirSync(nested, { recursive: true });

  it("uses defaults when no file exists", () => {
    const empty = mkdtempSync(path.join(tmpdir(), "aotihub-noconfig-"));
    // Nothing above the temp folder may hold a config, or the search would rightly find it.
    const ancestors: string[] = [];
    for (let dir = empty; ; dir = path.dirname(dir)) {
      ancestors.push(path.join(dir, "aotihub.config.json"));
      if (path.dirname(dir) === dir) break;
    }
    expect(ancestors.filter((f) => existsSync(f))).toEqual([]);
    vi.stubEnv("AOTIHUB_CONFIG", "");
    try {
      const loaded = loadProjectConfig({ cwd: empty });
      expect(loaded.file).toBeNull();
      expect(loaded.dir).toBe(empty);
      expect(loaded.config).toEqual({
        aliases: {},
        trustedRepos: [],
        lockfile: "aotihub.lock",
        defaults: {},
      });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("finds the nearest aotihub.config.json upwards", () => {
    writeFileSync(path.join(root, "aotihub.config.json"), JSON.stringify({ trustedRepos: ["acme/*"] }));
    const loaded = loadProjectConfig({ cwd: nested });
    expect(loaded.file).toBe(path.join(root, "aotihub.config.json"));
    expect(loaded.config.trustedRepos).toEqual(["acme/*"]);
    expect(loaded.config.lockfile).toBe("aotihub.lock");
  });

  it("lists every bad field with its path", () => {
    const bad = path.join(root, "bad.json");
    writeFileSync(
      bad,
      JSON.stringify({ aliases: { x: { repo: "no-slash" } }, trustedRepos: "acme/*", extra: 1 }),
    );
    expect(() => loadProjectConfig({ configPath: bad })).toThrowError(
      expect.objectContaining({
        code: "AOTIHUB_CONFIG_INVALID",
        message: expect.stringMatching(/\$\.aliases\.x\.repo[\s\S]*\$\.trustedRepos/),
      }),
    );
  });

  it("stops at the repository root: a config above a .git folder is not this project's", () => {
    const outer = mkdtempSync(path.join(tmpdir(), "aotihub-config-outer-"));
    writeFileSync(path.join(outer, "aotihub.config.json"), JSON.stringify({ trustedRepos: ["*/*"] }));
    const repo = path.join(outer, "checkout");
    mkdirSync(path.join(repo, ".git"), { recursive: true });
    mkdirSync(path.join(repo, "src"));
    const loaded = loadProjectConfig({ cwd: path.join(repo, "src") });
    expect(loaded.file).toBeNull();
    expect(loaded.config.trustedRepos).toEqual([]);
  });

  it("refuses a config or lockfile that group or others can write", () => {
    const shared = mkdtempSync(path.join(tmpdir(), "aotihub-config-shared-"));
    const config = path.join(shared, "aotihub.config.json");
    writeFileSync(config, JSON.stringify({ trustedRepos: ["*/*"] }));
    chmodSync(config, 0o666);
    expect(() => loadProjectConfig({ cwd: shared })).toThrowError(
      expect.objectContaining({
        code: "AOTIHUB_UNSAFE_PROJECT_FILE",
        message: expect.stringContaining(config),
      }),
    );
    const lock = path.join(shared, "aotihub.lock");
    writeFileSync(lock, JSON.stringify({ format: "aotihub-lock/1", models: {} }));
    chmodSync(lock, 0o664);
    expect(() => readLockfile(lock)).toThrowError(
      expect.objectContaining({ code: "AOTIHUB_UNSAFE_PROJECT_FILE" }),
    );
    chmodSync(lock, 0o644);
    expect(readLockfile(lock)).toEqual({ format: "aotihub-lock/1", models: {} });
  });

  it("refuses a config owned by another user", (context) => {
    if (process.getuid?.() !== 0) {
      console.log("skipped: giving a file to another user needs root");
      context.skip();
    }
    const shared = mkdtempSync(path.join(tmpdir(), "aotihub-config-other-"));
    const config = path.join(shared, "aotihub.config.json");
    writeFileSync(config, JSON.stringify({ trustedRepos: ["*/*"] }));
    chownSync(config, 65534, 65534);
    expect(() => loadProjectConfig({ cwd: shared })).toThrowError(
      expect.objectContaining({
        code: "AOTIHUB_UNSAFE_PROJECT_FILE",
        message: expect.stringContaining("uid 65534"),
      }),
    );
  });
});
