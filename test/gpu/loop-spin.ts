// Whether run() keeps the event loop polling while a short CUDA run is in flight and lets it sleep
// after (src/runtime/event-loop-spin.h): used by the CUDA suite (gpu-suite.ts) and by loop-spin-gpu.ts.
import { binding } from "../../packages/native/lib/binding.js";
import type { CheckPlan } from "./check-plan.js";

/**
 * A short CUDA run keeps the event loop polling while it is in flight (src/runtime/event-loop-spin.h)
 * and lets it sleep once settled: counted by the addon itself, and an idle loop's CPU time afterwards
 * (a loop left polling burns its whole core; a sleeping one next to nothing). `run` must be an
 * already opened variant's short run.
 */
export const LOOP_SPIN_CHECK = "event loop polls during short GPU runs, sleeps after them";

export async function checkLoopSpin(
  run: () => Promise<unknown>,
  plan: Pick<CheckPlan, "check" | "skip">,
): Promise<void> {
  const name = LOOP_SPIN_CHECK;
  const spins = binding().runLoopSpins();
  if (!spins.enabled) {
    plan.skip(
      name,
      `off in this process (${spins.thresholdUs} us bound, fewer than 4 usable CPUs or set to 0)`,
    );
    return;
  }
  for (let i = 0; i < 10; i++) await run(); // the variant's recent median decides
  const pending = [run(), run()];
  const during = binding().runLoopSpins().spinning;
  await Promise.all(pending);
  const after = binding().runLoopSpins().spinning;
  const idleMs = 300;
  const before = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, idleMs));
  const used = process.cpuUsage(before);
  const cpuMs = (used.user + used.system) / 1000;
  plan.check(
    name,
    during === 2 && after === 0 && cpuMs < idleMs / 2,
    `2 runs in flight: ${during} kept the loop polling, ${after} once settled; ${cpuMs.toFixed(1)} ms of CPU in the next ${idleMs} ms`,
  );
}
