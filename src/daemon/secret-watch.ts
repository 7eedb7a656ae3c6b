// Credential leaks in what a session does: secrets in an exec's argv, in the environment its
// processes run with, in files it writes into its working tree, and (when the agent's session
// log is read) in prompts, answers and tool output. Each distinct finding becomes one alert line
// per session, masked (src/detect/secrets). Scanning is asynchronous and never holds the event
// path: an alert follows the line it is about.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from 'node:fs';

import type { SecretFinding } from '../detect/secrets/secret-finding.js';
import { AUDIT_SCHEMA_VERSION, type AuditLineOf } from '../sinks/audit-schema.js';
import { secretScanner } from './secret-scanner.js';
import type { Session } from './sessions.js';

type Source = AuditLineOf<'alert'>['source'];
type ToolCallRef = NonNullable<AuditLineOf<'alert'>['tool_call']>;
/** A written file is scanned this long after its first write open (again at the session end). */
const FILE_SETTLE_MS = 1_000;
/** At most this much of a written file is read. */
const FILE_MAX_BYTES = 1 << 20;
/** At most this many distinct findings per session are remembered (and reported). */
const MAX_PER_SESSION = 1_000;
/** Scans run for at most this long before the event loop gets its turn. */
const SLICE_MS = 10;
/** Scans waiting beyond this are dropped and counted (a session execs faster than it is scanned). */
const MAX_QUEUED = 4_096;
/** Written files remembered per session for their scan (the rest are counted, not scanned). */
const MAX_WRITTEN = 2_048;
/** Command lines and environments remembered per session as scanned already. */
const MAX_SCANNED = 8_192;

interface Where {
  source: Source;
  where: string | null;
  pid: number | null;
  comm: string | null;
  toolCall?: ToolCallRef | undefined;
}

interface SessionSecrets {
  seen: Set<string>;
  /** files written in the working tree, waiting for their scan */
  pending: Map<string, NodeJS.Timeout>;
  written: Set<string>;
  cwd: string | null;
  /** digests of the argv and environments scanned already */
  scanned: Set<string>;
}

/** What the detectors did for a session, for the capture matrix. */
export interface SecretCounts {
  argv: number;
  environ: number;
  file: number;
  transcript: number;
  /** environments that could not be read (the process exited first) */
  environUnread: number;
  /** written files past the per-session bound, not scanned */
  filesSkipped: number;
}

export class SecretWatch {
  readonly #sessions = new WeakMap<Session, SessionSecrets>();
  readonly #counts = new WeakMap<Session, SecretCounts>();
  readonly #emit: (s: Session, line: AuditLineOf<'alert'>) => void;
  readonly #log: (message: string) => void;
  /**
   * Scans waiting, run a few at a time between the event loop's other work: the ring consumer
   * must never wait behind them (a consumer that stops beating lets sessions fail closed).
   */
  readonly #queue: { s: Session; scan: () => Promise<void> }[] = [];
  #pumping: Promise<void> | undefined;
  /** scans dropped because the queue was full, by session */
  readonly #dropped = new WeakMap<Session, number>();

  constructor(emit: (s: Session, line: AuditLineOf<'alert'>) => void, log: (message: string) => void) {
    this.#emit = emit;
    this.#log = log;
  }

  counts(s: Session): SecretCounts {
    let c = this.#counts.get(s);
    if (c === undefined) {
      c = { argv: 0, environ: 0, file: 0, transcript: 0, environUnread: 0, filesSkipped: 0 };
      this.#counts.set(s, c);
    }
    return c;
  }

  /** An exec line: its argv now, its environment as the new program got it. */
  onExec(s: Session, exec: AuditLineOf<'exec'>): void {
    if (exec.result !== undefined) return;
    const at = { pid: exec.pid, comm: exec.comm, toolCall: exec.tool_call };
    const st = this.#state(s);
    // the same command line or environment again (a loop, every child of one shell): scanned once
    if (firstTime(st.scanned, `a${exec.argv.join('\0')}`))
      this.#run(s, async () => {
        this.counts(s).argv++;
        this.#report(s, await (await secretScanner()).scanArgv(exec.argv), {
          source: 'argv',
          where: null,
          ...at,
        });
      });
    let environ: string;
    try {
      environ = readFileSync(`/proc/${exec.pid}/environ`, 'latin1');
    } catch {
      this.counts(s).environUnread++;
      return;
    }
    if (!firstTime(st.scanned, `e${environ}`)) return;
    this.#run(s, async () => {
      this.counts(s).environ++;
      for (const f of await (await secretScanner()).scanEnviron(environ))
        this.#report(s, [f], { source: 'environ', where: f.variable, ...at });
    });
  }

  /** A file opened for writing: scanned once it settles, if it is in the working tree. */
  onFileOpen(s: Session, open: AuditLineOf<'file_open'>): void {
    if (typeof open.result !== 'number') return; // refused or failed: nothing written
    const access = open.flags[0];
    if (access !== 'O_WRONLY' && access !== 'O_RDWR') return;
    const st = this.#state(s);
    if (st.cwd === null || !open.path.startsWith(st.cwd + '/')) return;
    if (!st.written.has(open.path) && st.written.size >= MAX_WRITTEN) {
      this.counts(s).filesSkipped++;
      return;
    }
    st.written.add(open.path);
    if (st.pending.has(open.path)) return;
    const timer = setTimeout(() => {
      st.pending.delete(open.path);
      this.#scanFile(s, open.path, open.tool_call);
    }, FILE_SETTLE_MS);
    timer.unref();
    st.pending.set(open.path, timer);
  }

  /** Text from the agent's session log (a prompt, an answer, a tool's output). */
  onTranscriptText(s: Session, text: string, transcript: string, toolCall?: ToolCallRef): void {
    this.#run(s, async () => {
      this.counts(s).transcript++;
      const { findings } = await (await secretScanner()).scanText(text);
      this.#report(s, findings, { source: 'transcript', where: transcript, pid: null, comm: null, toolCall });
    });
  }

  /** The working tree written files are scanned in (the agent's cwd, when it is known). */
  setWorkingTree(s: Session, cwd: string): void {
    const st = this.#state(s);
    if (st.cwd === null && cwd !== '/') st.cwd = cwd.replace(/\/+$/, '');
  }

  workingTree(s: Session): string | null {
    return this.#sessions.get(s)?.cwd ?? null;
  }

  /** The session ended: every file it wrote in the working tree is scanned (again) now (false: none). */
  sessionEnded(s: Session): boolean {
    const st = this.#sessions.get(s);
    if (st === undefined) return false;
    for (const t of st.pending.values()) clearTimeout(t);
    st.pending.clear();
    for (const path of st.written) this.#scanFile(s, path, undefined);
    return st.written.size > 0;
  }

  busy(): boolean {
    return this.#pumping !== undefined;
  }

  /** Resolves when every scan queued so far has reported. */
  async settled(): Promise<void> {
    while (this.#pumping !== undefined) await this.#pumping;
  }

  /** Scans a session lost because the detector fell behind. */
  dropped(s: Session): number {
    return this.#dropped.get(s) ?? 0;
  }

  #scanFile(s: Session, path: string, toolCall: ToolCallRef | undefined): void {
    this.#run(s, async () => {
      const text = readHead(path);
      if (text === undefined) return;
      this.counts(s).file++;
      const { findings } = await (await secretScanner()).scanText(text, { maxBytes: FILE_MAX_BYTES });
      this.#report(s, findings, { source: 'file', where: path, pid: null, comm: null, toolCall });
    });
  }

  #run(s: Session, scan: () => Promise<void>): void {
    if (this.#queue.length >= MAX_QUEUED) {
      this.#dropped.set(s, this.dropped(s) + 1);
      return;
    }
    this.#queue.push({ s, scan });
    this.#pumping ??= this.#pump().finally(() => {
      this.#pumping = undefined;
    });
  }

  /** Runs queued scans for at most SLICE_MS, then lets the event loop run (setImmediate). */
  async #pump(): Promise<void> {
    for (;;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const until = performance.now() + SLICE_MS;
      while (performance.now() < until) {
        const next = this.#queue.shift();
        if (next === undefined) return;
        try {
          await next.scan();
        } catch (err) {
          this.#log(`vigil: a secret scan of session ${next.s.name} failed: ${String(err)}`);
        }
      }
    }
  }

  #state(s: Session): SessionSecrets {
    let st = this.#sessions.get(s);
    if (st === undefined) {
      st = { seen: new Set(), pending: new Map(), written: new Set(), cwd: null, scanned: new Set() };
      this.#sessions.set(s, st);
    }
    return st;
  }

  #report(s: Session, findings: readonly SecretFinding[], at: Where): void {
    const st = this.#state(s);
    for (const f of findings) {
      const key = `${at.source}\0${at.where ?? ''}\0${f.kind}\0${f.masked}`;
      if (st.seen.has(key) || st.seen.size >= MAX_PER_SESSION) continue;
      st.seen.add(key);
      this.#emit(s, alertLine(s, f, at));
    }
  }
}

/** Whether this text is new to the set (remembered by digest, the set bounded). */
function firstTime(scanned: Set<string>, text: string): boolean {
  const digest = createHash('sha1').update(text).digest('base64');
  if (scanned.has(digest)) return false;
  if (scanned.size >= MAX_SCANNED) scanned.clear();
  scanned.add(digest);
  return true;
}

function alertLine(s: Session, f: SecretFinding, at: Where): AuditLineOf<'alert'> {
  const place =
    at.source === 'argv'
      ? `the argv of pid ${at.pid ?? '?'} (${at.comm ?? '?'})`
      : at.source === 'environ'
        ? `the environment variable ${at.where ?? '?'} of pid ${at.pid ?? '?'} (${at.comm ?? '?'})`
        : at.source === 'file'
          ? `${at.where ?? '?'}, written by the session`
          : `the agent's session log ${at.where ?? '?'}`;
  return {
    ts: new Date().toISOString(),
    event: 'alert',
    action: 'OBSERVE',
    detector: 'secrets',
    kind: f.kind,
    severity: f.severity,
    masked: f.masked,
    source: at.source,
    where: at.where,
    pid: at.pid,
    comm: at.comm,
    detector_rule: f.rule,
    reason: `${f.kind.replace(/_/g, ' ')} ${f.masked} found in ${place}; nothing was refused: rotate it if it is real`,
    rule: null,
    profile: s.profile.name,
    session: s.name,
    backend: 'vigil:secrets',
    enforcement: 'none',
    schema_version: AUDIT_SCHEMA_VERSION,
    ...(at.toolCall === undefined ? {} : { tool_call: at.toolCall }),
  };
}

/**
 * The first FILE_MAX_BYTES of a regular file; undefined when it is gone or not one. The daemon
 * reads as root a path the agent named: never through a symlink put in its place, never a FIFO
 * or device (opened non-blocking, checked on the open descriptor).
 */
function readHead(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    if (!fstatSync(fd).isFile()) return undefined;
    const buf = Buffer.alloc(FILE_MAX_BYTES);
    const n = readSync(fd, buf, 0, FILE_MAX_BYTES, 0);
    return buf.subarray(0, n).toString('utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
