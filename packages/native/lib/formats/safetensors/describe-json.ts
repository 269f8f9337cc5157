/**
 * A short JSON rendering of a value from a hostile header, for an error's "received". Never throws:
 * JSON.parse accepts nesting far deeper than JSON.stringify can walk (a RangeError), and a header
 * may hold megabytes that have no place in a message.
 */
export function describeJson(value: unknown, max = 200): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Array.isArray(value) ? "an array nested too deep to print" : "an object nested too deep to print";
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}
