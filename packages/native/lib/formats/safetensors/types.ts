import type { TorchDtypeName } from "../../tensor/dtypes.js";

export interface SafetensorsTensor {
  name: string;
  dtype: TorchDtypeName;
  shape: number[];
  /** Absolute byte offset of the tensor's data in the file (header included). */
  byteOffset: number;
  byteLength: number;
}

export interface SafetensorsFile {
  path: string;
  /** File size in bytes when read. */
  size: number;
  /** Absolute offset of the data section: 8 + the header length. */
  dataStart: number;
  /** The header's `__metadata__` (string to string), empty when absent. */
  metadata: Record<string, string>;
  /** In data order (by offset). */
  tensors: SafetensorsTensor[];
}

/** One model's weights, possibly sharded over several files. */
export interface WeightSet {
  files: SafetensorsFile[];
  tensors: Map<string, { file: SafetensorsFile; info: SafetensorsTensor }>;
  /** The index file's `metadata` (e.g. `total_size`), empty without an index. */
  metadata: Record<string, unknown>;
}
