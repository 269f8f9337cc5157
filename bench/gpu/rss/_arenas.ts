import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { findTorch, loadPackages } from "@aotihub/native";
import { binding } from "../../../packages/native/lib/binding.js";
import { readBucketIo } from "../../../test/support/bucket-io.js";
import { repoPackages } from "../../../test/support/repo-packages.js";
const repo = process.argv[2]!;
const b = binding() as unknown as { mallocStats: (x: boolean) => { xml: string } };
const torch = await findTorch({ pythons: [process.env.AOTIHUB_PYTHON!] });
const pk = repoPackages(repo);
const io = await readBucketIo(repo, "b2");
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const heaps = () => {
  const xml = b.mallocStats(true).xml;
  const out: string[] = [];
  for (const m of xml.matchAll(/<heap nr="(\d+)">([\s\S]*?)<\/heap>/g)) {
    const body = m[2]!;
    const cur = /<system type="current" size="(\d+)"/.exec(body)?.[1];
    const rest = /<total type="rest" count="(\d+)" size="(\d+)"/.exec(body);
    const fast = /<total type="fast" count="(\d+)" size="(\d+)"/.exec(body);
    out.push(`heap ${m[1]}: system ${(Number(cur) / 1024).toFixed(0)} KiB, free rest ${rest?.[1]}x ${(Number(rest?.[2]) / 1024).toFixed(0)} KiB, fast ${(Number(fast?.[2]) / 1024).toFixed(0)} KiB`);
  }
  return out;
};
const cycle = async () => { const m = await loadPackages({ ...pk, device: "cpu", torchDir: torch.dir, cacheDir: "/tmp/aotihub-rss-so" }); await m.run(io.inputs); m.dispose(); };
for (let i = 0; i < 20; i++) await cycle();
gc();
const a = heaps();
for (let i = 0; i < 400; i++) await cycle();
gc(); await new Promise((r) => setImmediate(r)); gc();
const z = heaps();
a.forEach((l, i) => console.log(`${l}\n   -> ${z[i]}`));
const bt = binding() as unknown as { mallocTrim: () => boolean };
for (let k = 0; k < 3; k++) {
  for (let i = 0; i < 50; i++) await cycle();
  const r0 = process.memoryUsage().rss;
  const t = performance.now();
  bt.mallocTrim();
  console.log(`malloc_trim: ${(performance.now() - t).toFixed(2)} ms, RSS ${(r0 / 1048576).toFixed(1)} -> ${(process.memoryUsage().rss / 1048576).toFixed(1)} MiB`);
}
