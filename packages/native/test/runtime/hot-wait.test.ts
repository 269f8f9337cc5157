import { describe, expect, it } from "vitest";
import { holdLoopHot } from "../../lib/runtime/hot-wait.js";

// The busy wait of CUDA runs (AOTIHUB_RUN_HOT_WAIT): while held, a setImmediate callback is always
// pending (so the loop polls without blocking in epoll); once every holder released it, the chain
// ends and an idle process sleeps again. Counted in loop turns, never in time.
const pendingImmediates = () => process.getActiveResourcesInfo().filter((r) => r === "Immediate").length;
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("holdLoopHot", () => {
  it("keeps a callback pending every turn while held, by any number of holders, none after the last release", async () => {
    const first = holdLoopHot();
    const second = holdLoopHot();
    first();
    first(); // idempotent: a second call releases nothing more
    for (let i = 0; i < 5; i++) {
      await nextTurn();
      expect(pendingImmediates()).toBeGreaterThan(0);
    }
    second();
    await nextTurn();
    await nextTurn();
    expect(pendingImmediates()).toBe(0);
  });
});
