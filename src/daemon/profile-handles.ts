// Profiles loaded into the kernel, one handle each, shared by every session and watch rule that
// uses the same profile (same source, variables and content), and unloaded when the last one
// lets go. The kernel has few table ids (VIGIL_POLICY_TABLES), so sharing matters.
import { createHash } from 'node:crypto';

import type { AgentKernel } from '../loader/agent-kernel.js';
import type { LoadReport } from '../loader/policy-tables.js';
import { describeInodes, inodesIncomplete } from '../policy/deny-inodes.js';
import { loadProfileSource } from '../policy/load-source.js';
import { errorBody, type ProfileRef, type ReloadResult } from './control-protocol.js';

interface Entry {
  handle: number;
  key: string;
  ref: ProfileRef;
  users: number;
  tableId: number;
}

function keyOf(ref: ProfileRef): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([ref.source, ref.vars, ref.profile]));
  return h.digest('hex');
}

/** One loaded profile as the daemon's state file keeps it (daemon-state.ts). */
export interface ProfileHandleState {
  handle: number;
  tableId: number;
  users: number;
  ref: ProfileRef;
}

export class ProfileHandles {
  readonly #kernel: Pick<AgentKernel, 'loadProfile' | 'unloadProfile' | 'adoptProfile'>;
  readonly #byKey = new Map<string, Entry>();
  readonly #byHandle = new Map<number, Entry>();
  readonly #log: (message: string) => void;
  #next = 1;

  /** `log`: the daemon's log (stderr by default), told when a profile's denied files do not all fit. */
  constructor(
    kernel: Pick<AgentKernel, 'loadProfile' | 'unloadProfile' | 'adoptProfile'>,
    log: (message: string) => void = (m) => {
      console.error(m);
    },
  ) {
    this.#kernel = kernel;
    this.#log = log;
  }

  /** Loads into the kernel, and says so when some denied files are left to path rules alone. */
  #load(handle: number, ref: ProfileRef): LoadReport {
    const report = this.#kernel.loadProfile(handle, ref.profile);
    if (report.inodes !== undefined && inodesIncomplete(report.inodes))
      this.#log(`vigil: profile ${ref.name} (${ref.source}): ${describeInodes(report.inodes)}`);
    return report;
  }

  /** The handle for `ref`, loading it into the kernel on first use. Throws if it cannot be. */
  acquire(ref: ProfileRef): number {
    const key = keyOf(ref);
    let e = this.#byKey.get(key);
    if (e === undefined) {
      const handle = this.#next++;
      const report = this.#load(handle, ref);
      e = { handle, key, ref, users: 0, tableId: report.tableId };
      this.#byKey.set(key, e);
      this.#byHandle.set(handle, e);
    }
    e.users++;
    return e.handle;
  }

  release(handle: number): void {
    const e = this.#byHandle.get(handle);
    if (e === undefined) return;
    if (--e.users > 0) return;
    this.#byHandle.delete(handle);
    this.#byKey.delete(e.key);
    this.#kernel.unloadProfile(handle);
  }

  ref(handle: number): ProfileRef | undefined {
    return this.#byHandle.get(handle)?.ref;
  }

  /** Takes a reference on a handle already loaded (a session restored or started by the kernel). */
  retain(handle: number): boolean {
    const e = this.#byHandle.get(handle);
    if (e === undefined) return false;
    e.users++;
    return true;
  }

  /** What the state file keeps, so a later daemon can take the loaded tables over. */
  snapshot(): { next: number; profiles: ProfileHandleState[] } {
    return {
      next: this.#next,
      profiles: [...this.#byHandle.values()].map((e) => ({
        handle: e.handle,
        tableId: e.tableId,
        users: e.users,
        ref: e.ref,
      })),
    };
  }

  /**
   * Takes over profiles an earlier daemon loaded (their tables are pinned and in force) with no
   * users yet: each session or rule restored retains its handle.
   */
  adopt(next: number, profiles: readonly ProfileHandleState[]): void {
    this.#next = Math.max(this.#next, next);
    for (const p of profiles) {
      this.#kernel.adoptProfile(p.handle, p.ref.profile, p.tableId);
      const e: Entry = { handle: p.handle, key: keyOf(p.ref), ref: p.ref, users: 0, tableId: p.tableId };
      this.#byKey.set(e.key, e);
      this.#byHandle.set(e.handle, e);
      this.#next = Math.max(this.#next, p.handle + 1);
    }
  }

  /** Unloads adopted profiles no restored session or rule took (their sessions ended meanwhile). */
  dropUnused(): void {
    for (const e of [...this.#byHandle.values()]) {
      if (e.users > 0) continue;
      this.#byHandle.delete(e.handle);
      this.#byKey.delete(e.key);
      this.#kernel.unloadProfile(e.handle);
    }
  }

  /**
   * Reloads every profile from its source with `load`. Each one is swapped atomically in the
   * kernel; one that fails to load or compile keeps its old tables and is reported.
   */
  reload(load: (ref: ProfileRef) => ProfileRef): ReloadResult {
    const result: ReloadResult = { reloaded: [], failed: [] };
    for (const e of [...this.#byHandle.values()]) {
      try {
        const fresh = load(e.ref);
        const report = this.#load(e.handle, fresh);
        this.#byKey.delete(e.key);
        e.ref = fresh;
        e.key = keyOf(fresh);
        e.tableId = report.tableId;
        this.#byKey.set(e.key, e);
        result.reloaded.push({ name: fresh.name, source: fresh.source, tableId: report.tableId });
      } catch (err) {
        result.failed.push({ name: e.ref.name, source: e.ref.source, error: errorBody(err) });
      }
    }
    return result;
  }
}

/** Loads a profile again from where it came from, with the same variables (for reload). */
export function reloadProfile(ref: ProfileRef): ProfileRef {
  const { profile } = loadProfileSource(ref.source, ref.vars);
  return { ...ref, name: profile.name, profile };
}
