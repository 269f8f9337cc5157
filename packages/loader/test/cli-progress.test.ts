import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createCliProgress } from "../src/cli/cli-progress.js";

// The progress reporter of `aotihub download` and `prefetch`: one bar per file on a terminal, with
// the file, MiB done of total, rate and eta; nothing at all when stderr is not a terminal.

/** A terminal-like stream that keeps what the bars print (cli-progress writes frames to it). */
function terminal(isTTY: boolean): Writable & { isTTY: boolean; columns: number; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return Object.assign(stream, {
    isTTY,
    columns: 200,
    cursorTo: (_x: number, _y?: number) => true,
    moveCursor: (_dx: number, _dy: number) => true,
    clearLine: (_dir: number) => true,
    clearScreenDown: () => true,
    text: () => chunks.join(""),
  });
}

const MiB = 1 << 20;

describe("createCliProgress", () => {
  it("draws a bar per file with MiB done of total, rate and eta, to the end", () => {
    const out = terminal(true);
    const progress = createCliProgress(out as unknown as NodeJS.WriteStream);
    expect(progress.listener).toBeTypeOf("function");
    const file = "me/tiny/weights/model.safetensors";
    progress.listener!({
      file,
      bytes: 3 * MiB,
      total: 12 * MiB,
      rate: 1.5 * MiB,
      etaSeconds: 6.2,
      done: false,
    });
    progress.listener!({ file, bytes: 12 * MiB, total: 12 * MiB, rate: 2 * MiB, etaSeconds: 0, done: true });
    progress.stop();
    const text = out.text();
    expect(text).toContain(file);
    expect(text).toMatch(/12\.0\/12\.0 MiB \| 2\.0 MiB\/s \| eta 0s/);
    expect(text).toContain("100%");
  });

  it("prints nothing and listens to nothing when stderr is not a terminal", () => {
    const out = terminal(false);
    const progress = createCliProgress(out as unknown as NodeJS.WriteStream);
    expect(progress.listener).toBeUndefined();
    progress.stop();
    expect(out.text()).toBe("");
  });
});
