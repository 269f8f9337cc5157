import { extractPt2Model, readPt2 } from "@aotihub/native";
import { soCacheDir } from "./test-repo.js";

/** The model `.so` of a `.pt2`, copied out (content-addressed, shared with the runtime's copies). */
export async function extractedSo(pt2Path: string): Promise<string> {
  const pkg = await readPt2(pt2Path);
  const name = Object.keys(pkg.models)[0]!;
  return (await extractPt2Model(pkg, name, { cacheDir: soCacheDir })).soPath;
}
