import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/** The sha256 of a file's bytes, streamed in 1 MiB reads (packages and weights can be large). */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
