import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readWeightSet } from "../../lib/formats/safetensors/index.js";
import { rejection, runPythonJson, SAFETENSORS_FIXTURES, withTempDir } from "./support/fixtures.js";
import { buildSafetensors } from "./support/safetensors-builder.js";

// huggingface_hub's own sharded writer (the one transformers uses), so the index is the real format.
const SAVE_SHARDED = `
import json, sys, torch
from huggingface_hub import save_torch_state_dict
g = torch.Generator().manual_seed(0)
sd = {f"layers.{i}.weight": torch.randn(16, 16, generator=g) for i in range(6)}
sd["head.bias"] = torch.randn(16, generator=g).bfloat16()
save_torch_state_dict(sd, sys.argv[1], max_shard_size="2KB")
print(json.dumps({k: list(v.shape) for k, v in sd.items()}))
`;

// Written once for the file: Python with torch takes seconds to start.
let shardedDir: string;
let shardedShapes: Record<string, number[]>;
beforeAll(async () => {
  shardedDir = await mkdtemp(join(tmpdir(), "aotihub-sharded-"));
  shardedShapes = await runPythonJson<Record<string, number[]>>(SAVE_SHARDED, [shardedDir]);
});
afterAll(async () => {
  await rm(shardedDir, { recursive: true, force: true });
});

/** A private copy of the sharded set, for a test that may damage it. */
async function withShardedSet<T>(
  body: (dir: string, shapes: Record<string, number[]>) => Promise<T>,
): Promise<T> {
  return withTempDir(async (dir) => {
    await cp(shardedDir, dir, { recursive: true });
    return body(dir, shardedShapes);
  });
}

const tensor = (name: string) => ({ name, dtype: "F32", shape: [2], data: Buffer.alloc(8) });

describe("readWeightSet", () => {
  it("reads a sharded set through its index, as written by huggingface_hub", async () => {
    await withShardedSet(async (dir, shapes) => {
      const index = JSON.parse(await readFile(join(dir, "model.safetensors.index.json"), "utf8"));
      const set = await readWeightSet([join(dir, "model.safetensors.index.json")]);
      expect(set.files.length).toBeGreaterThan(1);
      expect(set.files.length).toBe(new Set(Object.values(index.weight_map)).size);
      expect(Object.fromEntries([...set.tensors].map(([name, t]) => [name, t.info.shape]))).toEqual(shapes);
      for (const [name, { file }] of set.tensors) expect(file.path).toBe(join(dir, index.weight_map[name]));
      expect(set.tensors.get("head.bias")!.info.dtype).toBe("bfloat16");
      expect(set.metadata.total_size).toBe(index.metadata.total_size);
    });
  });

  it("reads plain files, once each", async () => {
    const set = await readWeightSet([SAFETENSORS_FIXTURES[0]!, SAFETENSORS_FIXTURES[0]!]);
    expect(set.files).toHaveLength(1);
    expect([...set.tensors.keys()].sort()).toEqual(["a.bias", "a.weight", "b.bias", "b.weight"]);
  });

  it("refuses a tensor name found in two files", async () => {
    const error = await rejection(
      readWeightSet(SAFETENSORS_FIXTURES.filter((p) => p.endsWith("/tiny.safetensors"))),
    );
    expect(error.code).toBe("AOTIHUB_SAFETENSORS_INVALID");
    expect(error.message).toMatch(/\(tensor "[ab]\.(weight|bias)"\): a tensor name appears in two files/);
  });

  it("refuses duplicates across shards of one index", async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, "s1.safetensors"), buildSafetensors([tensor("x"), tensor("y")]));
      await writeFile(join(dir, "s2.safetensors"), buildSafetensors([tensor("y")]));
      await writeFile(
        join(dir, "index.json"),
        JSON.stringify({ weight_map: { x: "s1.safetensors", y: "s2.safetensors" } }),
      );
      const error = await rejection(readWeightSet([join(dir, "index.json")]));
      expect(error.code).toBe("AOTIHUB_SAFETENSORS_INVALID");
      expect(error.message).toMatch(/tensor "y"/);
    });
  });

  it.each([
    ["a missing shard", { x: "gone.safetensors" }, /names a shard that is not there/],
    [
      "a traversal shard name",
      { x: "../outside.safetensors" },
      /not a safe relative path[\s\S]*path traversal/,
    ],
    ["an absolute shard name", { x: "/etc/passwd" }, /absolute path/],
    ["a non-string shard name", { x: 3 }, /not a string/],
    [
      "a tensor missing from its shard",
      { x: "s1.safetensors", z: "s1.safetensors" },
      /tensor "z"[\s\S]*not there/,
    ],
    ["a shard tensor the index does not list", {}, /places elsewhere|no weight_map/],
  ])("refuses an index with %s", async (_label, weightMap, message) => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, "s1.safetensors"), buildSafetensors([tensor("x"), tensor("y")]));
      await writeFile(
        join(dir, "index.json"),
        JSON.stringify({
          weight_map: Object.keys(weightMap).length === 0 ? { x: "s1.safetensors" } : weightMap,
        }),
      );
      const error = await rejection(readWeightSet([join(dir, "index.json")]));
      expect(error.code).toBe("AOTIHUB_SAFETENSORS_INVALID");
      expect(error.message).toMatch(message);
    });
  });

  it.each([
    ["not JSON", "{", /not UTF-8 JSON/],
    ["without weight_map", '{"metadata": {}}', /no weight_map/],
    ["with a list as weight_map", '{"weight_map": []}', /no weight_map/],
  ])("refuses an index that is %s", async (_label, text, message) => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, "index.json"), text);
      const error = await rejection(readWeightSet([join(dir, "index.json")]));
      expect(error.code).toBe("AOTIHUB_SAFETENSORS_INVALID");
      expect(error.message).toMatch(message);
    });
  });

  it("refuses a damaged shard of a real sharded set, naming the shard", async () => {
    await withShardedSet(async (dir) => {
      const index = JSON.parse(await readFile(join(dir, "model.safetensors.index.json"), "utf8"));
      const shard = join(dir, Object.values(index.weight_map)[0] as string);
      const bytes = await readFile(shard);
      await rm(shard);
      await writeFile(shard, bytes.subarray(0, bytes.length - 1));
      const error = await rejection(readWeightSet([join(dir, "model.safetensors.index.json")]));
      expect(error.code).toBe("AOTIHUB_SAFETENSORS_INVALID");
      expect(error.message).toContain(shard);
      await cp(dir, `${dir}-unused`, { recursive: true }).then(() =>
        rm(`${dir}-unused`, { recursive: true }),
      );
    });
  });
});
