// A module.register hook (it runs on Node's hooks thread): appends the URL of every module this
// process resolves through `import` to the file named in its data, for import-footprint-child.mjs.
import { appendFileSync } from "node:fs";

let out = "";

export function initialize(data) {
  out = data.file;
}

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(out, `${resolved.url}\n`);
  return resolved;
}
