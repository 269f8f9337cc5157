"""What a compiled `.so` needs from outside: its DT_NEEDED libraries and undefined dynamic symbols.

Read from the ELF64 little-endian file itself (section headers, .dynamic, .dynsym), so the check
works where binutils is not installed.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .errors import ExportError

SHT_DYNSYM = 11
SHT_DYNAMIC = 6
DT_NEEDED = 1
SHN_UNDEF = 0


@dataclass(frozen=True)
class DynamicInfo:
    needed: list[str]
    undefined: list[str]


def read_dynamic_info(data: bytes) -> DynamicInfo:
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ExportError(
            "AOTIHUB_EXPORT_PACKAGE",
            "the compiled library is not a 64-bit little-endian ELF file",
            expected="an x86_64/aarch64 Linux shared object",
            received=repr(data[:6]),
        )
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]

    def string_at(table: int, offset: int) -> str:
        start = sections[table][4] + offset
        return data[start : data.index(b"\0", start)].decode("utf-8", "replace")

    needed: list[str] = []
    undefined: list[str] = []
    for _name, kind, _flags, _addr, offset, size, link, _info, _align, entsize in sections:
        if kind == SHT_DYNAMIC:
            for i in range(size // 16):
                tag, value = struct.unpack_from("<qQ", data, offset + i * 16)
                if tag == DT_NEEDED:
                    needed.append(string_at(link, value))
        elif kind == SHT_DYNSYM:
            for i in range(1, size // entsize):
                st_name, _st_info, _other, st_shndx = struct.unpack_from("<IBBH", data, offset + i * entsize)
                if st_shndx == SHN_UNDEF:
                    undefined.append(string_at(link, st_name))
    return DynamicInfo(needed=needed, undefined=sorted(set(undefined)))
