// Where the cost on processes vigil does not watch comes from: each hook shape attached alone
// (no daemon, nothing watched), timed against no hook at all in the same round, rounds
// alternating which goes first. Agent variants load the agent object with only some programs;
// probe variants load bench/c/overhead.bpf.c, hook shapes the agent could use instead.
// Used by run.ts (section 5 of the report); `node dist/src/bench/overhead.js` runs it alone.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { BpfObject } from '../bridge/bpf-object.js';
import type { BpfLink } from '../bridge/bpf-link.js';
import { requireCgroup2Root } from '../system/cgroup.js';
import { ensureMount } from '../system/mounts.js';
import { bpfObjectPath } from '../system/paths.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

const FILE_TPS = ['openat', 'openat2', 'open', 'creat'].flatMap((s) => [
  `vigil_enter_${s}`,
  `vigil_exit_${s}`,
]);
const PROCESS = ['vigil_fork', 'vigil_exec', 'vigil_exit'];
const CGROUP = ['vigil_connect4', 'vigil_connect6', 'vigil_sendmsg4', 'vigil_sendmsg6', 'vigil_sock_create'];

export interface Variant {
  name: string;
  object: 'agent' | 'probe';
  programs: string[];
}

export const VARIANTS: Variant[] = [
  {
    name: 'agent: every program (as the daemon attaches it)',
    object: 'agent',
    programs: [...PROCESS, ...FILE_TPS, ...CGROUP],
  },
  { name: 'agent: the 8 open/openat/openat2/creat tracepoints', object: 'agent', programs: FILE_TPS },
  {
    name: 'agent: openat enter+exit tracepoints only',
    object: 'agent',
    programs: ['vigil_enter_openat', 'vigil_exit_openat'],
  },
  { name: 'agent: fork, exec, exit (tp_btf)', object: 'agent', programs: PROCESS },
  { name: 'agent: cgroup socket hooks', object: 'agent', programs: CGROUP },
  {
    name: 'probe: openat tracepoints, empty',
    object: 'probe',
    programs: ['perf_enter_empty', 'perf_exit_empty'],
  },
  {
    name: 'probe: openat tracepoints, lineage check',
    object: 'probe',
    programs: ['perf_enter_lineage', 'perf_exit_lookup'],
  },
  {
    name: 'probe: tp_btf sys_enter+sys_exit, empty',
    object: 'probe',
    programs: ['btf_enter_empty', 'btf_exit_empty'],
  },
  {
    name: 'probe: tp_btf sys_enter+sys_exit, nr dispatch + lineage check',
    object: 'probe',
    programs: ['btf_enter_lineage', 'btf_exit_lookup'],
  },
  {
    name: 'probe: tp_btf sys_enter, lineage check on every syscall',
    object: 'probe',
    programs: ['btf_enter_lineage_all'],
  },
  {
    name: 'probe: raw_tp sys_enter+sys_exit, nr dispatch + lineage check',
    object: 'probe',
    programs: ['raw_enter_lineage', 'raw_exit_lookup'],
  },
];

export interface OverheadRow {
  variant: string;
  mode: 'open' | 'exec';
  rep: number;
  baseNs: number;
  hookedNs: number;
}

export interface OverheadOptions {
  /** the compiled bench/c/ops.c */
  ops: string;
  /** an allowed file to open */
  file: string;
  /** folder for the compiled probe object */
  work: string;
  reps: number;
  openN: number;
  execN: number;
  variants?: Variant[];
  log?: (s: string) => void;
}

/** ns per operation of one ops run (the helper waits for one byte on stdin). */
function opsNs(ops: string, args: string[]): number {
  const r = spawnSync(ops, args, { input: 'x', encoding: 'utf8' });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) throw new Error(`${ops} ${args.join(' ')}: ${r.stderr}`);
  const j = JSON.parse(last) as { ns: number; n: number };
  return j.ns / j.n;
}

export function compileProbe(work: string): string {
  const out = join(work, 'overhead.bpf.o');
  const r = spawnSync(
    'clang',
    [
      '-g',
      '-O2',
      '-target',
      'bpf',
      '-mcpu=v3',
      '-D__TARGET_ARCH_x86',
      '-Wall',
      '-Werror',
      `-I${join(repo, 'build')}`,
      `-I${join(repo, 'kernel/include')}`,
      `-I${join(repo, 'kernel/lib')}`,
      '-c',
      join(repo, 'bench/c/overhead.bpf.c'),
      '-o',
      out,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`clang overhead.bpf.c: ${r.stderr}`);
  return out;
}

export function measureOverhead(o: OverheadOptions): OverheadRow[] {
  ensureMount('tracefs');
  const cgroupPath = requireCgroup2Root();
  const probe = compileProbe(o.work);
  const rows: OverheadRow[] = [];
  for (const v of o.variants ?? VARIANTS) {
    o.log?.(`overhead: ${v.name}`);
    const obj = BpfObject.open(v.object === 'agent' ? bpfObjectPath('agent/vigil.bpf.o') : probe);
    try {
      obj.selectPrograms(v.programs);
      obj.load();
      for (let rep = 0; rep < o.reps; rep++) {
        for (const [mode, args] of [
          ['open', ['open', String(o.openN), o.file]],
          ['exec', ['exec', String(o.execN)]],
        ] as const) {
          const timeHooked = () => {
            const links: BpfLink[] = v.programs.map((p) => obj.attach(p, { cgroupPath }));
            try {
              return opsNs(o.ops, [...args]);
            } finally {
              for (const l of links) l.destroy();
            }
          };
          // alternate which goes first, so a drift over the round does not favour either
          let baseNs: number, hookedNs: number;
          if (rep % 2 === 0) {
            baseNs = opsNs(o.ops, [...args]);
            hookedNs = timeHooked();
          } else {
            hookedNs = timeHooked();
            baseNs = opsNs(o.ops, [...args]);
          }
          rows.push({ variant: v.name, mode, rep, baseNs, hookedNs });
        }
      }
    } finally {
      obj.close();
    }
  }
  return rows;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 === 1 ? (s[m] ?? NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

/** One markdown table: per variant and call, median ns without and with, added ns and %. */
export function renderOverhead(rows: OverheadRow[]): string {
  const out = [
    '| hooks attached (nothing watched, no daemon) | call | no hook | hooked | added (median of pairs) | added % (median of pairs) |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ];
  const names = [...new Set(rows.map((r) => r.variant))];
  for (const name of names)
    for (const mode of ['open', 'exec'] as const) {
      const rs = rows.filter((r) => r.variant === name && r.mode === mode);
      if (rs.length === 0) continue;
      const base = median(rs.map((r) => r.baseNs));
      const hooked = median(rs.map((r) => r.hookedNs));
      const added = median(rs.map((r) => r.hookedNs - r.baseNs));
      const pct = median(rs.map((r) => (r.hookedNs / r.baseNs - 1) * 100));
      const fmt = (ns: number) =>
        Math.abs(ns) >= 10_000 ? `${(ns / 1000).toFixed(1)} µs` : `${ns.toFixed(0)} ns`;
      out.push(`| ${name} | ${mode} | ${fmt(base)} | ${fmt(hooked)} | ${fmt(added)} | ${pct.toFixed(1)}% |`);
    }
  return `${out.join('\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const work = mkdtempSync(join(tmpdir(), 'vigil-overhead-'));
  try {
    const ops = join(work, 'ops');
    const file = join(work, 'data.txt');
    writeFileSync(file, 'data\n');
    const cc = spawnSync('cc', ['-O2', '-o', ops, join(repo, 'bench/c/ops.c'), '-lpthread'], {
      encoding: 'utf8',
    });
    if (cc.status !== 0) throw new Error(cc.stderr);
    const only = process.env.VIGIL_OVERHEAD_ONLY;
    const rows = measureOverhead({
      ops,
      file,
      work,
      reps: Number(process.env.VIGIL_BENCH_REPS ?? 5),
      openN: Number(process.env.VIGIL_OVERHEAD_OPEN_N ?? 200_000),
      execN: Number(process.env.VIGIL_OVERHEAD_EXEC_N ?? 300),
      variants: only === undefined ? VARIANTS : VARIANTS.filter((v) => v.name.includes(only)),
      log: (s) => process.stderr.write(`${s}\n`),
    });
    process.stdout.write(renderOverhead(rows));
    if (process.env.VIGIL_OVERHEAD_JSON !== undefined)
      writeFileSync(process.env.VIGIL_OVERHEAD_JSON, JSON.stringify(rows, null, 2));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
