// One file of an agent's guard, read the way the agent reads it: symlinks followed (and their
// target recorded), anything but a regular file refused without opening it (a FIFO would block),
// its size and BLAKE3 taken from the bytes read. Never throws: a file that cannot be had is a
// PostureFile with state missing or unreadable and the reason.
import { lstatSync, readFileSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { blake3 } from '@noble/hashes/blake3.js';
import { bytesToHex } from '@noble/hashes/utils.js';

import type { PostureAgent, PostureFile, PostureScope } from './types.js';

/** Larger files are not read (~/.claude.json keeps history and can be megabytes; not this). */
const MAX_BYTES = 64 * 1024 * 1024;

export interface ReadFile {
  file: PostureFile;
  /** the content when the file was read */
  text: string | null;
  /** the followed file's stat (owner, mode, inode), when it could be had */
  stat: Stats | null;
}

export function blake3Hex(bytes: Uint8Array): string {
  return bytesToHex(blake3(bytes));
}

function errorCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'EIO';
}

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

export function readPostureFile(
  path: string,
  agent: PostureAgent,
  scope: PostureScope,
  role: PostureFile['role'],
): ReadFile {
  const file: PostureFile = {
    agent,
    path,
    scope,
    role,
    state: 'ok',
    error: null,
    symlink: null,
    size: null,
    blake3: null,
  };
  const fail = (state: PostureFile['state'], error: string | null): ReadFile => ({
    file: { ...file, state, error },
    text: null,
    stat: null,
  });
  let link: Stats;
  try {
    link = lstatSync(path);
  } catch (err) {
    const code = errorCode(err);
    return code === 'ENOENT' || code === 'ENOTDIR'
      ? fail('missing', null)
      : fail('unreadable', `cannot stat: ${code}`);
  }
  if (link.isSymbolicLink()) {
    try {
      file.symlink = realpathSync(path);
    } catch (err) {
      let target = '?';
      try {
        target = resolve(dirname(path), readlinkSync(path));
      } catch {
        // the link went away meanwhile: the target stays unknown
      }
      file.symlink = target;
      const code = errorCode(err);
      return code === 'ENOENT' || code === 'ENOTDIR'
        ? fail('missing', `dangling symlink to ${target}`)
        : fail('unreadable', `cannot follow the symlink to ${target}: ${code}`);
    }
  }
  let stat: Stats;
  try {
    stat = link.isSymbolicLink() ? statSync(path) : link;
  } catch (err) {
    return fail('unreadable', `cannot stat: ${errorCode(err)}`);
  }
  if (!stat.isFile()) return { ...fail('unreadable', `${kindOf(stat)}, not a file`), stat };
  if (stat.size > MAX_BYTES) return { ...fail('unreadable', `larger than ${MAX_BYTES} bytes`), stat };
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    return { ...fail('unreadable', `cannot read: ${errorCode(err)}`), stat };
  }
  return {
    file: { ...file, size: bytes.length, blake3: blake3Hex(bytes) },
    text: bytes.toString('utf8'),
    stat,
  };
}
