import { crc32 } from "node:zlib";

/** One entry of a hand-built zip; the optional fields let a test lie in one place at a time. */
export interface BuildEntry {
  name: string;
  data: Uint8Array;
  method?: number;
  flags?: number;
  /** Name written in the local header, when it should differ from the central one. */
  localName?: string;
  crc32?: number;
  /** Bytes of the central record's compressed size, when it should lie. */
  compressedSize?: number;
  /** Override the central directory's local header offset (e.g. to point two entries at one). */
  localHeaderOffset?: number;
  /**
   * Move size, compressed size and local offset into a ZIP64 extra field (sentinels in the record),
   * as a writer must for entries past 4 GiB. `truncateZip64Extra` drops that many trailing bytes.
   */
  zip64Fields?: boolean;
  truncateZip64Extra?: number;
}

export interface BuildOptions {
  /** Write the ZIP64 EOCD record and locator as torch's miniz writer does. */
  zip64?: boolean;
  comment?: Uint8Array;
  /** Align entry data to this many bytes with an "FB" padding extra field, as torch does. */
  align?: number;
}

export interface BuiltZip {
  bytes: Buffer;
  localOffsets: number[];
  dataOffsets: number[];
  centralOffset: number;
  centralSize: number;
  eocdOffset: number;
}

/** A test-only writer of stored zips shaped like torch's `.pt2` archives. */
export function buildZip(entries: readonly BuildEntry[], options: BuildOptions = {}): BuiltZip {
  const align = options.align ?? 64;
  const parts: Buffer[] = [];
  let offset = 0;
  const localOffsets: number[] = [];
  const dataOffsets: number[] = [];
  for (const entry of entries) {
    const name = Buffer.from(entry.localName ?? entry.name, "utf8");
    const headerEnd = offset + 30 + name.length;
    let pad = (align - ((headerEnd + 4) % align)) % align;
    const extra = Buffer.alloc(4 + pad, 0x5a);
    extra.writeUInt16LE(0x4246, 0);
    extra.writeUInt16LE(pad, 2);
    pad = extra.length;
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(entry.flags ?? 0, 6);
    header.writeUInt16LE(entry.method ?? 0, 8);
    header.writeUInt32LE(entry.crc32 ?? crc32(entry.data), 14);
    header.writeUInt32LE(entry.data.length, 18);
    header.writeUInt32LE(entry.data.length, 22);
    header.writeUInt16LE(name.length, 26);
    header.writeUInt16LE(extra.length, 28);
    localOffsets.push(offset);
    dataOffsets.push(headerEnd + extra.length);
    parts.push(header, name, extra, Buffer.from(entry.data));
    offset = headerEnd + extra.length + entry.data.length;
  }
  const centralOffset = offset;
  entries.forEach((entry, i) => {
    const name = Buffer.from(entry.name, "utf8");
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(entry.flags ?? 0, 8);
    header.writeUInt16LE(entry.method ?? 0, 10);
    header.writeUInt32LE(entry.crc32 ?? crc32(entry.data), 16);
    const localHeaderOffset = entry.localHeaderOffset ?? localOffsets[i]!;
    header.writeUInt32LE(entry.compressedSize ?? entry.data.length, 20);
    header.writeUInt32LE(entry.data.length, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE(localHeaderOffset, 42);
    let extra = Buffer.alloc(0);
    if (entry.zip64Fields) {
      // A foreign field first, so the reader must walk the extra fields to find 0x0001.
      extra = Buffer.alloc(8 + 4 + 24);
      extra.writeUInt16LE(0x5455, 0);
      extra.writeUInt16LE(4, 2);
      extra.writeUInt16LE(0x0001, 8);
      extra.writeUInt16LE(24, 10);
      extra.writeBigUInt64LE(BigInt(entry.data.length), 12);
      extra.writeBigUInt64LE(BigInt(entry.compressedSize ?? entry.data.length), 20);
      extra.writeBigUInt64LE(BigInt(localHeaderOffset), 28);
      extra = extra.subarray(0, extra.length - (entry.truncateZip64Extra ?? 0));
      if (entry.truncateZip64Extra) extra.writeUInt16LE(24 - entry.truncateZip64Extra, 10);
      header.writeUInt32LE(0xffffffff, 20);
      header.writeUInt32LE(0xffffffff, 24);
      header.writeUInt32LE(0xffffffff, 42);
      header.writeUInt16LE(extra.length, 30);
    }
    parts.push(header, name, extra);
    offset += 46 + name.length + extra.length;
  });
  const centralSize = offset - centralOffset;
  if (options.zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(45, 12);
    record.writeUInt16LE(45, 14);
    record.writeBigUInt64LE(BigInt(entries.length), 24);
    record.writeBigUInt64LE(BigInt(entries.length), 32);
    record.writeBigUInt64LE(BigInt(centralSize), 40);
    record.writeBigUInt64LE(BigInt(centralOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset), 8);
    locator.writeUInt32LE(1, 16);
    parts.push(record, locator);
    offset += 76;
  }
  const comment = Buffer.from(options.comment ?? new Uint8Array());
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(centralSize, 12);
  eocd.writeUInt32LE(centralOffset, 16);
  eocd.writeUInt16LE(comment.length, 20);
  parts.push(eocd, comment);
  return {
    bytes: Buffer.concat(parts),
    localOffsets,
    dataOffsets,
    centralOffset,
    centralSize,
    eocdOffset: offset,
  };
}

export const ELF_SO = Buffer.concat([
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]),
  Buffer.alloc(120, 7),
]);

/** The entries of a minimal, valid package with one model, one cubin and a weights blob. */
export function pt2Entries(top = "pkg", model = "model"): BuildEntry[] {
  const dir = `${top}/data/aotinductor/${model}`;
  const metadata = {
    AOTI_DEVICE_KEY: "cuda",
    AOTI_PLATFORM: "linux",
    AOTI_MACHINE: "x86_64",
    AOTI_CPU_ISA: "AVX2",
    AOTI_COMPUTE_CAPABILITY: "90",
  };
  return [
    { name: `${dir}/k1.cubin`, data: Buffer.alloc(100, 1) },
    { name: `${dir}/abc.wrapper_metadata.json`, data: Buffer.from(JSON.stringify(metadata)) },
    { name: `${dir}/abc.wrapper_weights.blob`, data: Buffer.alloc(256, 3) },
    { name: `${dir}/abc.wrapper.json`, data: Buffer.from("{}") },
    { name: `${dir}/abc.wrapper.so`, data: ELF_SO },
    { name: `${top}/archive_format`, data: Buffer.from("pt2") },
    { name: `${top}/archive_version`, data: Buffer.from("0") },
  ];
}
