// The error catalogue: every error vigil raises on purpose has a code, a message a user can act
// on, an optional hint (the command or setting that fixes it) and an exit code for the CLI.

export const EXIT_CODES = {
  ok: 0,
  failure: 1, // the requested work failed (doctor: vigil cannot enforce here)
  usage: 2, // bad flags or arguments
  kernel: 3, // the kernel refused something vigil needs
  config: 4, // a bad profile or setting
} as const;
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

export interface VigilErrorOptions {
  cause?: unknown;
  hint?: string | undefined;
}

export class VigilError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, exitCode: ExitCode, options: VigilErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.exitCode = exitCode;
  }
}

/** A bad command line: unknown flag, missing value, wrong argument. */
export class UsageError extends VigilError {
  constructor(message: string, options: VigilErrorOptions = {}) {
    super('VIGIL_USAGE', message, EXIT_CODES.usage, options);
  }
}

/** The native bridge or the kernel refused an operation. */
export interface BpfErrorInfo {
  /** errno name, e.g. EPERM, or LIBBPF_ERRNO__* for libbpf's own numbers. */
  code: string;
  errno: number;
  /** the bridge operation: open, load, attach, lookup, pin, ringbuf, ... */
  op: string;
  /** what it was done to: an object path, a program or map name, a pin path. */
  target: string;
  /** libbpf's log for the operation (the verifier's words on a failed load). */
  log: string;
}

export class BpfError extends VigilError implements BpfErrorInfo {
  readonly errno: number;
  readonly op: string;
  readonly target: string;
  readonly log: string;
  /** The errno name; the catalogue code is VIGIL_BPF_<op>. */
  readonly errnoCode: string;

  constructor(message: string, info: BpfErrorInfo) {
    super(info.code, message, EXIT_CODES.kernel, { hint: bpfHint(info) });
    this.errno = info.errno;
    this.op = info.op;
    this.target = info.target;
    this.log = info.log;
    this.errnoCode = info.code;
  }
}

function bpfHint(info: BpfErrorInfo): string | undefined {
  switch (info.code) {
    case 'EPERM':
    case 'EACCES':
      return info.op === 'load'
        ? 'run as root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN); if you are root, the kernel or a security policy refuses this program type: run `vigil doctor`'
        : 'run as root (CAP_BPF, CAP_SYS_ADMIN)';
    case 'ENOENT':
      if (info.op === 'attach' && info.log.includes('tracepoint')) {
        return 'mount tracefs: mount -t tracefs tracefs /sys/kernel/tracing';
      }
      return undefined;
    case 'LIBBPF_ERRNO__FORMAT':
      return 'the file is not a BPF object: rebuild with `make kernel`';
    default:
      return undefined;
  }
}

/** Something vigil needs from the system is missing (a mount, a cgroup, a file). */
export class SystemError extends VigilError {
  constructor(code: string, message: string, options: VigilErrorOptions = {}) {
    super(code, message, EXIT_CODES.failure, options);
  }
}
