// One VM run: the kernel from the cache, a fresh initramfs, a results share in a temp folder,
// one boot that runs every guest test file, then the results read back. The run's files are
// copied to .cache/vm/last/<kernel>/ for reading afterwards and the temp folder is removed.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { repoRoot } from '../system/paths.js';
import { parseGuestResults, type GuestSummary } from './guest-results.js';
import { buildInitramfs, BUSYBOX } from './initramfs.js';
import { ensureKernel, type CachedKernel } from './kernel-cache.js';
import type { KernelSpec } from './kernels.js';
import { bootVm, QEMU, type Accel, type BootResult } from './qemu.js';
import { VigilError, type VigilErrorOptions } from '../errors.js';

/**
 * What runs inside the VM: the kernel-level tests (loader, lineage, LSM backend; the policy
 * matcher runs inside every hook of the agent object, so it is loaded there too) and
 * every file in dist/test/vm/scenarios/ (drop a compiled test there and it runs on every kernel
 * of the matrix: docs/testing.md). The CLI end-to-end and browser tests stay on the host: under
 * TCG emulation each `vigil run` costs tens of seconds of Node start-up.
 */
export const GUEST_TEST_DIRS = [
  'dist/test/kernel/bridge.test.js',
  'dist/test/kernel/lineage.test.js',
  'dist/test/kernel/lsm-backend.test.js',
  'dist/test/vm/scenarios',
] as const;

/** Boot parameters: bpf in the LSM list is what makes BPF-LSM usable on Debian's kernels. */
export const KERNEL_APPEND = 'console=ttyS0 quiet loglevel=4 lsm=lockdown,capability,landlock,bpf panic=-1';

export interface VmOptions {
  accel: Accel;
  memoryMiB: number;
  cpus: number;
  /** Hard limit for the whole boot; the VM is killed when it passes. */
  timeoutMs: number;
  /** Per-test limit inside the guest (node --test-timeout). */
  testTimeoutMs: number;
}

export function vmOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): VmOptions {
  const accel = env.VIGIL_VM_ACCEL ?? 'tcg';
  if (accel !== 'tcg' && accel !== 'kvm') throw new Error(`VIGIL_VM_ACCEL must be tcg or kvm, not ${accel}`);
  const seconds = Number(env.VIGIL_VM_TIMEOUT_S ?? '1500');
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`VIGIL_VM_TIMEOUT_S: not a positive number`);
  // a test file may take minutes under TCG: the LSM scenarios run 20-50 s each, and
  // lsm-backend's nine took 300 s on a 6.1 guest; --test-timeout applies to each file too
  return { accel, memoryMiB: 2048, cpus: 2, timeoutMs: seconds * 1000, testTimeoutMs: 600_000 };
}

/** Raised when the runner cannot start a VM at all (setup not run, no apt, ...). */
export class VmUnavailableError extends VigilError {
  constructor(message: string, options: VigilErrorOptions = {}) {
    super('VIGIL_VM_UNAVAILABLE', message, options);
  }
}

export interface VmRun {
  kernel: CachedKernel;
  boot: BootResult;
  /** Copy of the run's files (console.log, guest.log, spec.log, results.jsonl, doctor.json). */
  logsDir: string;
  /** vm/init's own failure message, when it gave up before the tests. */
  initError: string | null;
  guestExit: number | null;
  testsExit: number | null;
  doctor: unknown;
  results: GuestSummary;
  testFiles: string[];
  /** the first boot's soft lockup, when the guest was booted a second time; null when not */
  retried: string | null;
}

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Checks the tools the runner needs; throws VmUnavailableError naming what is missing. */
export function preflight(): void {
  const missing = [QEMU, 'setpriv', 'apt-get', 'apt-cache', 'dpkg', 'xz'].filter((c) => !onPath(c));
  if (!existsSync(BUSYBOX)) missing.push(BUSYBOX);
  if (missing.length > 0)
    throw new VmUnavailableError(
      `cannot run the VM tests: ${missing.join(', ')} not found; run scripts/setup.sh (it installs qemu-system-x86 and busybox-static), or set VIGIL_SKIP_VM=1 to skip them`,
    );
  const root = repoRoot();
  const built = [
    'dist/src/vmtest/jsonl-reporter.js',
    'dist/src/cli/main.js',
    'build/bpf/probes/lsm_probe.bpf.o',
  ];
  const unbuilt = built.filter((f) => !existsSync(join(root, f)));
  if (unbuilt.length > 0)
    throw new VmUnavailableError(
      `cannot run the VM tests: ${unbuilt.join(', ')} missing; run scripts/setup.sh`,
    );
}

function readOr(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function intOr(path: string): number | null {
  const t = readOr(path)?.trim();
  return t === undefined || t === '' ? null : Number(t);
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * Boots the kernel once with the guest tests; a guest that locked up (a CPU stuck for a minute,
 * seen under TCG on busy hosts, before any test failed) or oopsed on a text-patching breakpoint
 * (`Oops: int3`, seen under TCG) is booted once more, and the run says so.
 */
export async function runVm(spec: KernelSpec, options: VmOptions): Promise<VmRun> {
  const first = await runVmOnce(spec, options);
  if (first.boot.lockedUp === null) return first;
  const second = await runVmOnce(spec, options);
  return { ...second, retried: first.boot.lockedUp };
}

async function runVmOnce(spec: KernelSpec, options: VmOptions): Promise<VmRun> {
  preflight();
  const root = repoRoot();
  const cacheRoot = join(root, '.cache', 'vm');
  let kernel: CachedKernel;
  try {
    kernel = ensureKernel(spec, cacheRoot);
  } catch (err) {
    throw new VmUnavailableError(`cannot fetch the ${spec.id} kernel: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const runDir = mkdtempSync(join(tmpdir(), `vigil-vm-${spec.id}-`));
  try {
    const out = join(runDir, 'out');
    mkdirSync(out);
    const initrd = join(runDir, 'initrd.gz');
    writeFileSync(initrd, buildInitramfs(kernel, join(root, 'vm', 'init')));
    const job = {
      VIGIL_REPO: root.replace(/\/$/, ''),
      VIGIL_VM_KERNEL: spec.id,
      VIGIL_VM_TEST_DIRS: GUEST_TEST_DIRS.join(' '),
      VIGIL_VM_TEST_TIMEOUT_MS: String(options.testTimeoutMs),
    };
    writeFileSync(
      join(out, 'job.env'),
      Object.entries(job)
        .map(([k, v]) => `${k}=${shellQuote(v)}\n`)
        .join(''),
    );
    const boot = await bootVm({
      kernel: kernel.vmlinuz,
      initrd,
      append: KERNEL_APPEND,
      shares: [
        { tag: 'hostroot', path: '/', readonly: true },
        { tag: 'results', path: out, readonly: false },
      ],
      consoleLog: join(out, 'console.log'),
      accel: options.accel,
      memoryMiB: options.memoryMiB,
      cpus: options.cpus,
      timeoutMs: options.timeoutMs,
    });
    const logsDir = join(cacheRoot, 'last', spec.id);
    rmSync(logsDir, { recursive: true, force: true });
    mkdirSync(logsDir, { recursive: true });
    cpSync(out, logsDir, { recursive: true });
    writeFileSync(join(logsDir, 'qemu.txt'), `${boot.argv.join(' ')}\n\n${boot.stderr}`);
    const doctorText = readOr(join(out, 'doctor.json'));
    let doctor: unknown = null;
    try {
      doctor = doctorText === null ? null : (JSON.parse(doctorText) as unknown);
    } catch {
      doctor = null;
    }
    return {
      kernel,
      boot,
      logsDir,
      initError: readOr(join(out, 'init-error'))?.trim() ?? null,
      guestExit: intOr(join(out, 'guest-exit')),
      testsExit: intOr(join(out, 'tests-exit')),
      doctor,
      results: parseGuestResults(readOr(join(out, 'results.jsonl')) ?? ''),
      testFiles: (readOr(join(out, 'test-files')) ?? '').split('\n').filter((l) => l !== ''),
      retried: null,
    };
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
}
