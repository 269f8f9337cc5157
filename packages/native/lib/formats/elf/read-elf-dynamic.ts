import { open } from "node:fs/promises";

/** What a shared object needs from, and offers to, the dynamic linker. */
export interface ElfDynamicInfo {
  /** DT_NEEDED sonames, in file order. */
  needed: string[];
  /** Undefined dynamic symbols (what must come from elsewhere), sorted, without version suffixes. */
  undefined: string[];
  /** Defined global or weak dynamic symbols with default visibility (what it exports), sorted. */
  defined: string[];
}

const SHT_DYNAMIC = 6;
const SHT_DYNSYM = 11;
const DT_NEEDED = 1n;
const STB_LOCAL = 0;
const STV_DEFAULT = 0;

/** Thrown for a file that is not a 64-bit little-endian ELF shared object we can read. */
export class ElfUnreadableError extends Error {}

/**
 * Reads DT_NEEDED and the dynamic symbol table of a 64-bit little-endian ELF file (x86_64, aarch64
 * Linux): the standalone runtime checks a package's `.so` with it before anything is dlopened.
 */
export async function readElfDynamic(path: string): Promise<ElfDynamicInfo> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    const data = Buffer.alloc(size);
    await handle.read(data, 0, size, 0);
    return parseElfDynamic(data);
  } finally {
    await handle.close();
  }
}

export function parseElfDynamic(data: Buffer): ElfDynamicInfo {
  const fail = (why: string): never => {
    throw new ElfUnreadableError(why);
  };
  if (data.length < 64 || data.readUInt32BE(0) !== 0x7f454c46) fail("not an ELF file");
  if (data[4] !== 2 || data[5] !== 1) fail("not a 64-bit little-endian ELF file");
  const shoff = Number(data.readBigUInt64LE(0x28));
  const shentsize = data.readUInt16LE(0x3a);
  const shnum = data.readUInt16LE(0x3c);
  if (shentsize < 64 || shoff + shnum * shentsize > data.length) fail("section headers outside the file");
  const sections = Array.from({ length: shnum }, (_, i) => {
    const at = shoff + i * shentsize;
    return {
      type: data.readUInt32LE(at + 4),
      offset: Number(data.readBigUInt64LE(at + 24)),
      size: Number(data.readBigUInt64LE(at + 32)),
      link: data.readUInt32LE(at + 40),
      entsize: Number(data.readBigUInt64LE(at + 56)),
    };
  });
  const inFile = (offset: number, size: number) => offset >= 0 && size >= 0 && offset + size <= data.length;
  const stringAt = (table: number, offset: number): string => {
    const section = sections[table];
    if (section === undefined || !inFile(section.offset, section.size) || offset >= section.size)
      return fail("a name outside its string table");
    const start = section.offset + offset;
    const end = data.indexOf(0, start);
    if (end < 0 || end > section.offset + section.size) fail("an unterminated name");
    return data.toString("utf8", start, end);
  };
  const needed: string[] = [];
  const undefinedSymbols = new Set<string>();
  const defined = new Set<string>();
  for (const section of sections) {
    if (section.type !== SHT_DYNAMIC && section.type !== SHT_DYNSYM) continue;
    if (!inFile(section.offset, section.size)) fail("a section outside the file");
    if (section.type === SHT_DYNAMIC) {
      for (let at = section.offset; at + 16 <= section.offset + section.size; at += 16) {
        if (data.readBigInt64LE(at) === DT_NEEDED)
          needed.push(stringAt(section.link, Number(data.readBigUInt64LE(at + 8))));
      }
      continue;
    }
    if (section.entsize < 24) fail("a symbol table with short entries");
    for (
      let at = section.offset + section.entsize;
      at + 24 <= section.offset + section.size;
      at += section.entsize
    ) {
      const name = stringAt(section.link, data.readUInt32LE(at));
      const binding = data[at + 4]! >> 4;
      const visibility = data[at + 5]! & 3;
      const shndx = data.readUInt16LE(at + 6);
      if (name === "") continue;
      if (shndx === 0) undefinedSymbols.add(name);
      else if (binding !== STB_LOCAL && visibility === STV_DEFAULT) defined.add(name);
    }
  }
  return { needed, undefined: [...undefinedSymbols].sort(), defined: [...defined].sort() };
}
