// Boots one QEMU guest and waits for it to power off, or kills it at the deadline. qemu runs
// under `setpriv --pdeathsig KILL`, so it dies with this process too: a VM never outlives
// the test that started it, even when that test is killed.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export type Accel = 'tcg' | 'kvm';

export interface Share {
  /** mount_tag the guest mounts by. */
  tag: string;
  path: string;
  readonly: boolean;
}

export interface BootOptions {
  kernel: string;
  initrd: string;
  append: string;
  shares: readonly Share[];
  /** Where the serial console is written. */
  consoleLog: string;
  accel: Accel;
  memoryMiB: number;
  cpus: number;
  timeoutMs: number;
}

export interface BootResult {
  /** qemu's exit status; null when it was killed. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /**
   * The guest's console reported a CPU stuck for a minute (soft lockup: the emulator was
   * stopped then instead of at the timeout), or an `Oops: int3` in kernel text patching that
   * ended the guest; the line that said so.
   */
  lockedUp: string | null;
  ms: number;
  /** What qemu itself printed (its errors; the guest's console is in consoleLog). */
  stderr: string;
  argv: string[];
}

/** The emulator; VIGIL_VM_QEMU names another build (or a missing one, to test the failure path). */
export const QEMU = process.env.VIGIL_VM_QEMU ?? 'qemu-system-x86_64';

export function qemuArgs(o: BootOptions): string[] {
  const accel =
    o.accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=multi', '-cpu', 'max'];
  return [
    ...accel,
    '-m',
    String(o.memoryMiB),
    '-smp',
    String(o.cpus),
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    '-serial',
    `file:${o.consoleLog}`,
    '-kernel',
    o.kernel,
    '-initrd',
    o.initrd,
    '-append',
    o.append,
    ...o.shares.flatMap((s) => [
      '-virtfs',
      `local,path=${s.path},mount_tag=${s.tag},security_model=none,multidevs=remap${s.readonly ? ',readonly=on' : ''}`,
    ]),
  ];
}

const STUCK_S = 60;

/** The last 16 KiB of the guest's console, or null before it exists. */
function consoleTail(consoleLog: string): string | null {
  try {
    const size = statSync(consoleLog).size;
    const fd = openSync(consoleLog, 'r');
    try {
      const len = Math.min(size, 16 * 1024);
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, size - len);
      return buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

/** The console's `soft lockup - CPU#N stuck for Ns!` line once N reaches STUCK_S, else null. */
export function stuckLine(consoleLog: string): string | null {
  const text = consoleTail(consoleLog);
  if (text === null) return null;
  for (const m of text.matchAll(/^.*soft lockup - CPU#\d+ stuck for (\d+)s!.*$/gm))
    if (Number(m[1]) >= STUCK_S) return m[0].trim();
  return null;
}

/**
 * The console's `Oops: int3` line, else null: the kernel hit a breakpoint it had placed while
 * patching its own text (a static key or tracepoint being switched on), which under TCG another
 * vCPU can still execute after the patch is done. No BPF program can raise it.
 */
export function int3OopsLine(consoleLog: string): string | null {
  const m = /^.*Oops: int3:.*$/m.exec(consoleTail(consoleLog) ?? '');
  return m === null ? null : m[0].trim();
}

export function bootVm(o: BootOptions): Promise<BootResult> {
  const argv = ['--pdeathsig', 'KILL', '--', QEMU, ...qemuArgs(o)];
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('setpriv', argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let timedOut = false;
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += d.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutMs);
    // A guest whose CPUs are stuck (seen under TCG: soft lockups on every vCPU) never recovers:
    // stop it once the console says a CPU has been stuck for a minute.
    let lockedUp: string | null = null;
    const watch = setInterval(() => {
      const line = stuckLine(o.consoleLog);
      if (line === null) return;
      lockedUp = line;
      child.kill('SIGKILL');
    }, 2000);
    child.on('error', (err) => {
      clearTimeout(timer);
      clearInterval(watch);
      reject(err);
    });
    child.on('exit', (exitCode, signal) => {
      clearTimeout(timer);
      clearInterval(watch);
      lockedUp ??= int3OopsLine(o.consoleLog);
      resolve({
        exitCode,
        signal,
        timedOut,
        lockedUp,
        ms: Math.round(performance.now() - start),
        stderr,
        argv: ['setpriv', ...argv],
      });
    });
  });
}
