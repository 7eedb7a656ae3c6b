// Boots one QEMU guest and waits for it to power off, or kills it at the deadline. qemu runs
// under `setpriv --pdeathsig KILL`, so it dies with this process too: a VM never outlives
// the test that started it, even when that test is killed.
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
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({
        exitCode,
        signal,
        timedOut,
        ms: Math.round(performance.now() - start),
        stderr,
        argv: ['setpriv', ...argv],
      });
    });
  });
}
