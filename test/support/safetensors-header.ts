import { open } from "node:fs/promises";

export interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** The JSON header of a safetensors file (8-byte little-endian length, then JSON). For tests
 * only: the product reads safetensors through @aotihub/native's bounds-checked reader. */
export async function readSafetensorsHeader(path: string): Promise<Record<string, HeaderEntry>> {
  const file = await open(path, "r");
  try {
    const lengthBytes = Buffer.alloc(8);
    await file.read(lengthBytes, 0, 8, 0);
    const length = Number(lengthBytes.readBigUInt64LE(0));
    const json = Buffer.alloc(length);
    await file.read(json, 0, length, 8);
    return JSON.parse(json.toString("utf8")) as Record<string, HeaderEntry>;
  } finally {
    await file.close();
  }
}
