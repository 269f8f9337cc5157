import { isAotihubError } from "@aotihub/registry";

/**
 * Prints an error the way a user can act on it: typed aotihub errors by their message and code,
 * anything else with its stack (a bug of ours). Returns the process exit code.
 */
export function reportCliError(error: unknown): number {
  if (isAotihubError(error)) {
    process.stderr.write(`aotihub: ${error.message} [${error.code}]\n`);
    return 2;
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`aotihub: unexpected error: ${text}\n`);
  return 1;
}
