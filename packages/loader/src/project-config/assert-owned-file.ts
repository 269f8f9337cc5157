import { statSync } from "node:fs";
import { AotihubError } from "@aotihub/registry";

/**
 * A project file that decides what code may run (aotihub.config.json, aotihub.lock) counts only
 * when nobody but its owner could have written it, as git's safe.directory: owned by this user (or
 * root), not writable by group or others. A config planted in /tmp or a shared /data otherwise
 * says `trustedRepos: ["*\/*"]` for every project below it.
 */
export function assertOwnedFile(file: string, what: string): void {
  const info = statSync(file);
  const me = process.getuid?.();
  if (me === undefined) return; // not a POSIX system: no owner to compare
  const problems: string[] = [];
  if (info.uid !== me && info.uid !== 0) problems.push(`owned by uid ${info.uid}, not by you (uid ${me})`);
  if ((info.mode & 0o022) !== 0)
    problems.push(`writable by group or others (mode ${(info.mode & 0o777).toString(8)})`);
  if (problems.length === 0) return;
  throw new AotihubError(
    "AOTIHUB_UNSAFE_PROJECT_FILE",
    `Refusing ${what} ${file}: someone else could have written it.`,
    {
      expected: "a file owned by you (or root) and writable only by its owner",
      received: problems.join("; "),
      hint: `if you wrote it, \`chown $(id -u) ${file} && chmod go-w ${file}\`; otherwise delete it, or pass the config you mean explicitly`,
    },
  );
}
