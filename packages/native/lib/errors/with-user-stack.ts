/**
 * Captures the caller's stack before going async (sharp's pattern), so an error from a native
 * worker points at the user's call instead of an internal frame. Call it first thing in a public
 * async method, then pass any error through the returned function before rethrowing.
 */
export function captureUserStack(): <E extends Error>(error: E) => E {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, captureUserStack);
  const userFrames = holder.stack?.split("\n").slice(1).join("\n") ?? "";
  return (error) => {
    if (userFrames !== "") error.stack = `${error.name}: ${error.message}\n${userFrames}`;
    return error;
  };
}
