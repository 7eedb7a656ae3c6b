// Watching the posture: fs.watch on the folders that hold the agents' files and hook scripts (a
// folder, not the file, so an editor's save by rename-over is seen), a debounce that merges the
// events of one save, and a periodic rescan for what events miss (a folder created later, a
// watch the kernel dropped). Each file whose content changed is one PostureChange with its
// hashes before and after and its agent's score and reasons before and after.
import { statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, isAbsolute } from 'node:path';

import { scanPostureDetailed, type PostureWhere } from './scan-posture.js';
import type { PostureAgent, PostureReason, PostureReport, VigilCoverage } from './types.js';

export interface PostureChange {
  path: string;
  agent: PostureAgent;
  change: 'created' | 'modified' | 'deleted' | 'renamed';
  before: { blake3: string; size: number } | null;
  after: { blake3: string; size: number } | null;
  scoreBefore: number;
  scoreAfter: number;
  reasonsAdded: PostureReason[];
  reasonsRemoved: PostureReason[];
  /** coalesced: several events merged by the debounce, or seen only by the periodic rescan */
  evidence: 'definitive' | 'coalesced';
}

export interface PostureWatchWhere {
  home: string;
  project?: string | null;
  /** asked at every scan: what confines agents now */
  coverage?: () => VigilCoverage | null;
  /** as scanPosture's */
  etc?: string | null;
}

export interface PostureWatchOptions {
  /** quiet time after the last event before the files are read again (default 300 ms) */
  debounceMs?: number;
  /** the periodic rescan (default 30 s) */
  rescanMs?: number;
  /** false: no fs.watch, the periodic rescan alone (file systems without inotify); default true */
  fsEvents?: boolean;
}

interface Known {
  agent: PostureAgent;
  blake3: string;
  size: number;
  ino: number | undefined;
}

/** Events of one save (truncate and write, rename-over) come within this; further apart they are
 * several saves merged by the debounce. */
const ONE_SAVE_MS = 50;

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function reasonKey(r: PostureReason): string {
  return JSON.stringify([r.code, r.file, r.detail, r.snippet, r.points]);
}

export class PostureWatcher {
  readonly #where: PostureWatchWhere;
  readonly #onChange: (c: PostureChange, report: PostureReport) => void;
  readonly #debounceMs: number;
  readonly #rescanMs: number;
  readonly #fsEvents: boolean;
  #report: PostureReport | null = null;
  #known = new Map<string, Known>();
  #volatile = new Set<string>();
  /** the folders watched, their inode (a folder replaced is watched again) and the names in
   * them that matter, each with the files of the posture it stands for */
  readonly #watched = new Map<string, { watcher: FSWatcher; ino: number; names: Map<string, Set<string>> }>();
  /** event times per file of the posture since the last scan */
  #events = new Map<string, number[]>();
  #firstEvent: number | null = null;
  #timer: NodeJS.Timeout | null = null;
  #interval: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(
    where: PostureWatchWhere,
    onChange: (c: PostureChange, report: PostureReport) => void,
    options: PostureWatchOptions = {},
  ) {
    this.#where = where;
    this.#onChange = onChange;
    this.#debounceMs = options.debounceMs ?? 300;
    this.#rescanMs = options.rescanMs ?? 30_000;
    this.#fsEvents = options.fsEvents ?? true;
  }

  /** Scans, starts watching, and returns the first report. */
  start(): PostureReport {
    const report = this.#scan();
    this.#interval = setInterval(() => {
      this.#flush();
    }, this.#rescanMs);
    this.#interval.unref();
    return report;
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (this.#interval !== null) clearInterval(this.#interval);
    this.#timer = null;
    this.#interval = null;
    for (const w of this.#watched.values()) w.watcher.close();
    this.#watched.clear();
  }

  #scan(): PostureReport {
    let coverage: VigilCoverage | null = null;
    try {
      coverage = this.#where.coverage?.() ?? null;
    } catch {
      coverage = null; // a coverage lookup that fails counts as none, like a missing daemon
    }
    const where: PostureWhere = { home: this.#where.home, project: this.#where.project ?? null, coverage };
    if (this.#where.etc !== undefined) where.etc = this.#where.etc;
    const { report, inodes, volatile } = scanPostureDetailed(where);
    this.#volatile = volatile;
    const known = new Map<string, Known>();
    for (const a of report.agents) {
      for (const f of a.files) {
        if (f.state === 'ok' && f.blake3 !== null && f.size !== null)
          known.set(f.path, { agent: a.agent, blake3: f.blake3, size: f.size, ino: inodes.get(f.path) });
      }
    }
    this.#report = report;
    this.#known = known;
    if (this.#fsEvents) this.#watchFolders(report);
    return report;
  }

  /** Watches the folder of every file (and of its symlink's target), and the folder above it
   * (the file's folder may be removed and made again); a missing folder's nearest existing
   * ancestor stands in for it. */
  #watchFolders(report: PostureReport): void {
    const wanted = new Map<string, Map<string, Set<string>>>();
    const want = (target: string, file: string): void => {
      let dir = dirname(target);
      let name = basename(target);
      while (!isDir(dir) && dirname(dir) !== dir) {
        name = basename(dir);
        dir = dirname(dir);
      }
      const names = wanted.get(dir) ?? new Map<string, Set<string>>();
      wanted.set(dir, names);
      const files = names.get(name) ?? new Set<string>();
      names.set(name, files);
      files.add(file);
    };
    for (const a of report.agents) {
      for (const f of a.files) {
        for (const target of f.symlink === null || !isAbsolute(f.symlink) ? [f.path] : [f.path, f.symlink]) {
          want(target, f.path);
          want(dirname(target), f.path);
        }
      }
    }
    for (const [dir, w] of this.#watched) {
      let ino: number | null = null;
      try {
        ino = statSync(dir).ino;
      } catch {
        ino = null;
      }
      if (!wanted.has(dir) || ino !== w.ino) {
        w.watcher.close();
        this.#watched.delete(dir);
      }
    }
    for (const [dir, names] of wanted) {
      const have = this.#watched.get(dir);
      if (have !== undefined) {
        have.names = names;
        continue;
      }
      try {
        const ino = statSync(dir).ino;
        const watcher = watch(dir, { persistent: true }, (_kind, name) => {
          this.#event(dir, name);
        });
        watcher.on('error', () => {
          // the folder went away: forget it; the next scan watches what stands there then
          watcher.close();
          if (this.#watched.get(dir)?.watcher === watcher) this.#watched.delete(dir);
        });
        this.#watched.set(dir, { watcher, ino, names });
      } catch {
        // cannot watch it (gone meanwhile, no permission, no inotify watches left): the periodic
        // rescan still sees its files
      }
    }
  }

  #event(dir: string, name: string | null): void {
    if (this.#closed) return;
    const names = this.#watched.get(dir)?.names;
    if (names === undefined) return;
    const files = name === null ? [...names.values()].flatMap((s) => [...s]) : [...(names.get(name) ?? [])];
    if (files.length === 0) return;
    const now = Date.now();
    for (const f of files) this.#events.set(f, [...(this.#events.get(f) ?? []), now]);
    this.#firstEvent ??= now;
    if (this.#timer !== null) clearTimeout(this.#timer);
    // a steady stream of events is still read, four debounce periods after its first event
    const wait = now - this.#firstEvent >= 4 * this.#debounceMs ? 0 : this.#debounceMs;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#flush();
    }, wait);
  }

  #flush(): void {
    if (this.#closed || this.#report === null) return;
    const before = this.#report;
    const knownBefore = this.#known;
    const events = this.#events;
    this.#events = new Map();
    this.#firstEvent = null;
    const after = this.#scan();
    const agentOf = (report: PostureReport, agent: PostureAgent) =>
      report.agents.find((a) => a.agent === agent);
    const changes: PostureChange[] = [];
    const paths = new Set([...knownBefore.keys(), ...this.#known.keys()]);
    const changedAgents = new Set<PostureAgent>();
    for (const path of [...paths].sort()) {
      const b = knownBefore.get(path);
      const a = this.#known.get(path);
      if (b !== undefined && a !== undefined && b.blake3 === a.blake3 && b.size === a.size) continue;
      const agent = (a ?? b)?.agent;
      if (agent === undefined) continue;
      const change = this.#change(path, agent, b ?? null, a ?? null, before, after, events.get(path) ?? []);
      // the agent's own state file changes all day; there only a change of the posture counts
      const same = change.reasonsAdded.length === 0 && change.reasonsRemoved.length === 0;
      if (this.#volatile.has(path) && a !== undefined && b !== undefined && same) continue;
      changedAgents.add(agent);
      changes.push(change);
    }
    // a change of mode or owner alone (chmod o+w on a hook script) changes reasons, not content
    for (const [path, times] of [...events].sort(([x], [y]) => x.localeCompare(y))) {
      const k = this.#known.get(path) ?? knownBefore.get(path);
      if (k === undefined || changedAgents.has(k.agent)) continue;
      const was = agentOf(before, k.agent)?.reasons.map(reasonKey).sort().join('\n');
      const now = agentOf(after, k.agent)?.reasons.map(reasonKey).sort().join('\n');
      if (was === now) continue;
      changedAgents.add(k.agent);
      changes.push(
        this.#change(
          path,
          k.agent,
          knownBefore.get(path) ?? null,
          this.#known.get(path) ?? null,
          before,
          after,
          times,
        ),
      );
    }
    for (const c of changes) this.#onChange(c, after);
  }

  #change(
    path: string,
    agent: PostureAgent,
    b: Known | null,
    a: Known | null,
    before: PostureReport,
    after: PostureReport,
    times: number[],
  ): PostureChange {
    const was = before.agents.find((x) => x.agent === agent);
    const now = after.agents.find((x) => x.agent === agent);
    const wasKeys = new Set((was?.reasons ?? []).map(reasonKey));
    const nowKeys = new Set((now?.reasons ?? []).map(reasonKey));
    const spread = times.length === 0 ? Infinity : Math.max(...times) - Math.min(...times);
    return {
      path,
      agent,
      change:
        b === null
          ? 'created'
          : a === null
            ? 'deleted'
            : b.ino !== undefined && a.ino !== b.ino
              ? 'renamed'
              : 'modified',
      before: b === null ? null : { blake3: b.blake3, size: b.size },
      after: a === null ? null : { blake3: a.blake3, size: a.size },
      scoreBefore: was?.score ?? 0,
      scoreAfter: now?.score ?? 0,
      reasonsAdded: (now?.reasons ?? []).filter((r) => !wasKeys.has(reasonKey(r))),
      reasonsRemoved: (was?.reasons ?? []).filter((r) => !nowKeys.has(reasonKey(r))),
      evidence: spread <= Math.min(ONE_SAVE_MS, this.#debounceMs / 2) ? 'definitive' : 'coalesced',
    };
  }
}
