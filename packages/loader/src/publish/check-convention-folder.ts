import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { sha256OfFile } from "@aotihub/native";
import { AotihubError, type Manifest, parseManifest } from "@aotihub/registry";

/**
 * Checks a folder in the Hub convention before it is published: the manifest parses, and every
 * artifact and weight file it names is there with the size and sha256 it claims. Lists every
 * problem at once.
 */
export async function checkConventionFolder(dir: string): Promise<Manifest> {
  const manifestPath = path.join(dir, "aotihub.json");
  let text: string;
  try {
    text = await readFile(manifestPath, "utf8");
  } catch (cause) {
    throw new AotihubError("AOTIHUB_PUBLISH_NO_MANIFEST", `${dir} has no aotihub.json.`, {
      expected:
        "a folder in the Hub convention (docs/hub-convention.md), e.g. written by python -m aotihub_export",
      received: (cause as Error).message,
      hint: "export the model with the export helper first",
      cause,
    });
  }
  const manifest = parseManifest(JSON.parse(text), manifestPath);
  const problems: string[] = [];
  for (const artifact of manifest.artifacts) {
    const file = path.join(dir, artifact.path);
    const info = await stat(file).catch(() => null);
    if (info === null) problems.push(`${artifact.path}: missing`);
    else if (info.size !== artifact.size)
      problems.push(`${artifact.path}: ${info.size} bytes, manifest says ${artifact.size}`);
    else if ((await sha256OfFile(file)) !== artifact.sha256)
      problems.push(`${artifact.path}: sha256 differs from the manifest`);
  }
  for (const set of Object.values(manifest.weights))
    for (const weight of set.files) {
      if ((await stat(path.join(dir, weight)).catch(() => null)) === null)
        problems.push(`${weight}: missing`);
    }
  if (problems.length > 0) {
    throw new AotihubError("AOTIHUB_PUBLISH_FOLDER_INVALID", `${dir} does not match its aotihub.json.`, {
      expected: "every artifact and weight file the manifest names, with its size and sha256",
      received: problems.join("; "),
      hint: "re-export the folder, or fix the manifest; nothing was uploaded",
    });
  }
  return manifest;
}
