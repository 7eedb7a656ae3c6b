// The native addon's surface, typed, and its loader. The addon is deliberately thin: it copies
// buffers and numbers to libbpf and back. Checking arguments and giving them meaning is the
// job of the wrappers beside this file.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { BpfError, type BpfErrorInfo, SystemError } from '../errors.js';

export interface NativeProgramInfo {
  name: string;
  section: string;
  type: string;
  attachType: string;
  autoload: boolean;
  fd: number;
}

export interface NativeMapDecl {
  name: string;
  type: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  internal: boolean;
}

export interface NativeRodataVar {
  name: string;
  offset: number;
  size: number;
  kind: 'int' | 'array' | 'other';
  signed: boolean;
}

export interface NativeTestRunResult {
  retval: number;
  durationNs: number;
  ctxOut: Buffer | null;
}

export interface NativeObject {
  programs(): NativeProgramInfo[];
  maps(): NativeMapDecl[];
  rodataVars(): NativeRodataVar[];
  writeRodata(offset: number, data: Buffer): void;
  setAutoload(program: string, on: boolean): void;
  load(): void;
  attach(program: string, options?: { cgroupPath?: string }): NativeLink;
  map(name: string): NativeMap;
  reuseMap(name: string, fd: number): void;
  testRun(program: string, ctx: Buffer | null, repeat?: number): NativeTestRunResult;
  close(): void;
}

export interface NativeMapInfo {
  name: string;
  id: number;
  type: string;
  keySize: number;
  valueSize: number;
  valueBufferSize: number;
  maxEntries: number;
  flags: number;
  perCpu: boolean;
  closed: boolean;
}

export interface NativeBatch {
  count: number;
  keys: Buffer;
  values: Buffer;
  cursor: Buffer;
  done: boolean;
}

export interface NativeMap {
  info(): NativeMapInfo;
  fd(): number;
  lookup(key: Buffer): Buffer | null;
  update(key: Buffer, value: Buffer, flags: number): void;
  delete(key: Buffer): boolean;
  nextKey(key: Buffer | null): Buffer | null;
  lookupBatch(cursor: Buffer | null, maxCount: number): NativeBatch;
  updateBatch(keys: Buffer, values: Buffer, count: number, flags: number): number;
  deleteBatch(keys: Buffer, count: number): number;
  pin(path: string): void;
  close(): void;
}

export interface NativeLinkInfo {
  program: string;
  destroyed: boolean;
  fd?: number;
  pinPath?: string | null;
  id?: number;
  progId?: number;
  type?: string;
}

export interface NativeLink {
  info(): NativeLinkInfo;
  pin(path: string): void;
  unpin(): void;
  detach(): void;
  destroy(): void;
}

export interface NativeRingStats {
  records: number;
  bytes: number;
  batches: number;
  stalls: number;
  pollErrors: number;
  largestBatch: number;
  running: boolean;
}

export interface NativeRingOptions {
  batchBytes?: number;
  pollMs?: number;
  lingerMs?: number;
  heartbeat?: { fd: number; deadlineNs: number; tgid: number };
}

export interface NativeRingBuffer {
  start(ref: boolean): void;
  stop(): number;
  drain(): number;
  stats(): NativeRingStats;
  close(): void;
}

export interface NativeSyscallResult {
  value: number;
  errno: number;
  code: string;
}

export interface NativeBinding {
  init(errorFactory: (message: string, info: BpfErrorInfo) => Error): void;
  BpfObject: new (path: string) => NativeObject;
  RingBuffer: new (
    mapFds: number | number[],
    name: string,
    onBatch: (batch: Buffer, count: number) => void,
    options: NativeRingOptions,
  ) => NativeRingBuffer;
  landlockAbi(): NativeSyscallResult;
  seccompActionAvailable(action?: number): NativeSyscallResult;
  /** prctl(PR_SET_DUMPABLE, 0): only CAP_SYS_PTRACE may trace this process or open its memory */
  setUndumpable(): NativeSyscallResult;
  numPossibleCpus(): number;
  /** CLOCK_BOOTTIME in ns: the clock of bpf_ktime_get_boot_ns() */
  boottimeNs(): bigint;
  libbpfVersion(): string;
  /** SO_PEERCRED of a connected Unix socket fd: who is at the other end */
  peerCredentials(fd: number): { pid: number; uid: number; gid: number };
  openPinnedMap(path: string): NativeMap;
  openPinnedLink(path: string): NativeLink;
}

const ADDON = 'vigil_native.node';

/** Where the addon may be, in order; the first that exists is loaded. */
export function addonCandidates(): string[] {
  const fromEnv = process.env.VIGIL_NATIVE_ADDON;
  const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
  return [
    ...(fromEnv === undefined || fromEnv === '' ? [] : [fromEnv]),
    // dist/src/bridge/ -> native/build/Release/
    here(`../../../native/build/Release/${ADDON}`),
    here(`../../../native/build/Debug/${ADDON}`),
  ];
}

let cached: NativeBinding | undefined;

/** Loads the addon once; the error lists every path tried and why each failed. */
export function native(): NativeBinding {
  if (cached !== undefined) return cached;
  const require = createRequire(import.meta.url);
  const tried: string[] = [];
  for (const path of addonCandidates()) {
    if (!existsSync(path)) {
      tried.push(`${path}: not found`);
      continue;
    }
    try {
      const binding = require(path) as NativeBinding;
      binding.init((message, info) => new BpfError(message, info));
      cached = binding;
      return binding;
    } catch (err) {
      tried.push(`${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  throw new SystemError(
    'VIGIL_NATIVE_MISSING',
    `cannot load the native addon; tried:\n  ${tried.join('\n  ')}`,
  );
}
