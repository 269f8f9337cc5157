import cliProgress from "cli-progress";
import type { ProgressListener } from "../progress/progress-event.js";

export interface CliProgress {
  listener: ProgressListener | undefined;
  stop(): void;
}

function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}

/**
 * One bar per file on an interactive terminal; nothing otherwise (logs and pipes stay clean, and
 * `--json` output stays parseable).
 */
export function createCliProgress(
  stream: NodeJS.WriteStream = process.stderr,
  enabled = stream.isTTY === true,
): CliProgress {
  if (!enabled) return { listener: undefined, stop() {} };
  const multi = new cliProgress.MultiBar(
    {
      stream,
      hideCursor: true,
      clearOnComplete: false,
      format: " {bar} {percentage}% | {value_mib}/{total_mib} MiB | {rate_mib} MiB/s | eta {eta_s}s | {file}",
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    listener(event) {
      const payload = {
        file: event.file,
        value_mib: mib(event.bytes),
        total_mib: mib(event.total),
        rate_mib: mib(event.rate),
        eta_s: event.etaSeconds === undefined ? "?" : Math.ceil(event.etaSeconds),
      };
      let bar = bars.get(event.file);
      if (bar === undefined) {
        bar = multi.create(Math.max(1, event.total), event.bytes, payload);
        bars.set(event.file, bar);
      }
      bar.update(event.bytes, payload);
      if (event.done) bar.stop();
    },
    stop() {
      multi.stop();
    },
  };
}
