import { Pt2InvalidError } from "./pt2-invalid-error.js";

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Parses `<hash>.wrapper_metadata.json`: a flat JSON object of strings such as
 * `{"AOTI_DEVICE_KEY": "cuda", "AOTI_CPU_ISA": "AVX512 AVX512_VNNI", "AOTI_COMPUTE_CAPABILITY": "90"}`
 * (torch/_inductor/codecache.py writes it from the compile's metadata). Anything else is refused,
 * because device matching trusts these values.
 */
export function parseWrapperMetadata(bytes: Uint8Array, entry: string, path: string): Record<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(UTF8.decode(bytes));
  } catch (cause) {
    throw new Pt2InvalidError(path, "the model metadata is not valid JSON", {
      entry,
      expected: "a UTF-8 JSON object",
      received: `${bytes.length} bytes that do not parse`,
      cause,
    });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Pt2InvalidError(path, "the model metadata is not a JSON object", {
      entry,
      expected: 'an object like {"AOTI_DEVICE_KEY": "cpu", ...}',
      received: Array.isArray(value) ? "an array" : String(value),
    });
  }
  const metadata: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== "string") {
      throw new Pt2InvalidError(path, "a model metadata value is not a string", {
        entry,
        expected: `a string for "${key}"`,
        received: JSON.stringify(item),
      });
    }
    metadata[key] = item;
  }
  return metadata;
}
