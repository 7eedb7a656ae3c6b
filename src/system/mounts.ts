// Mounted filesystems vigil depends on (bpffs for pins, tracefs for tracepoints, cgroup2 for
// cgroup hooks, securityfs for the LSM list), read from /proc/self/mountinfo.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';

import { SystemError } from '../errors.js';

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
}

/** Where each filesystem is conventionally mounted, and the command that mounts it there. */
export const STANDARD_MOUNTS = {
  bpf: '/sys/fs/bpf',
  tracefs: '/sys/kernel/tracing',
  securityfs: '/sys/kernel/security',
} as const;
export type StandardFs = keyof typeof STANDARD_MOUNTS;

export function mountCommand(fs: StandardFs): string {
  return `mount -t ${fs} ${fs} ${STANDARD_MOUNTS[fs]}`;
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-');
    const mountPoint = fields[4];
    const fsType = fields[sep + 1];
    const source = fields[sep + 2];
    if (sep < 6 || mountPoint === undefined || fsType === undefined || source === undefined) continue;
    out.push({ mountPoint: unescape(mountPoint), fsType, source: unescape(source) });
  }
  return out;
}

export function readMounts(): MountEntry[] {
  return parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8'));
}

export function findMount(fsType: string, mounts: MountEntry[] = readMounts()): MountEntry | undefined {
  return mounts.find((m) => m.fsType === fsType);
}

/** Mounts `fs` at its standard place unless some mount of that type exists; returns its path. */
export function ensureMount(fs: StandardFs): string {
  const existing = findMount(fs);
  if (existing !== undefined) return existing.mountPoint;
  const target = STANDARD_MOUNTS[fs];
  if (!existsSync(target)) mkdirSync(target, { recursive: true });
  const r = spawnSync('mount', ['-t', fs, fs, target], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new SystemError(
      'VIGIL_MOUNT_FAILED',
      `cannot mount ${fs} at ${target}: ${(r.stderr || r.error?.message || '').trim()}`,
      {
        hint: `run as root: ${mountCommand(fs)}`,
      },
    );
  }
  return target;
}
