// The section names of a little-endian ELF64 object (a compiled BPF object): enough to check that
// the programs a table names are in the build, without libbpf or root.
import { readFileSync } from 'node:fs';

export function elfSectionNames(path: string): string[] {
  const b = readFileSync(path);
  if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1)
    throw new Error(`${path} is not a little-endian ELF64 object`);
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a);
  const shnum = b.readUInt16LE(0x3c);
  const shstrndx = b.readUInt16LE(0x3e);
  const header = (i: number) => shoff + i * shentsize;
  // sh_offset of the section-name string table
  const strtab = Number(b.readBigUInt64LE(header(shstrndx) + 0x18));
  const names: string[] = [];
  for (let i = 0; i < shnum; i++) {
    const start = strtab + b.readUInt32LE(header(i));
    names.push(b.toString('latin1', start, b.indexOf(0, start)));
  }
  return names;
}
