/**
 * Keeps the event loop from sleeping while a CUDA run is in flight, when `AOTIHUB_RUN_HOT_WAIT=1`
 * (read once). A run's result comes back through an eventfd the JS thread waits on in epoll; on a
 * VM, waking a thread that went to sleep there cost ~23 us per call on an H200 host
 * (docs/benchmarks.md, "Per call"), more than everything else `run` adds. A chain of setImmediate
 * callbacks makes each loop turn poll without blocking, so the result is picked up on the next
 * turn; the loop still serves every other callback in between. The price is a busy JS thread for
 * the length of each run (as `cudaStreamSynchronize` spins by default), hence opt-in. Measured on
 * the H200 host (docs/benchmarks.md, slot 1b of the percall lane) it did not help: the hop took
 * 33-37 us with it against 20-23 without; kept, off, until a second measurement settles it.
 */
export const hotWaitEnabled: boolean = process.env.AOTIHUB_RUN_HOT_WAIT === "1";

let waiting = 0;

function turn(): void {
  if (waiting > 0) setImmediate(turn);
}

/** Starts (or joins) the busy wait; call the returned function once the run has settled. */
export function holdLoopHot(): () => void {
  if (waiting++ === 0) setImmediate(turn);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    waiting--;
  };
}
