/** One stored (uncompressed) zip entry: its bytes are `size` bytes from `dataOffset` in the file. */
export interface Pt2Entry {
  /** Full name inside the archive, e.g. `tiny_b2/data/aotinductor/model/<hash>.wrapper.so`. */
  name: string;
  /** Absolute byte offset of the entry's data in the `.pt2` file. */
  dataOffset: number;
  size: number;
  /** CRC-32 from the central directory, checked whenever the bytes are read. */
  crc32: number;
}

/** One compiled model of a package: the files under `<top>/data/aotinductor/<name>/`. */
export interface Pt2Model {
  name: string;
  wrapperSo: Pt2Entry;
  /** CUDA kernels kept as separate files; the runtime must get their folder as `cubin_dir`. */
  cubins: Pt2Entry[];
  /** `AOTI_DEVICE_KEY`, `AOTI_PLATFORM`, `AOTI_MACHINE`, `AOTI_CPU_ISA`, `AOTI_COMPUTE_CAPABILITY`, ... */
  metadata: Record<string, string>;
  /** Weights in `binary_blob` format, mappable straight out of the package. */
  weightsBlob: Pt2Entry | null;
  /** Extern-node description used by the proxy executor for custom ops. */
  wrapperJson: Pt2Entry | null;
  /** The generated C++ (`<hash>.wrapper.cpp`): the only record in the package of each constant's shape. */
  wrapperCpp: Pt2Entry | null;
}

export interface Pt2Package {
  path: string;
  /** File size in bytes when read. */
  size: number;
  /** The single top folder every entry sits under (the archive's name, or `archive`). */
  top: string;
  entries: Pt2Entry[];
  models: Record<string, Pt2Model>;
}
