// `npm run bench`: vigil's overhead and throughput, every figure a ratio to a baseline measured
// in the same run, repeated (min and median). Writes bench-results/report.md and results.json.
// VIGIL_BENCH_QUICK=1: a ~3 minute smoke run; VIGIL_BENCH_REPS=N overrides the repetitions (3).
// Needs root, the built BPF objects and dist/. See docs/benchmarks.md.
import type { FileOpenVolume } from '../wire/file-events.js';
import { measureFailClosed, type FailClosedRun } from './fail-closed.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import type { HostStats } from './daemon-host.js';
import { measureOverhead } from './overhead.js';
import { renderReport, type Results, type Sample } from './report.js';
import { programLoadTimes } from './startup.js';
import { measureWatchedKernel } from './watched-kernel.js';
import { measureCliStart } from './cli-start.js';
import { measureDnsLatency } from './dns-latency.js';
import { measureSniProxy } from './sni-proxy.js';
import { bpfObjectPath } from '../system/paths.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const quick = process.env.VIGIL_BENCH_QUICK === '1';
const reps = Number(process.env.VIGIL_BENCH_REPS ?? (quick ? 2 : 3));
const pipelineSeconds = quick ? 0.5 : 2;

const MODES = {
  open: { n: quick ? 50_000 : 100_000, what: 'open+close of an allowed file' },
  denied: { n: quick ? 20_000 : 30_000, what: 'open of a denied file' },
  connect: { n: quick ? 3_000 : 6_000, what: 'socket+connect+close to a loopback listener' },
  exec: { n: quick ? 100 : 200, what: 'fork+execve(/bin/true)+wait' },
} as const;
type Mode = keyof typeof MODES;

function sh(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || String(r.error)}`);
  return r.stdout;
}

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 === 1 ? (s[m] ?? NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

// --- the daemon host ---------------------------------------------------------------------

class Host {
  readonly child: ChildProcess;
  readonly #rl: Interface;
  readonly #waiting: ((v: Record<string, unknown>) => void)[] = [];

  private constructor(child: ChildProcess) {
    this.child = child;
    if (child.stdout === null) throw new Error('no stdout');
    this.#rl = createInterface({ input: child.stdout });
    this.#rl.on('line', (l) => this.#waiting.shift()?.(JSON.parse(l) as Record<string, unknown>));
  }

  static async start(
    audit: string,
    countPath: string,
  ): Promise<{ host: Host; ready: Record<string, unknown> }> {
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(repo, 'dist/src/bench/daemon-host.js'), audit, countPath], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    child.setMaxListeners(0);
    live.add(child);
    const host = new Host(child);
    const ready = await host.#next();
    if (ready.ready !== true) throw new Error(`daemon host: ${JSON.stringify(ready)}`);
    return { host, ready: { ...ready, spawnToReadyMs: performance.now() - t0 } };
  }

  #next(): Promise<Record<string, unknown>> {
    return new Promise((res, rej) => {
      this.#waiting.push(res);
      this.child.once('exit', (c) => {
        rej(new Error(`daemon host exited (${c})`));
      });
    });
  }

  async request(req: object): Promise<Record<string, unknown>> {
    const p = this.#next();
    this.child.stdin?.write(`${JSON.stringify(req)}\n`);
    const r = await p;
    if (r.ok !== true) throw new Error(`daemon host: ${JSON.stringify(r)}`);
    return r;
  }

  async stats(): Promise<HostStats> {
    return (await this.request({ op: 'stats' })).stats as HostStats;
  }

  async stop(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    await this.request({ op: 'stop' });
    await exited;
    live.delete(this.child);
  }
}

const live = new Set<ChildProcess>();
const shmDirs: string[] = [];

// --- one gated helper run ----------------------------------------------------------------

interface OpsResult {
  ns: number;
  n?: number;
  ok?: number;
  fail?: number;
  errno?: string;
  status?: number;
  killed?: string;
}

async function gated(
  argv: string[],
  watch?: { host: Host; profile: string; attachMs?: number[]; fileEvents?: FileOpenVolume },
): Promise<OpsResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('empty command');
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<[number | null, string | null]>((r) =>
    child.once('exit', (c, s) => {
      r([c, s]);
    }),
  );
  if (watch !== undefined && child.pid !== undefined) {
    const r = await watch.host.request({
      op: 'attach',
      pid: child.pid,
      profile: watch.profile,
      ...(watch.fileEvents === undefined ? {} : { fileEvents: watch.fileEvents }),
    });
    watch.attachMs?.push(Number(r.ms));
  }
  const t0 = performance.now();
  child.stdin.end('x');
  const [code, signal] = await exited;
  if (process.env.VIGIL_BENCH_VERBOSE === '1')
    process.stderr.write(
      `  ${(performance.now() - t0).toFixed(0)} ms ${watch?.profile ?? ''} ${argv.join(' ').slice(-60)}\n`,
    );
  live.delete(child);
  if (signal !== null) return { ns: NaN, killed: signal };
  const last = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !last.startsWith('{')) throw new Error(`${argv.join(' ')}: exit ${code}: ${err}${out}`);
  return JSON.parse(last) as OpsResult;
}

// --- peers and the machine ---------------------------------------------------------------

// The tracepoints vigil's agent object uses, and connect (vigil's cgroup hooks see connects);
// every event of the helper and its children is counted, as vigil's hooks would look it up.
const BPFTRACE_PROBE = [
  ['openat', 'openat2', 'open', 'creat'].flatMap((s) => [
    `tracepoint:syscalls:sys_enter_${s}`,
    `tracepoint:syscalls:sys_exit_${s}`,
  ]),
  'tracepoint:syscalls:sys_enter_connect',
  'tracepoint:sched:sched_process_fork',
  'tracepoint:sched:sched_process_exec',
  'tracepoint:sched:sched_process_exit',
]
  .flat()
  .join(',')
  .concat(' /comm == "ops" || comm == "true"/ { @[probe] = count(); }');

/** The event that shows the bpftrace peer saw every call of a mode. */
const BPFTRACE_EVIDENCE: Record<Mode, string> = {
  open: 'sys_enter_openat',
  denied: 'sys_enter_openat',
  connect: 'sys_enter_connect',
  exec: 'sched_process_exec',
};

/** What the bpftrace peer counted: proof that its probes ran on every call. */
function bpftraceNote(file: string, mode: Mode, n: number): string {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return 'bpftrace wrote no counts';
  }
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/@\[tracepoint:\w+:(\w+)\]: (\d+)/g)) counts.set(m[1] ?? '', Number(m[2]));
  const want = BPFTRACE_EVIDENCE[mode];
  return `counted ${counts.get(want) ?? 0} ${want} (${n} calls + ${Math.max(1, Math.floor(n / 10))} warm-up)`;
}

/** BPF links on the machine that are not the bench's (called when the bench has none). */
function foreignBpfLinks(): number {
  const r = spawnSync('bpftool', ['-j', 'link', 'list'], { encoding: 'utf8' });
  if (r.status !== 0) return NaN;
  try {
    return (JSON.parse(r.stdout || '[]') as unknown[]).length;
  } catch {
    return NaN;
  }
}

// --- setup -------------------------------------------------------------------------------

function worstProfile(): string {
  const L: string[] = [
    'name: worst-case',
    "version: '1'",
    'description: Generated by the bench, hundreds of rules with globs.',
    'mode: enforce',
    'default_policy:',
    '  paths: allow',
    '  networks: deny',
    '  commands: allow',
    'denied_paths:',
    "  - '/**/.env'",
  ];
  for (let i = 0; i < 80; i++) L.push(`  - '/srv/secret-${i}/**'`);
  for (let i = 0; i < 80; i++) L.push(`  - '/**/*.key${i}'`);
  for (let i = 0; i < 30; i++) L.push(`  - '/home/*/proj${i}/**/*.pem'`);
  for (let i = 0; i < 60; i++) L.push(`  - '~/.cred${i}/**'`);
  L.push('allowed_paths:', "  - '${WORKSPACE}/**'", "  - '/tmp/**'", "  - '/dev/**'", "  - '/proc/**'");
  L.push("  - pattern: '/usr/**'", '    access: read', "  - pattern: '/etc/**'", '    access: read');
  for (let i = 0; i < 100; i++) L.push(`  - '/opt/app${i}/**'`);
  for (let i = 0; i < 100; i++) L.push(`  - '/**/build${i}.lock'`);
  L.push('allowed_networks:', "  - '127.0.0.0/8'");
  for (let i = 0; i < 100; i++) L.push(`  - '10.${i}.0.0/16'`);
  L.push('denied_commands:');
  for (let i = 0; i < 100; i++) L.push(`  - '/**/evil${i}'`);
  return `${L.join('\n')}\n`;
}

function makeTree(dir: string, dirs: number, files: number): void {
  for (let d = 0; d < dirs; d++) {
    const sub = join(dir, `pkg${d}`, 'src');
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < files; f++)
      writeFileSync(join(sub, `mod${f}.ts`), `// module ${d}/${f}\n${'export const x = 1;\n'.repeat(40)}`);
  }
  const git = ['-c', 'user.email=bench@vigil', '-c', 'user.name=bench'];
  sh('git', ['init', '-q'], dir);
  sh('git', ['add', '-A'], dir);
  sh('git', [...git, 'commit', '-q', '-m', 'tree'], dir);
  for (let d = 0; d < dirs; d += 4)
    for (let f = 0; f < files; f += 10) writeFileSync(join(dir, `pkg${d}`, 'src', `mod${f}.ts`), 'changed\n');
}

// --- main --------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the bench needs root (it loads BPF programs)');
  const began = performance.now();
  const work = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  chmodSync(work, 0o755);
  const cleanup = () => {
    for (const c of live) c.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
    for (const d of shmDirs) rmSync(d, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    await runAll(work, began);
  } finally {
    cleanup();
  }
}

async function runAll(work: string, began: number): Promise<void> {
  const bin = join(work, 'bin');
  mkdirSync(bin);
  const ops = join(bin, 'ops');
  const llr = join(bin, 'landlock-run');
  sh('cc', ['-O2', '-Wall', '-Werror', '-o', ops, join(repo, 'bench/c/ops.c'), '-lpthread']);
  sh('cc', ['-O2', '-Wall', '-Werror', '-o', llr, join(repo, 'bench/c/landlock-run.c')]);
  mkdirSync(join(work, 'allowed'));
  mkdirSync(join(work, 'secret'));
  const allowed = join(work, 'allowed', 'data.txt');
  const denied = join(work, 'secret', '.env');
  writeFileSync(allowed, 'data\n');
  writeFileSync(denied, 'TOKEN=x\n');
  const worst = join(work, 'worst-case.yaml');
  writeFileSync(worst, worstProfile());
  // system-call and macro phases: audit file on tmpfs (a BLOCK line is fsynced before the next,
  // on disk that would time the disk); the pipeline phase writes to the work folder's disk
  const shm = mkdtempSync('/dev/shm/vigil-bench-');
  shmDirs.push(shm);
  const audit = join(shm, 'audit.jsonl');
  const diskAudit = join(work, 'audit.jsonl');

  // Every peer runs the same calls, the same number of times, as the baseline.
  const btOut = join(work, 'bpftrace.out');
  const peers: Record<string, { wrap: string[] } | { missing: string }> = {
    strace: has('strace')
      ? { wrap: ['strace', '-f', '-qq', '-o', '/dev/null', '-e', 'trace=openat,connect,execve'] }
      : { missing: 'apt-get install strace' },
    // the tracepoints vigil's agent object attaches (file opens, fork/exec/exit) and connect,
    // each event counted in a map for the helper and its children; the counts are checked
    bpftrace: has('bpftrace')
      ? {
          wrap: ['bpftrace', '-q', '-o', btOut, '-e', BPFTRACE_PROBE, '-c'],
        }
      : { missing: 'apt-get install bpftrace' },
    landlock: {
      wrap: [
        llr,
        '/usr',
        '/bin',
        '/lib',
        '/lib64',
        '/etc',
        '/dev',
        '/proc',
        join(work, 'allowed'),
        bin,
        '--',
      ],
    },
    bwrap: has('bwrap')
      ? {
          wrap: [
            'bwrap',
            '--ro-bind',
            '/',
            '/',
            '--dev',
            '/dev',
            '--proc',
            '/proc',
            '--tmpfs',
            join(work, 'secret'),
          ],
        }
      : { missing: 'apt-get install bubblewrap' },
  };

  const modeArgs = (m: Mode, n: number): string[] =>
    m === 'open'
      ? [ops, m, String(n), allowed]
      : m === 'denied'
        ? [ops, m, String(n), denied]
        : [ops, m, String(n)];
  const syscalls: Sample[] = [];
  const startups: Record<string, number>[] = [];
  const rssIdle: number[] = [];
  const record = (mode: Mode, config: string, rep: number, r: OpsResult, note = '') => {
    syscalls.push({
      mode,
      config,
      rep,
      nsPerOp: r.n === undefined ? NaN : r.ns / r.n,
      ok: r.ok ?? 0,
      fail: r.fail ?? 0,
      errno: r.errno ?? '',
      killed: r.killed ?? '',
      note,
    });
  };
  const attachMs: number[] = [];
  const foreignLinks: number[] = [];
  const load: number[] = [];
  const log = (s: string) =>
    process.stderr.write(`[bench ${((performance.now() - began) / 1000).toFixed(0)}s] ${s}\n`);

  // 1. system calls: per repetition, everything without vigil, then everything with it
  // Per repetition: no vigil and the peers, then a daemon and the vigil rows, then no vigil
  // again; a vigil row's ratio is to the mean of the two no-vigil runs around it, so that a
  // drift of the machine over the repetition does not land on vigil.
  for (let rep = 0; rep < reps; rep++) {
    log(`system calls, repetition ${rep + 1}/${reps}`);
    foreignLinks.push(foreignBpfLinks());
    load.push(loadavg()[0] ?? NaN);
    for (const mode of Object.keys(MODES) as Mode[]) {
      const n = MODES[mode].n;
      record(mode, 'baseline', rep, await gated(modeArgs(mode, n)));
      for (const [name, p] of Object.entries(peers)) {
        if ('missing' in p) continue;
        if (name !== 'bpftrace') {
          record(mode, name, rep, await gated([...p.wrap, ...modeArgs(mode, n)]));
          continue;
        }
        // bpftrace -c takes the command as one string; its counts are read back
        rmSync(btOut, { force: true });
        const r = await gated([...p.wrap, modeArgs(mode, n).join(' ')]);
        record(mode, name, rep, r, bpftraceNote(btOut, mode, n));
      }
    }
    const { host, ready } = await Host.start(audit, allowed);
    startups.push(ready as Record<string, number>);
    rssIdle.push(Number(ready.rssBytes));
    // another process watched (its file hooks live), the measured one not
    const other = spawn('sleep', ['3600'], { stdio: 'ignore' });
    live.add(other);
    try {
      await new Promise((r) => setTimeout(r, 1000)); // the daemon's own start-up work settles
      for (const mode of Object.keys(MODES) as Mode[]) {
        const n = MODES[mode].n;
        record(mode, 'loaded', rep, await gated(modeArgs(mode, n)));
      }
      if (other.pid !== undefined) {
        // the first session after start: profile loaded, compiled, tables filled, process watched
        const a = await host.request({ op: 'attach', pid: other.pid, profile: 'generic' });
        const started = startups[startups.length - 1];
        if (started !== undefined) started.firstAttachMs = Number(a.ms);
      }
      for (const mode of Object.keys(MODES) as Mode[]) {
        const n = MODES[mode].n;
        record(mode, 'loaded-busy', rep, await gated(modeArgs(mode, n)));
        for (const [config, profile] of [
          ['generic', 'generic'],
          ['worst', worst],
        ] as const) {
          record(mode, config, rep, await gated(modeArgs(mode, n), { host, profile, attachMs }));
          await host.stats(); // answered once the daemon has written its backlog
        }
      }
    } finally {
      other.kill('SIGKILL');
      live.delete(other);
      await host.stop();
    }
    for (const mode of Object.keys(MODES) as Mode[])
      record(mode, 'baseline-after', rep, await gated(modeArgs(mode, MODES[mode].n)));
  }

  // 1b. where the not-watched cost comes from: hook shapes attached alone, no daemon
  log('kernel-side overhead by hook');
  const overhead = measureOverhead({
    ops,
    file: allowed,
    work,
    reps: quick ? 3 : 7,
    openN: 20_000,
    execN: quick ? 50 : 100,
  });
  // the watched open's kernel side alone: rings drained by a consumer that drops the events
  log('watched open, kernel only');
  const watchedKernel = await measureWatchedKernel(ops, allowed, quick ? 3 : 7, 20_000);
  // and where the start-up goes in the kernel: each program's load (verifier) alone
  log('start-up: load time per program');
  const programLoads = [
    ...programLoadTimes('agent', bpfObjectPath('agent/vigil.bpf.o'), quick ? 1 : 3),
    ...programLoadTimes('lsm', bpfObjectPath('lsm/vigil_lsm.bpf.o'), 1).filter(
      (p) => p.program === '(maps only)',
    ),
  ];

  // 2. macro workload: a generated tree, git, node reading every file, a compile
  log('macro: generating the tree');
  const tree = join(work, 'tree');
  mkdirSync(tree);
  makeTree(tree, quick ? 10 : 40, 100);
  const reader = join(work, 'read-all.mjs');
  writeFileSync(
    reader,
    "import { readdirSync, readFileSync } from 'node:fs';\nlet n = 0;\n" +
      'for (const f of readdirSync(process.argv[2], { recursive: true, withFileTypes: true }))\n' +
      '  if (f.isFile()) n += readFileSync(`${f.parentPath}/${f.name}`).length;\nconsole.error(n);\n',
  );
  const workloads: Record<string, string[]> = {
    'git status': ['git', '-C', tree, 'status', '--porcelain'],
    'git diff': ['git', '-C', tree, '--no-pager', 'diff', '--stat'],
    'node reads every file': [process.execPath, reader, tree],
    'cc -O2 (bench helper)': ['cc', '-O2', '-c', '-o', join(work, 'ops.o'), join(repo, 'bench/c/ops.c')],
  };
  const macro: Sample[] = [];
  const daemonCpu: { cpuMs: number; wallMs: number }[] = [];
  for (let rep = 0; rep < reps; rep++) {
    log(`macro, repetition ${rep + 1}/${reps}`);
    for (const [name, argv] of Object.entries(workloads)) {
      const r = await gated([ops, 'run', ...argv]);
      macro.push({
        mode: name,
        config: 'baseline',
        rep,
        nsPerOp: r.ns,
        ok: r.status ?? 0,
        fail: 0,
        errno: '',
        killed: '',
      });
    }
    const { host, ready } = await Host.start(audit, allowed);
    startups.push(ready as Record<string, number>);
    rssIdle.push(Number(ready.rssBytes));
    try {
      const before = await host.stats();
      const t0 = performance.now();
      for (const [name, argv] of Object.entries(workloads)) {
        const r = await gated([ops, 'run', ...argv], { host, profile: 'generic' });
        macro.push({
          mode: name,
          config: 'generic',
          rep,
          nsPerOp: r.ns,
          ok: r.status ?? 0,
          fail: 0,
          errno: '',
          killed: r.killed ?? '',
        });
      }
      const after = await host.stats();
      daemonCpu.push({
        cpuMs: (after.cpuUserUs + after.cpuSystemUs - before.cpuUserUs - before.cpuSystemUs) / 1000,
        wallMs: performance.now() - t0,
      });
    } finally {
      await host.stop();
    }
  }

  // 3. event pipeline: paced allowed opens, each one audit line, until the ring overflows
  log('event pipeline');
  const rates = quick ? [100_000, 300_000, 0] : [50_000, 100_000, 200_000, 300_000, 0];
  const pipeline: Results['pipeline'] = [];
  let hwm = 0;
  let rssLoad = 0;
  for (let rep = 0; rep < 1; rep++) {
    for (const rate of rates) {
      const { host } = await Host.start(diskAudit, allowed);
      try {
        const before = await host.stats();
        const n = rate === 0 ? (quick ? 300_000 : 1_000_000) : Math.round(rate * pipelineSeconds);
        const generated = n + Math.max(1, Math.floor(n / 10)); // the helper warms up with n/10 more
        // every open one line: the pipeline's own rate, not the kernel's deduplication
        const r = await gated([ops, 'open', String(n), allowed, String(rate)], {
          host,
          profile: 'generic',
          fileEvents: 'all',
        });
        const tEnd = performance.now();
        let s = await host.stats();
        let prev = -1;
        // drained: nothing new for 300 ms
        while (s.fileOpenLines !== prev && performance.now() - tEnd < 30_000) {
          prev = s.fileOpenLines;
          await new Promise((res) => setTimeout(res, 300));
          s = await host.stats();
        }
        const drainMs = performance.now() - tEnd - 300;
        rssLoad = Math.max(rssLoad, s.rssBytes);
        hwm = Math.max(hwm, s.hwmBytes);
        const lost = Number(s.counters.ringbufFull ?? 0) - Number(before.counters.ringbufFull ?? 0);
        const delivered = s.fileOpenLines - before.fileOpenLines;
        pipeline.push({
          rep,
          targetRate: rate,
          offeredRate: (n / r.ns) * 1e9,
          generated,
          delivered,
          lostCounted: lost,
          lostReported: s.lossReported - before.lossReported,
          missing: generated - delivered - lost,
          sustainedRate: (delivered / (r.ns / 1e6 + Math.max(0, drainMs))) * 1000,
          drainMs,
        });
      } finally {
        await host.stop();
      }
    }
  }

  log('when the daemon dies');
  const failClosed: FailClosedRun[] = [];
  for (let rep = 0; rep < reps; rep++) failClosed.push(await measureFailClosed(repo, work, rep));

  log('vigil run start-up (the CLI, a daemon of its own)');
  const cliStart = measureCliStart(repo, work, quick ? 10 : 30);
  log('DNS through the session proxy');
  const dnsLatency = await measureDnsLatency(quick ? 4 : 8, quick ? 500 : 2000);
  log('HTTPS through the SNI proxy');
  const sniProxy = await measureSniProxy(quick ? 3 : 6, quick ? 100 : 300);

  foreignLinks.push(foreignBpfLinks());
  load.push(loadavg()[0] ?? NaN);
  const results: Results = {
    machine: {
      cpus: Number(sh('nproc', []).trim()),
      kernel: sh('uname', ['-r']).trim(),
      node: process.version,
      quick,
      reps,
      date: new Date().toISOString(),
      durationS: 0,
    },
    modes: Object.fromEntries(Object.entries(MODES).map(([k, v]) => [k, v.what])),
    peersMissing: Object.fromEntries(
      Object.entries(peers).flatMap(([k, p]) => ('missing' in p ? [[k, p.missing]] : [])),
    ),
    syscalls,
    macro,
    daemonCpu,
    pipeline,
    startups,
    rss: { idle: rssIdle, load: rssLoad, hwm },
    attachMs,
    overhead,
    programLoads,
    watchedKernel,
    failClosed,
    cliStart,
    dnsLatency,
    sniProxy,
    machineLoad: { foreignLinks, loadavg: load },
  };
  results.machine.durationS = (performance.now() - began) / 1000;
  const out = join(repo, 'bench-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(out, 'report.md'), renderReport(results, median));
  log(`done: ${join(out, 'report.md')}`);
}

await main();
