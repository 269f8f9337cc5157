import { describe, expect, it } from "vitest";
import { CheckPlan } from "./check-plan.js";

// The GPU run's accounting, tested here on CPU: the GPU machine only ever runs it for real.
const quiet = () => {};

describe("the GPU run's planned-vs-ran accounting", () => {
  it("is green only when every planned check ran and passed", () => {
    const plan = new CheckPlan(["a", "b"], quiet);
    plan.check("a", true, "fine");
    plan.check("b", true);
    expect(plan.summary()).toMatchObject({ planned: 2, ran: 2, passed: 2, ok: true });
    expect(plan.summary().line).toBe("2 of 2 planned checks ran, 2 passed");
  });

  it("fails a run where a planned check never ran, and names it", () => {
    const plan = new CheckPlan(["fixtures", "model tiny-mlp vs eager", "leak check"], quiet);
    plan.check("fixtures", true);
    const summary = plan.summary();
    expect(summary).toMatchObject({ ran: 1, passed: 1, notRun: ["model tiny-mlp vs eager", "leak check"] });
    expect(summary.ok).toBe(false);
    expect(summary.line).toBe(
      "1 of 3 planned checks ran, 1 passed | did not run: model tiny-mlp vs eager; leak check",
    );
  });

  it("counts a check recorded several times as passed only if every record passed", () => {
    const plan = new CheckPlan(["tiny-dit vs eager"], quiet);
    plan.check("tiny-dit vs eager", true, "bucket 16");
    plan.check("tiny-dit vs eager", false, "bucket 64: rel. error 3e-1");
    expect(plan.summary()).toMatchObject({ ran: 1, passed: 0, failed: ["tiny-dit vs eager"], ok: false });
  });

  it("never counts a skip as a pass, and a skipped planned check as not run", () => {
    const plan = new CheckPlan(["two GPUs overlap"], quiet);
    plan.skip("two GPUs overlap", "only 1 GPU");
    const summary = plan.summary();
    expect(summary).toMatchObject({ ran: 0, passed: 0, notRun: ["two GPUs overlap"], ok: false });
    expect(summary.skipped).toEqual([{ name: "two GPUs overlap", reason: "only 1 GPU" }]);
  });

  it("reports an unplanned skip without failing, and prints it", () => {
    const plan = new CheckPlan([], quiet);
    plan.skip("multi-GPU checks", "only 1 GPU here");
    expect(plan.summary()).toMatchObject({ planned: 0, ran: 0, ok: true });
    expect(plan.summary().line).toBe(
      "0 of 0 planned checks ran, 0 passed | skipped: multi-GPU checks (only 1 GPU here)",
    );
  });

  it("fails on a check the plan does not list (the plan must say what the run checks)", () => {
    const plan = new CheckPlan(["a"], quiet);
    plan.check("a", true);
    plan.check("typo", true);
    expect(plan.summary()).toMatchObject({ unplanned: ["typo"], ok: false });
  });

  it("turns an error escaping a section into failures of its unrecorded checks", async () => {
    const plan = new CheckPlan(["x", "y", "z"], quiet);
    await plan.section(["x", "y"], async () => {
      plan.check("x", true);
      throw new Error("CUDA error: out of memory");
    });
    await plan.section(["z"], async () => {
      plan.check("z", true);
      throw new Error("after its checks");
    });
    const summary = plan.summary();
    expect(summary.failed).toEqual(["y", "z"]);
    expect(plan.records.find((r) => r.name === "y")!.detail).toContain("CUDA error: out of memory");
    expect(summary).toMatchObject({ ran: 3, passed: 1, ok: false });
  });

  it("fails every check of a section that could not start (a missing model folder)", () => {
    const plan = new CheckPlan(["small-conv vs eager"], quiet);
    plan.failAll(["small-conv vs eager"], new Error("no compiled repo at /tmp/models/small-conv"));
    expect(plan.summary()).toMatchObject({ ran: 1, passed: 0, failed: ["small-conv vs eager"], ok: false });
  });
});
