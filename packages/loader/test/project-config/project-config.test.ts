import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadProjectConfig } from "../../src/project-config/load-project-config.js";

describe("loadProjectConfig", () => {
  const root = mkdtempSync(path.join(tmpdir(), "aotihub-config-"));
  const nested = path.join(root, "a", "b");
  mkdirSync(nested, { recursive: true });

  it("uses defaults when no file exists", () => {
    const empty = mkdtempSync(path.join(tmpdir(), "aotihub-noconfig-"));
    const loaded = loadProjectConfig({ cwd: empty, configPath: undefined });
    expect(loaded.file === null || !loaded.file.startsWith(empty)).toBe(true);
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
});
