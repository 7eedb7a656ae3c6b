// The kernel matcher's cost per query and the verifier's time for the programs that run it, for
// profiles with many "a folder anywhere" patterns (`/**/.aws/**`): decided by the component-run
// trie, against the same patterns written so that they take the path automaton (`/**/[.]aws/**`
// means the same, but a class is not a literal) as every such pattern did before the trie.
// Ratios are taken in one run. `node dist/src/bench/matcher.js [--quick]`.
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';

import { BpfObject } from '../bridge/bpf-object.js';
import { MATCH_PROGRAM, PolicyTables } from '../loader/policy-tables.js';
import { encodeQuery } from '../policy/kernel-query.js';
import { encodeStruct } from '../wire/struct-layout.js';
import { POLICY_BATCH_BYTES, PolicyBatchCtx } from '../wire/wire-layout.js';
import type { MatcherInput } from '../policy/evaluate.js';
import { loadProfileText } from '../policy/load-profile.js';
import { ProfileCompileError } from '../policy/compile-errors.js';
import { bpfObjectPath } from '../system/paths.js';
import { programLoadTimes } from './startup.js';

export interface MatcherRow {
  readonly variant: string;
  readonly patterns: number;
  readonly runs: number;
  readonly automatonStates: number | null; // null: refused
  readonly nsPerQuery: number | null;
  readonly note: string;
}

const NAMES = ['.aws', '.gnupg', '.gcp', '.age', '.anthropic', '.azure', '.kube', '.docker', '.terraform.d'];

function profileText(count: number, viaAutomaton: boolean): string {
  const names = Array.from({ length: count }, (_, i) => NAMES[i] ?? `.secret-${i}`);
  const write = (n: string) => (viaAutomaton ? `[${n.slice(0, 1)}]${n.slice(1)}` : n);
  const rules = names.map((n) => `  - "/**/${write(n)}/**"\n`).join('');
  return `name: runs-${count}\nextends: claude-code\n` + (count === 0 ? '' : `denied_paths:\n${rules}`);
}

/** Typical opens of an agent: sources, node_modules, caches, and now and then a denied folder. */
function queries(n: number): MatcherInput[] {
  const home = homedir();
  const paths = [
    `${home}/proj/src/index.ts`,
    `${home}/proj/node_modules/yaml/dist/index.js`,
    `${home}/.cache/pip/http/a/b/c/d/e`,
    '/usr/lib/x86_64-linux-gnu/libc.so.6',
    '/etc/ld.so.cache',
    `${home}/proj/.aws/credentials`,
    `${home}/.config/gcloud/application_default_credentials.json`,
    '/tmp/build/obj/a/b/c/d/e/f/g/h/main.o',
  ];
  return Array.from({ length: n }, (_, i) => ({
    kind: 'open' as const,
    path: paths[i % paths.length] as string,
    access: i % 3 === 0 ? ('write' as const) : ('read' as const),
  }));
}

export function measureMatcher(quick: boolean): MatcherRow[] {
  const obj = BpfObject.open(bpfObjectPath('policy/matcher_test.bpf.o'));
  const rows: MatcherRow[] = [];
  try {
    obj.load();
    const tables = new PolicyTables(obj);
    const batch = queries(2048); // one batch: the batch map holds 256 KiB of queries
    const reps = quick ? 15 : 61;
    const vars = { home: homedir(), workspace: process.cwd() };
    // every variant loaded side by side (one table id each), then measured in turns, so drift and
    // warm caches fall on all of them alike
    const loaded: { row: MatcherRow; handle: number; times: number[] }[] = [];
    let handle = 1;
    for (const count of [0, 3, 5, 7, 200]) {
      for (const viaAutomaton of count === 0 ? [false] : [false, true]) {
        const profile = loadProfileText(profileText(count, viaAutomaton), 'bench.yaml', vars);
        const written = viaAutomaton ? '`/**/[.]name/**` (automaton forced)' : '`/**/.name/**`';
        const row = {
          variant: written,
          patterns: count,
          runs: reps,
          automatonStates: null,
          nsPerQuery: null,
          note: '',
        };
        try {
          const f = tables.load(handle, profile).figures;
          const by =
            count === 0 ? '' : f.byStrategy.contains > 0 ? ': component-run trie' : ': path automaton';
          const variant = count === 0 ? 'claude-code alone' : written + by;
          loaded.push({
            row: { ...row, variant, automatonStates: f.pathStates },
            handle: handle++,
            times: [],
          });
        } catch (err) {
          if (!(err instanceof ProfileCompileError)) throw err;
          rows.push({ ...row, runs: 0, note: err.message.replace(/^.*?: /, '') });
        }
      }
    }
    // the queries encoded once per variant; only the BPF_PROG_RUN of the whole batch is timed
    const blobs = loaded.map((l) => {
      const records = Buffer.concat(batch.map((q) => encodeQuery(l.handle, q)));
      const blob = Buffer.alloc(POLICY_BATCH_BYTES);
      records.copy(blob);
      return { blob, ctx: encodeStruct(PolicyBatchCtx, { count: batch.length, bytes: records.length }) };
    });
    const zero = Buffer.alloc(4);
    const runOnce = (k: number): number => {
      const b = blobs[k] as (typeof blobs)[number];
      obj.map('policy_batch_in').set(zero, b.blob);
      const t0 = process.hrtime.bigint();
      obj.testRun(MATCH_PROGRAM, b.ctx);
      const ns = Number(process.hrtime.bigint() - t0);
      if (obj.map('policy_batch_out').get(zero)?.readUInt32LE(0) !== batch.length)
        throw new Error('the matcher did not decide the whole batch');
      return ns / batch.length;
    };
    loaded.forEach((_, k) => runOnce(k)); // warm
    for (let r = 0; r < reps; r++) loaded.forEach((l, k) => l.times.push(runOnce(k)));
    for (const l of loaded) {
      l.times.sort((a, b) => a - b);
      rows.push({ ...l.row, nsPerQuery: l.times[l.times.length >> 1] ?? NaN });
      tables.unload(l.handle);
    }
  } finally {
    obj.close();
  }
  return rows.sort((a, b) => a.patterns - b.patterns);
}

export function renderMatcher(
  rows: readonly MatcherRow[],
  loads: readonly { program: string; ms: number }[],
): string {
  const base = rows.find((r) => r.patterns === 0)?.nsPerQuery ?? NaN;
  const lines = [
    '| `/**/NAME/**` patterns (+ claude-code) | written as: decided by | path automaton states | ns per query (median) | vs claude-code alone |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) =>
      r.nsPerQuery === null
        ? `| ${r.patterns} | ${r.variant} | refused | - | ${r.note} |`
        : `| ${r.patterns} | ${r.variant} | ${r.automatonStates} | ${r.nsPerQuery.toFixed(0)} | ${(r.nsPerQuery / base).toFixed(2)}x |`,
    ),
    '',
    '| program (agent object) | load time, ms (verifier, median) |',
    '| --- | --- |',
    ...loads.map((l) => `| ${l.program} | ${l.ms < 0 ? 'refused' : l.ms.toFixed(1)} |`),
  ];
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.argv.includes('--quick');
  const rows = measureMatcher(quick);
  const loads = programLoadTimes('agent', bpfObjectPath('agent/vigil.bpf.o'), quick ? 1 : 3);
  console.log(renderMatcher(rows, loads));
}
