import { describe, expect, it } from "vitest";
import { resolveModelName } from "../../src/names/resolve-model-name.js";
import { suggestNames } from "../../src/names/suggest-names.js";
import { projectConfigSchema } from "../../src/project-config/project-config-schema.js";

const config = projectConfigSchema.parse({
  aliases: { "tiny-dit": { repo: "acme/tiny-dit", profile: ["fp8", "bf16"] } },
  defaults: { profile: "bf16" },
});
const index = { "flux-fp8": { repo: "bfl/flux-aoti", profile: "fp8", revision: "v2" } };

describe("resolveModelName", () => {
  it("takes an explicit repo ref as it is, with the config's default profile", async () => {
    const seen: unknown[] = [];
    const resolved = await resolveModelName("acme/other@v3", {
      config,
      loadIndex: async (where) => {
        seen.push(where);
        return index;
      },
    });
    expect(resolved).toEqual({
      ref: "acme/other@v3",
      repo: "acme/other",
      profiles: ["bf16"],
      revision: "v3",
      source: "ref",
    });
    expect(seen).toEqual([]);
  });

  it("prefers the project config's alias over the index", async () => {
    const resolved = await resolveModelName("tiny-dit", {
      config,
      loadIndex: async () => ({ "tiny-dit": { repo: "elsewhere/tiny-dit" } }),
    });
    expect(resolved).toMatchObject({
      repo: "acme/tiny-dit",
      profiles: ["fp8", "bf16"],
      source: "config",
      revision: "main",
    });
  });

  it("falls back to the alias index at its default location", async () => {
    const seen: unknown[] = [];
    const resolved = await resolveModelName("flux-fp8", {
      config,
      loadIndex: async (where) => {
        seen.push(where);
        return index;
      },
    });
    expect(resolved).toMatchObject({
      repo: "bfl/flux-aoti",
      profiles: ["fp8"],
      revision: "v2",
      source: "index",
    });
    expect(seen).toEqual([{ repo: "aotihub/index", path: "aotihub-index.json", revision: "main" }]);
  });

  it("suggests the close name for an unknown one", async () => {
    await expect(
      resolveModelName("flux-fp9", { config, loadIndex: async () => index }),
    ).rejects.toMatchObject({
      code: "AOTIHUB_UNKNOWN_MODEL",
      message: expect.stringContaining('did you mean "flux-fp8"?'),
    });
  });

  it("does not consult the index when the config turns it off", async () => {
    const noIndex = projectConfigSchema.parse({ index: null });
    let called = false;
    await expect(
      resolveModelName("flux-fp8", {
        config: noIndex,
        loadIndex: async () => {
          called = true;
          return index;
        },
      }),
    ).rejects.toMatchObject({ code: "AOTIHUB_UNKNOWN_MODEL" });
    expect(called).toBe(false);
  });
});

describe("suggestNames", () => {
  it("ranks by edit distance and prefix and ignores far names", () => {
    expect(suggestNames("tiny-dt", ["tiny-dit", "tiny-dit-fp8", "flux"])).toEqual(["tiny-dit"]);
    expect(suggestNames("tiny", ["tiny-dit-fp8", "tiny-dit", "flux"])).toEqual(["tiny-dit", "tiny-dit-fp8"]);
    expect(suggestNames("zzzzzz", ["tiny-dit", "flux"])).toEqual([]);
  });
});
