// vigil's errors: every error vigil raises on purpose is a VigilError with a code from the
// catalogue (src/error-codes.ts: the code's exit code and fixed hint), a message a user can act on
// and an optional hint (the command or setting that fixes it). A bug is an InternalError.
import { EXIT_CODES, catalogueEntry, isErrorCode, type ErrorCode, type ExitCode } from './error-codes.js';

export { EXIT_CODES, type ErrorCode, type ExitCode } from './error-codes.js';

export interface VigilErrorOptions {
  cause?: unknown;
  /** replaces the catalogue's hint for this code, if it has one */
  hint?: string | undefined;
}

/** An errno name (EPERM) or libbpf's own (LIBBPF_ERRNO__FORMAT): the code of a BpfError. */
export type ErrnoCode = `E${string}` | `LIBBPF_ERRNO__${string}`;

function isErrnoCode(code: string): code is ErrnoCode {
  return /^(E[A-Z0-9]+|LIBBPF_ERRNO__[A-Z0-9_]+)$/.test(code);
}

/** vigil's own error: the CLI prints its message and hint and exits with its code's exit code. */
export class VigilError extends Error {
  /** the catalogue code; for a kernel refusal the errno name, under the catalogue's VIGIL_BPF */
  readonly code: ErrorCode | ErrnoCode;
  readonly hint: string | undefined;
  /** the catalogue entry this error belongs to (its code, unless the code is an errno name) */
  readonly catalogueCode: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: VigilErrorOptions);
  constructor(code: ErrorCode | ErrnoCode, message: string, options: VigilErrorOptions, entry: ErrorCode);
  constructor(
    code: ErrorCode | ErrnoCode,
    message: string,
    options: VigilErrorOptions = {},
    entry?: ErrorCode,
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.catalogueCode = entry ?? (code as ErrorCode);
    this.hint = options.hint ?? catalogueEntry(this.catalogueCode).hint;
  }

  get exitCode(): ExitCode {
    return catalogueEntry(this.catalogueCode).exit;
  }
}

/** A daemon's error relayed to its client: the request failed, whatever the daemon's code was. */
export class RemoteError extends VigilError {
  constructor(code: string, message: string, options: VigilErrorOptions = {}) {
    const known: ErrorCode | ErrnoCode = isErrorCode(code) || isErrnoCode(code) ? code : 'VIGIL_INTERNAL';
    super(known, message, options, isErrorCode(known) ? known : 'VIGIL_BPF');
  }

  override get exitCode(): ExitCode {
    return EXIT_CODES.failure;
  }
}

/** A broken invariant inside vigil (a bug, never the user's doing): the CLI reports it as internal. */
export class InternalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InternalError';
  }
}

/**
 * The base of an error found without its place (a bad pattern, variable or network spec): the
 * profile loader catches it and throws a ProfileError with file:line:column and the same code.
 */
export function detailError(code: ErrorCode) {
  return class extends VigilError {
    constructor(message: string) {
      super(code, message);
    }
  };
}

/** A bad command line: unknown flag, missing value, wrong argument. */
export class UsageError extends VigilError {
  constructor(message: string, options: VigilErrorOptions = {}) {
    super('VIGIL_USAGE', message, options);
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
  /** The errno name, as `code` (whose catalogue entry is VIGIL_BPF). */
  readonly errnoCode: string;

  constructor(message: string, info: BpfErrorInfo) {
    super(errnoCode(info.code), message, { hint: bpfHint(info) }, 'VIGIL_BPF');
    this.errno = info.errno;
    this.op = info.op;
    this.target = info.target;
    this.log = info.log;
    this.errnoCode = info.code;
  }
}

/** The addon names every failure by its errno (or libbpf's own number); anything else is a bug. */
function errnoCode(code: string): ErrnoCode {
  if (!isErrnoCode(code)) throw new InternalError(`the native bridge gave '${code}' as an errno name`);
  return code;
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
  constructor(code: ErrorCode, message: string, options: VigilErrorOptions = {}) {
    super(code, message, options);
  }
}
