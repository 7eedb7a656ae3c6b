// The VM's initramfs: static busybox, vm/init as /init, and the share modules with their load
// order. Built fresh for each boot (it takes well under a second) so it always matches vm/init.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { cpioArchive, type CpioEntry } from './cpio.js';
import type { CachedKernel } from './kernel-cache.js';

export const BUSYBOX = '/bin/busybox';

/** True when the ELF file has no program interpreter (PT_INTERP), i.e. is statically linked. */
export function isStaticElf(bytes: Buffer): boolean {
  if (bytes.length < 64 || bytes.readUInt32BE(0) !== 0x7f454c46 || bytes[4] !== 2) return false;
  const phoff = Number(bytes.readBigUInt64LE(0x20));
  const phentsize = bytes.readUInt16LE(0x36);
  const phnum = bytes.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 4 > bytes.length) return false;
    if (bytes.readUInt32LE(at) === 3) return false;
  }
  return true;
}

/** The gzip-compressed initramfs for `kernel`; `initScript` is vm/init. */
export function buildInitramfs(kernel: CachedKernel, initScript: string): Buffer {
  const busybox = readFileSync(BUSYBOX);
  if (!isStaticElf(busybox))
    throw new Error(`${BUSYBOX} is not statically linked: install busybox-static (scripts/setup.sh does)`);
  const entries: CpioEntry[] = [
    ...['bin', 'dev', 'proc', 'sys', 'mnt', 'tmp', 'modules'].map((path) => ({ kind: 'dir' as const, path })),
    { kind: 'file', path: 'init', data: readFileSync(initScript), mode: 0o755 },
    { kind: 'file', path: 'bin/busybox', data: busybox, mode: 0o755 },
    { kind: 'symlink', path: 'bin/sh', target: 'busybox' },
    { kind: 'file', path: 'modules/order', data: Buffer.from(kernel.modules.map((m) => `${m}\n`).join('')) },
    ...kernel.modules.map((m) => ({
      kind: 'file' as const,
      path: `modules/${m}.ko`,
      data: readFileSync(join(kernel.moduleDir, `${m}.ko`)),
    })),
  ];
  return gzipSync(cpioArchive(entries), { level: 1 });
}
