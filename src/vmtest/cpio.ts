// A minimal writer of the "newc" cpio format, the one the kernel unpacks as an initramfs.
// Written here so building the VM's initramfs needs no cpio tool and gives the same bytes
// for the same input (fixed mtimes and inode numbers).

export type CpioEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Buffer; mode?: number }
  | { kind: 'symlink'; path: string; target: string };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function pad4(n: number): Buffer {
  return Buffer.alloc((4 - (n % 4)) % 4);
}

function record(ino: number, mode: number, path: string, data: Buffer): Buffer[] {
  const name = Buffer.from(`${path}\0`);
  const fields = [ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length, 0];
  const header = Buffer.from(`070701${fields.map(hex8).join('')}`, 'ascii');
  return [header, name, pad4(header.length + name.length), data, pad4(data.length)];
}

/** The archive's bytes (uncompressed); paths are relative, without a leading slash. */
export function cpioArchive(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) {
    const path = e.path.replace(/^\/+/, '');
    if (e.kind === 'dir') parts.push(...record(ino++, S_IFDIR | (e.mode ?? 0o755), path, Buffer.alloc(0)));
    else if (e.kind === 'file') parts.push(...record(ino++, S_IFREG | (e.mode ?? 0o644), path, e.data));
    else parts.push(...record(ino++, S_IFLNK | 0o777, path, Buffer.from(e.target)));
  }
  parts.push(...record(0, 0, 'TRAILER!!!', Buffer.alloc(0)));
  return Buffer.concat(parts);
}
