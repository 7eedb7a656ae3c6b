// Writes compiled policy tables into a loaded BPF object, several profiles at once (one profile
// handle each), and swaps them atomically on reload: the new tables go under a free table id,
// one write to policy_active flips the handle, an RCU barrier waits out running lookups, then the
// old entries go. A failed compile or write leaves the old tables in force and untouched. With
// denied inodes on (the agent object), each load also enters the files the denied rules name now
// (src/policy/deny-inodes.ts) under the new table id, and a swap or unload deletes the old ones.
import type { BpfObject } from '../bridge/bpf-object.js';
import { encodeStruct } from '../wire/struct-layout.js';
import {
  POLICY_BATCH_BYTES,
  POLICY_BATCH_MAX,
  POLICY_TABLES,
  PolicyBatchCtx,
  PolicyTable,
} from '../wire/wire-layout.js';
import { compileTables } from '../policy/compile-tables.js';
import type { CompiledTables, TableFigures } from '../policy/compile-tables.js';
import { POLICY_MAPS, type MapWrite, type PolicyMapName } from '../policy/policy-maps.js';
import { denyInodeWrites, type InodeFigures } from '../policy/deny-inodes.js';
import type { MatcherInput } from '../policy/evaluate.js';
import { decodeVerdict, encodeQuery } from '../policy/kernel-query.js';
import type { KernelDecision } from '../policy/kernel-query.js';
import type { Profile } from '../policy/profile-types.js';
import { VigilError } from '../errors.js';

/** The BPF_PROG_RUN program of kernel/policy/matcher_test.bpf.c and its maps. */
export const MATCH_PROGRAM = 'policy_match_batch';
const BATCH_IN = 'policy_batch_in';
const BATCH_OUT = 'policy_batch_out';

// Tries and hashes must lose their entries; array rows are unreachable once the header is gone.
const DELETED: readonly PolicyMapName[] = [
  POLICY_MAPS.prefix,
  POLICY_MAPS.suffix,
  POLICY_MAPS.contain,
  POLICY_MAPS.nets,
  POLICY_MAPS.inodes,
  POLICY_MAPS.reactive,
];

/** What one table id holds: the compiled tables and the denied inodes written with them. */
interface Written {
  readonly tableId: number;
  readonly writes: readonly MapWrite[];
  /**
   * Adopted from an earlier daemon: the profile its keys are compiled from when they are removed
   * (the compiler is deterministic), and its inode entries are found by scanning for the table id.
   */
  readonly adopted?: Profile;
}

interface Live {
  readonly profile: Profile;
  readonly written: Written;
}

export interface PolicyTablesOptions {
  /**
   * Also fill policy_inodes from the filesystem at each load (the agent object: its file hooks
   * read it). Off for the matcher's BPF_PROG_RUN object, which decides paths only.
   */
  readonly denyInodes?: boolean;
}

export interface LoadReport {
  readonly handle: number;
  readonly tableId: number;
  readonly previousTableId: number | undefined;
  readonly figures: TableFigures;
  /** the denied-inode table; undefined when not filled (PolicyTablesOptions.denyInodes) */
  readonly inodes: InodeFigures | undefined;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

export class PolicyTables {
  readonly #obj: BpfObject;
  readonly #live = new Map<number, Live>();
  readonly #denyInodes: boolean;

  /** `obj` is loaded and holds the maps of kernel/policy/policy_maps.h. */
  constructor(obj: BpfObject, options: PolicyTablesOptions = {}) {
    this.#obj = obj;
    this.#denyInodes = options.denyInodes === true;
  }

  /** Table ids in use (live profiles). */
  usedTableIds(): number[] {
    return [...this.#live.values()].map((l) => l.written.tableId);
  }

  profile(handle: number): Profile | undefined {
    return this.#live.get(handle)?.profile;
  }

  /**
   * Loads (or reloads) a profile under `handle`. Compile errors (ProfileCompileError) and write
   * errors are thrown with the previous tables still in force.
   */
  load(handle: number, profile: Profile): LoadReport {
    const used = new Set(this.usedTableIds());
    let tableId = -1;
    for (let id = 0; id < POLICY_TABLES; id++) {
      if (!used.has(id)) {
        tableId = id;
        break;
      }
    }
    if (tableId < 0) {
      throw new VigilError(
        'VIGIL_POLICY_TABLES_FULL',
        `all ${POLICY_TABLES} kernel table ids are in use: unload a profile before loading another`,
      );
    }
    const tables: CompiledTables = compileTables(profile, tableId);
    const inodes = this.#denyInodes ? denyInodeWrites(profile, tableId) : undefined;
    // the header stays last (#write): the inodes are in place before the table is valid
    const written: Written = { tableId, writes: [...(inodes?.writes ?? []), ...tables.writes] };
    try {
      this.#write(written.writes);
    } catch (err) {
      this.#remove(written);
      throw err;
    }
    const previous = this.#live.get(handle);
    this.#obj.map(POLICY_MAPS.active).set(u32(handle), u32(tableId));
    this.#live.set(handle, { profile, written });
    if (previous !== undefined) {
      this.#barrier();
      this.#remove(previous.written);
    }
    return {
      handle,
      tableId,
      previousTableId: previous?.written.tableId,
      figures: tables.figures,
      inodes: inodes?.figures,
    };
  }

  /**
   * Takes over a profile an earlier daemon loaded under `handle` at `tableId` (the maps are
   * pinned): nothing is written or compiled now (a re-adopting daemon is on the fail-closed
   * clock); a later reload or unload compiles the keys again to remove them.
   */
  adopt(handle: number, profile: Profile, tableId: number): void {
    this.#live.set(handle, { profile, written: { tableId, writes: [], adopted: profile } });
  }

  /** Removes a profile: the handle stops resolving (the matcher fails closed), then its entries go. */
  unload(handle: number): void {
    const live = this.#live.get(handle);
    if (live === undefined) return;
    this.#obj.map(POLICY_MAPS.active).delete(u32(handle));
    this.#live.delete(handle);
    this.#barrier();
    this.#remove(live.written);
  }

  /** Runs the kernel matcher on one input (the object must hold the policy_match_batch program). */
  explain(handle: number, input: MatcherInput): KernelDecision {
    return this.explainMany(handle, [input])[0] as KernelDecision;
  }

  /** Runs the kernel matcher on many inputs, as few BPF_PROG_RUNs as the batch map allows. */
  explainMany(handle: number, inputs: readonly MatcherInput[]): KernelDecision[] {
    const out: KernelDecision[] = [];
    const records = inputs.map((i) => encodeQuery(handle, i));
    let start = 0;
    while (start < records.length) {
      let end = start;
      let bytes = 0;
      while (
        end < records.length &&
        end - start < POLICY_BATCH_MAX &&
        bytes + (records[end] as Buffer).length <= POLICY_BATCH_BYTES
      ) {
        bytes += (records[end] as Buffer).length;
        end++;
      }
      const blob = Buffer.alloc(POLICY_BATCH_BYTES);
      Buffer.concat(records.slice(start, end)).copy(blob);
      this.#obj.map(BATCH_IN).set(u32(0), blob);
      this.#obj.testRun(MATCH_PROGRAM, encodeStruct(PolicyBatchCtx, { count: end - start, bytes }));
      const res = this.#obj.map(BATCH_OUT).get(u32(0));
      const done = res?.readUInt32LE(0) ?? 0;
      if (res === undefined || done !== end - start) {
        throw new VigilError(
          'VIGIL_POLICY_MATCH',
          `${MATCH_PROGRAM} decided ${done} of ${end - start} queries`,
        );
      }
      for (let i = start; i < end; i++) {
        out.push(decodeVerdict((inputs[i] as MatcherInput).kind, res.readUInt32LE(8 + 4 * (i - start))));
      }
      start = end;
    }
    return out;
  }

  #write(writes: readonly MapWrite[]): void {
    // In the compiler's order, grouped per map; the header (policy_tables) comes last.
    const groups = new Map<PolicyMapName, [Buffer, Buffer][]>();
    for (const w of writes) {
      const g = groups.get(w.map) ?? [];
      g.push([w.key, w.value]);
      groups.set(w.map, g);
    }
    const header = groups.get(POLICY_MAPS.tables);
    groups.delete(POLICY_MAPS.tables);
    for (const [map, entries] of groups) this.#obj.map(map).setMany(entries);
    if (header !== undefined) this.#obj.map(POLICY_MAPS.tables).setMany(header);
  }

  /** Invalidates a table id's header and deletes its trie and inode entries (best effort on each). */
  #remove(written: Written): void {
    this.#obj.map(POLICY_MAPS.tables).set(u32(written.tableId), Buffer.alloc(PolicyTable.size));
    const writes =
      written.adopted === undefined ? written.writes : compileTables(written.adopted, written.tableId).writes;
    for (const map of DELETED) {
      const keys = writes.filter((w) => w.map === map).map((w) => w.key);
      if (written.adopted !== undefined && map === POLICY_MAPS.inodes) {
        // struct vigil_policy_inode_key starts with the table id
        for (const k of this.#obj.map(map).keys()) if (k.readUInt32LE(0) === written.tableId) keys.push(k);
      }
      if (keys.length > 0) this.#obj.map(map).deleteMany(keys);
    }
  }

  /** Waits until no program can still be reading what was just unlinked (see policy_maps.h). */
  #barrier(): void {
    const inner = this.#obj.map('policy_barrier_inner');
    this.#obj.map('policy_barrier').set(u32(0), u32(inner.fd()));
  }
}
