// Whether the event loop turns while a run is in flight, without a clock: a run that blocked the
// loop would finish before any setImmediate callback could fire, so it shows no turns in any number
// of runs; one that works off the loop shows some (how many depends on the machine's load, which
// is why the bound is a count reached, never a time).

/**
 * setImmediate turns seen while `run()` promises are pending: runs until `wanted` turns are seen,
 * at most `maxRuns` runs.
 */
export async function loopTurnsDuringRuns(
  run: () => Promise<unknown>,
  wanted = 20,
  maxRuns = 200,
): Promise<{ turns: number; runs: number }> {
  let count = 0;
  let spinning = true;
  const spin = () => {
    if (!spinning) return;
    count++;
    setImmediate(spin);
  };
  setImmediate(spin);
  let turns = 0;
  let runs = 0;
  try {
    while (runs < maxRuns && turns < wanted) {
      const before = count;
      await run();
      turns += count - before;
      runs++;
    }
  } finally {
    spinning = false;
  }
  return { turns, runs };
}
