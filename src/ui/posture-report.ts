// The Posture view's report: a fresh scan (src/posture) of the UI's home and project, with vigil's
// own coverage: the watch rules of the daemon the UI reads and the systemd units that run vigil.
// Kept for TTL_MS, so reloads and several open pages do not rescan; one scan at a time.
import { postureHome } from '../posture/posture-home.js';
import { scanPosture } from '../posture/scan-posture.js';
import { systemdCoverage } from '../posture/systemd-units.js';
import type { PostureReport, VigilCoverage } from '../posture/types.js';

const TTL_MS = 2_000;

export interface PostureWhereOptions {
  /** the home read; default: the sudo caller's under sudo, else $HOME (posture-home.ts) */
  home?: string;
  /** the project read; default: this process's working folder; null: none */
  project?: string | null;
  /** the folder of system-wide settings; default /etc, null: none */
  etc?: string | null;
  /** the systemd units that run vigil; default: systemdCoverage() */
  systemdUnits?: () => VigilCoverage['systemdUnits'];
  /** how long a report is served before the next request rescans (default 2 s) */
  ttlMs?: number;
}

export interface PostureSnapshot {
  /** null when there is no report (error says why) */
  report: PostureReport | null;
  error: string | null;
  /** what the report could not count: the daemon's watch rules when it did not answer */
  note: string | null;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class PostureReports {
  readonly #options: PostureWhereOptions;
  readonly #watchRules: () => Promise<string[]>;
  readonly #ttlMs: number;
  #last: { at: number; snapshot: PostureSnapshot } | undefined;
  #pending: Promise<PostureSnapshot> | undefined;
  /** the default home, looked up once it is found */
  #home: string | undefined;

  /** `watchRules`: the basenames the daemon's watch rules cover, asked at each scan. */
  constructor(options: PostureWhereOptions, watchRules: () => Promise<string[]>) {
    this.#options = options;
    this.#watchRules = watchRules;
    this.#ttlMs = options.ttlMs ?? TTL_MS;
  }

  /** The report of at most TTL_MS ago, else a new one. */
  get(): Promise<PostureSnapshot> {
    if (this.#last !== undefined && Date.now() - this.#last.at < this.#ttlMs)
      return Promise.resolve(this.#last.snapshot);
    this.#pending ??= this.#scan().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  async #scan(): Promise<PostureSnapshot> {
    let note: string | null = null;
    let watchRules: string[] = [];
    try {
      watchRules = await this.#watchRules();
    } catch (err) {
      note = `the daemon did not give its watch rules (${message(err)}): they were not counted`;
    }
    let snapshot: PostureSnapshot;
    try {
      const o = this.#options;
      const coverage: VigilCoverage = { watchRules, systemdUnits: (o.systemdUnits ?? systemdCoverage)() };
      const report = scanPosture({
        home: (this.#home ??= o.home ?? postureHome()),
        project: o.project === undefined ? process.cwd() : o.project,
        coverage,
        ...(o.etc === undefined ? {} : { etc: o.etc }),
      });
      snapshot = { report, error: null, note };
    } catch (err) {
      snapshot = { report: null, error: message(err), note };
    }
    this.#last = { at: Date.now(), snapshot };
    return snapshot;
  }
}
