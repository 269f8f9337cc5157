/** One tensor for the test-only writer; `offsets` lets a test lie about where it is. */
export interface BuildTensor {
  name: string;
  dtype: string;
  shape: number[];
  data: Uint8Array;
  offsets?: [number, number];
}

/**
 * A test-only safetensors writer (real files come from Python's safetensors): header padded with
 * spaces to 8 bytes as upstream does, data concatenated in the order given.
 */
export function buildSafetensors(
  tensors: readonly BuildTensor[],
  options: { metadata?: Record<string, string>; rawHeader?: string; declaredLength?: bigint } = {},
): Buffer {
  const header: Record<string, unknown> = {};
  if (options.metadata !== undefined) header.__metadata__ = options.metadata;
  let at = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: t.offsets ?? [at, at + t.data.length] };
    at += t.data.length;
  }
  let json = options.rawHeader ?? JSON.stringify(header);
  json += " ".repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, "utf8");
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(options.declaredLength ?? BigInt(headerBytes.length));
  return Buffer.concat([length, headerBytes, ...tensors.map((t) => Buffer.from(t.data))]);
}
