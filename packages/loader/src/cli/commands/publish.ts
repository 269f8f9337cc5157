import { readHubConfig } from "../../hub-config/hub-config.js";
import { publishFolder } from "../../publish/publish-folder.js";
import type { RegisterCommand } from "./index.js";

/** `aotihub publish <dir> <repo>`: a convention folder, checked against its manifest, in one commit. */
export const registerPublish: RegisterCommand = (program) => {
  program
    .command("publish")
    .description("Upload a folder in the Hub convention (aotihub.json, weights, .pt2 files) to a Hub repo")
    .argument("<dir>", "the folder, e.g. written by `python -m aotihub_export`")
    .argument("<repo>", "org/name")
    .option("--branch <branch>", "branch to commit to (default main)")
    .option("--message <text>", "commit title")
    .option("--create", "create the repo when it does not exist")
    .option("--private", "with --create: a private repo")
    .option("--json", "print { commit, files }")
    .action(
      async (
        dir: string,
        repo: string,
        flags: { branch?: string; message?: string; create?: boolean; private?: boolean; json?: boolean },
      ) => {
        const result = await publishFolder({
          dir,
          repo,
          hub: readHubConfig(),
          ...(flags.branch !== undefined && { branch: flags.branch }),
          ...(flags.message !== undefined && { message: flags.message }),
          ...(flags.create !== undefined && { create: flags.create }),
          ...(flags.private !== undefined && { private: flags.private }),
        });
        if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else
          process.stdout.write(
            `published ${result.files.length} files to ${repo} at commit ${result.commit}\n`,
          );
      },
    );
};
