// What the UI server reads from vigil, wherever the daemon runs: the stream of audit lines,
// the daemon's status (sessions, loss counters), ancestry, the doctor's findings and the
// profiles in use. Two implementations: over a Daemon in this process, and over the control
// socket (a DaemonHandle of the UI's own, so its subscription never replaces the verb's).
import type { DaemonHandle } from '../daemon/control-client.js';
import type { ProfileRef, StatusResult } from '../daemon/control-protocol.js';
import type { Daemon } from '../daemon/daemon.js';
import type { AncestryEntry } from '../enrich/process-table.js';
import type { AuditLine } from '../sinks/audit-schema.js';

export interface UiSource {
  /** Where the daemon is, for the UI's header: 'in-process' or 'socket'. */
  readonly kind: 'in-process' | 'socket';
  /** Every audit line of every session from now on; returns the function that stops it. */
  subscribe(onLine: (line: AuditLine) => void): Promise<() => void>;
  status(): Promise<StatusResult>;
  /**
   * The chain from `pid` up to its session's root as the daemon knows it now, or undefined
   * when this source cannot tell (over the socket: the server rebuilds it from lines).
   */
  ancestry(pid: number): AncestryEntry[] | undefined;
  /** `vigil doctor --json`'s document for this host. */
  doctor(): Promise<unknown>;
  /** Profiles of the sessions the daemon knows, plus those the verb loaded. */
  profiles(): Promise<ProfileRef[]>;
  close(): Promise<void>;
}

/** The doctor's JSON document, probed once per process (it loads test programs: ~1 s). */
let doctorDoc: Promise<unknown> | undefined;
export function doctorDocument(): Promise<unknown> {
  doctorDoc ??= (async () => {
    const [{ runDoctor }, { renderJson }] = await Promise.all([
      import('../doctor/doctor.js'),
      import('../doctor/render-json.js'),
    ]);
    const { facts, verdict } = await runDoctor();
    return JSON.parse(renderJson(facts, verdict)) as unknown;
  })();
  return doctorDoc;
}

function uniqueProfiles(refs: Iterable<ProfileRef>): ProfileRef[] {
  const out = new Map<string, ProfileRef>();
  for (const r of refs) if (!out.has(`${r.name}\0${r.source}`)) out.set(`${r.name}\0${r.source}`, r);
  return [...out.values()];
}

/** The daemon lives in this process (`vigil run` / `watch` started it). */
export class DaemonUiSource implements UiSource {
  readonly kind = 'in-process';
  readonly #daemon: Daemon;
  readonly #known: readonly ProfileRef[];

  constructor(daemon: Daemon, known: readonly ProfileRef[] = []) {
    this.#daemon = daemon;
    this.#known = known;
  }

  subscribe(onLine: (line: AuditLine) => void): Promise<() => void> {
    return Promise.resolve(this.#daemon.subscribe({}, onLine));
  }
  status(): Promise<StatusResult> {
    return Promise.resolve(this.#daemon.status());
  }
  ancestry(pid: number): AncestryEntry[] {
    return this.#daemon.processes.ancestry(pid);
  }
  doctor(): Promise<unknown> {
    return doctorDocument();
  }
  profiles(): Promise<ProfileRef[]> {
    return Promise.resolve(
      uniqueProfiles([...this.#known, ...this.#daemon.sessions.list().map((s) => s.profile)]),
    );
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The daemon runs elsewhere (systemd, another vigil); this process talks to it over the control
 * socket through `handle`, which belongs to the UI and is closed with it. The socket carries no
 * profiles beyond their names, so only the profiles this verb loaded are shown in full.
 */
export class HandleUiSource implements UiSource {
  readonly kind = 'socket';
  readonly #handle: DaemonHandle;
  readonly #known: readonly ProfileRef[];
  #stopped = false;

  constructor(handle: DaemonHandle, known: readonly ProfileRef[] = []) {
    this.#handle = handle;
    this.#known = known;
  }

  async subscribe(onLine: (line: AuditLine) => void): Promise<() => void> {
    // The protocol has no unsubscribe: stopping drops the lines until the handle is closed.
    await this.#handle.subscribe(
      {},
      (line) => {
        if (!this.#stopped) onLine(line);
      },
      () => undefined,
    );
    return () => {
      this.#stopped = true;
    };
  }
  status(): Promise<StatusResult> {
    return this.#handle.status();
  }
  /** Not over the socket: the server rebuilds ancestry from the session's lines. */
  ancestry(): AncestryEntry[] | undefined {
    return undefined;
  }
  doctor(): Promise<unknown> {
    return doctorDocument();
  }
  profiles(): Promise<ProfileRef[]> {
    return Promise.resolve(uniqueProfiles(this.#known));
  }
  close(): Promise<void> {
    this.#stopped = true;
    return this.#handle.close();
  }
}
