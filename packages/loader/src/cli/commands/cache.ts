import { gcCache } from "../../cache/gc-cache.js";
import { scanCache } from "../../cache/scan-cache.js";
import { verifyCache } from "../../cache/verify-cache.js";
import { readHubConfig } from "../../hub-config/hub-config.js";
import type { RegisterCommand } from "./index.js";

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
const print = (json: boolean | undefined, value: unknown, text: () => string) =>
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : text());

/** `aotihub cache ls|verify|gc` over HF_HUB_CACHE (the cache Python shares). */
export const registerCache: RegisterCommand = (program) => {
  const cache = program
    .command("cache")
    .description("Inspect and clean the Hugging Face cache (HF_HUB_CACHE)");
  cache
    .command("ls")
    .description("list cached repos, their size and revisions")
    .option("--json", "machine-readable output")
    .action(async (flags: { json?: boolean }) => {
      const repos = await scanCache(readHubConfig().cacheDir);
      const rows = repos.map(({ referenced: _, ...r }) => r);
      print(flags.json, { repos: rows }, () =>
        rows
          .map(
            (r) =>
              `${r.type}s/${r.name}  ${mib(r.sizeOnDisk)}  ${r.revisions.map((v) => `${v.commit.slice(0, 8)}${v.refs.length ? `(${v.refs.join(",")})` : ""}`).join(" ")}\n`,
          )
          .join(""),
      );
    });
  cache
    .command("verify")
    .description("re-hash every blob against its name; exit 1 if any is corrupt")
    .option("--json", "machine-readable output")
    .action(async (flags: { json?: boolean }) => {
      const checks = await verifyCache(readHubConfig().cacheDir);
      const bad = checks.filter((c) => !c.ok);
      print(
        flags.json,
        { checked: checks.length, corrupt: bad },
        () =>
          `${checks.length} blobs checked, ${bad.length} corrupt\n${bad.map((b) => `  corrupt: ${b.repo}/blobs/${b.blob} (hashes to ${b.actual})\n`).join("")}`,
      );
      if (bad.length > 0) process.exitCode = 1;
    });
  cache
    .command("gc")
    .description("remove blobs no snapshot points to (partial downloads are kept for resuming)")
    .option("--dry-run", "only list what would be removed")
    .option("--json", "machine-readable output")
    .action(async (flags: { dryRun?: boolean; json?: boolean }) => {
      const config = readHubConfig();
      const result = await gcCache(config.cacheDir, {
        dryRun: flags.dryRun === true,
        readOnlyCache: config.readOnlyCache === true,
      });
      print(
        flags.json,
        result,
        () =>
          `${flags.dryRun ? "would free" : "freed"} ${mib(result.freedBytes)} (${result.removed.length} blobs)${result.skipped.length > 0 ? `; ${result.skipped.length} kept: a download holds their lock` : ""}\n`,
      );
    });
};
