/**
 * Captures the caller's stack before going async (sharp's pattern), so an error from a native
 * worker points at the user's call instead of an internal frame. Call it first thing in a public
 * async method, then pass any error through the returned function before rethrowing.
 */
export function captureUserStack(): <E extends Error>(error: E) => E {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, captureUserStack);
  // V8 formats `holder.stack` only when it is read: reading it on error alone keeps the per-call
  // cost of a run (where errors are rare) to the capture of raw frames.
  return (error) => {
    const userFrames = holder.stack?.split("\n").slice(1).join("\n") ?? "";
    if (userFrames !== "") error.stack = `${error.name}: ${error.message}\n${userFrames}`;
    return error;
  };
}
