// The bench's results, and the markdown report made from them: ratios to the same run's
// baseline, per repetition, summarised as min and median; the targets, met or missed.
import { renderOverhead, type OverheadRow } from './overhead.js';
import type { FailClosedRun } from './fail-closed.js';
import type { ProgramLoad } from './startup.js';
import type { WatchedKernelResult } from './watched-kernel.js';
import type { CliStartResult } from './cli-start.js';
import { renderDnsLatency, type DnsLatency } from './dns-latency.js';
import { renderSniProxy, type SniProxyBench } from './sni-proxy.js';

export interface Sample {
  mode: string;
  config: string;
  rep: number;
  /** ns per operation (system calls) or per run (macro) */
  nsPerOp: number;
  ok: number;
  fail: number;
  errno: string;
  killed: string;
  /** what the run showed besides its time (e.g. what a peer counted) */
  note?: string;
}

export interface PipelineRun {
  rep: number;
  /** ops/s asked of the helper; 0 = as fast as it can */
  targetRate: number;
  offeredRate: number;
  generated: number;
  delivered: number;
  lostCounted: number;
  lostReported: number;
  /** generated - delivered - counted losses: events lost without a count (must be 0) */
  missing: number;
  sustainedRate: number;
  drainMs: number;
}

export interface Results {
  machine: {
    cpus: number;
    kernel: string;
    node: string;
    quick: boolean;
    reps: number;
    date: string;
    durationS: number;
  };
  modes: Record<string, string>;
  peersMissing: Record<string, string>;
  syscalls: Sample[];
  macro: Sample[];
  daemonCpu: { cpuMs: number; wallMs: number }[];
  pipeline: PipelineRun[];
  startups: Record<string, number>[];
  rss: { idle: number[]; load: number; hwm: number };
  /** time of each watch request (attach) of the watched rows */
  attachMs: number[];
  overhead: OverheadRow[];
  programLoads: ProgramLoad[];
  watchedKernel: WatchedKernelResult;
  /** SIGKILL of the daemon to fail-closed, and to a new daemon's take-over, per repetition */
  failClosed: FailClosedRun[];
  /** `vigil run -- CMD` against CMD alone, and the first run with no daemon */
  cliStart: CliStartResult;
  /** an A query directly and through a session's DNS proxy */
  dnsLatency: DnsLatency;
  /** TLS requests and a 100 MB download, directly and through a session's SNI proxy */
  sniProxy: SniProxyBench;
  /** other activity: BPF links not the bench's, and the 1-minute load average, per repetition */
  machineLoad: { foreignLinks: number[]; loadavg: number[] };
}

type Median = (xs: number[]) => number;

interface Row {
  mode: string;
  config: string;
  nsMin: number;
  nsMed: number;
  ratioMin: number;
  ratioMed: number;
  note: string;
}

/** Per repetition, each config's figure over that repetition's baseline. */
export function ratios(samples: Sample[], median: Median): Row[] {
  const rows: Row[] = [];
  const modes = [...new Set(samples.map((s) => s.mode))];
  for (const mode of modes) {
    const of = samples.filter((s) => s.mode === mode);
    for (const config of [...new Set(of.map((s) => s.config))]) {
      const mine = of.filter((s) => s.config === config);
      const rs: number[] = [];
      for (const s of mine) {
        // the no-vigil runs of the repetition (before, and after when there is one), averaged
        const bases = of.filter((b) => b.config.startsWith('baseline') && b.rep === s.rep);
        const base = bases.reduce((a, b) => a + b.nsPerOp, 0) / bases.length;
        if (bases.length > 0 && Number.isFinite(s.nsPerOp)) rs.push(s.nsPerOp / base);
      }
      const ns = mine.map((s) => s.nsPerOp).filter(Number.isFinite);
      const first = mine[0];
      let note = '';
      if (first !== undefined) {
        if (first.note !== undefined && first.note !== '') note = first.note;
        else if (first.killed !== '') note = `killed by ${first.killed}`;
        else if (first.fail > 0) note = `${first.fail}/${first.ok + first.fail} refused (${first.errno})`;
        else if (mode === 'denied') note = 'NOT refused';
      }
      rows.push({
        mode,
        config,
        nsMin: Math.min(...ns),
        nsMed: median(ns),
        ratioMin: Math.min(...rs),
        ratioMed: median(rs),
        note,
      });
    }
  }
  return rows;
}

const f = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const ns = (x: number): string =>
  !Number.isFinite(x)
    ? 'n/a'
    : x >= 1e6
      ? `${(x / 1e6).toFixed(2)} ms`
      : x >= 1e4
        ? `${(x / 1e3).toFixed(1)} µs`
        : `${x.toFixed(0)} ns`;
const mb = (x: number): string => `${(x / 2 ** 20).toFixed(0)} MB`;

const CONFIGS: Record<string, string> = {
  baseline: 'no vigil',
  'baseline-after': 'no vigil, after the daemon stopped',
  loaded: 'vigil loaded, nothing watched',
  'loaded-busy': 'vigil loaded, another process watched, this one not',
  generic: 'watched, built-in `generic`',
  worst: 'watched, generated worst case (~700 rules)',
  strace: 'strace -f -e trace=openat,connect,execve',
  bpftrace: "bpftrace on vigil's tracepoints, events counted",
  landlock: 'Landlock ruleset (filesystem)',
  bwrap: 'bubblewrap sandbox',
};

export interface Target {
  name: string;
  goal: string;
  measured: string;
  met: boolean;
}

export function targets(r: Results, median: Median): Target[] {
  const rows = ratios(r.syscalls, median);
  const loaded = rows.filter((x) => x.config === 'loaded' || x.config === 'loaded-busy');
  const worstLoaded = loaded.reduce((a, b) => (b.ratioMed > a.ratioMed ? b : a), loaded[0] ?? ({} as Row));
  const open = rows.find((x) => x.mode === 'open' && x.config === 'generic');
  const macro = ratios(r.macro, median).filter((x) => x.config === 'generic');
  const worstMacro = macro.reduce((a, b) => (b.ratioMed > a.ratioMed ? b : a), macro[0] ?? ({} as Row));
  const clean = r.pipeline.filter((p) => p.lostCounted === 0 && p.missing === 0);
  const best = Math.max(0, ...clean.map((p) => p.sustainedRate));
  const exact = r.pipeline.every((p) => p.missing === 0 && p.lostReported === p.lostCounted);
  // spawn of the daemon's process to hooks attached, plus its first session's profile and watch
  const start =
    median(r.startups.map((s) => s.spawnToReadyMs ?? NaN)) +
    median(r.startups.map((s) => s.firstAttachMs ?? NaN).filter(Number.isFinite));
  const rss = Math.max(r.rss.hwm, ...r.rss.idle);
  return [
    {
      name: 'not-watched overhead',
      goal: '≤ 3% (median, worst call)',
      measured: `${f((worstLoaded.ratioMed - 1) * 100, 1)}% (${worstLoaded.mode}, ${CONFIGS[worstLoaded.config] ?? ''})`,
      met: worstLoaded.ratioMed <= 1.03,
    },
    {
      name: 'watched open()',
      goal: '≤ 1.5x baseline (generic)',
      measured: `${f(open?.ratioMed ?? NaN)}x`,
      met: (open?.ratioMed ?? Infinity) <= 1.5,
    },
    {
      name: 'macro workload',
      goal: '≤ 10% (median, worst workload; --file-events first)',
      measured: `${f((worstMacro.ratioMed - 1) * 100, 1)}% (${worstMacro.mode})`,
      met: worstMacro.ratioMed <= 1.1,
    },
    {
      name: 'event pipeline',
      goal: '≥ 250,000 events/s without loss; every loss reported exactly',
      measured: `${Math.round(best).toLocaleString('en-US')} events/s lossless; losses ${exact ? 'exact' : 'NOT exact'}`,
      met: best >= 250_000 && exact,
    },
    {
      name: 'fail-closed after the daemon dies',
      goal: '≤ 1 s from SIGKILL to refusal (Lilith: 2.5 s)',
      measured: `${f(median(r.failClosed.map((x) => x.killToDenyMs)), 0)} ms (median; deadline ${r.failClosed[0]?.deadlineMs ?? '?'} ms)`,
      met: median(r.failClosed.map((x) => x.killToDenyMs)) <= 1000,
    },
    {
      name: 'start-up',
      goal: '≤ 1 s to enforcing',
      measured: `${f(start, 0)} ms (median spawn to hooks attached + first session)`,
      met: start <= 1000,
    },
    ...cliStartTargets(r.cliStart, median),
    { name: 'RSS', goal: '≤ 100 MB', measured: `${mb(rss)} (peak)`, met: rss <= 100 * 2 ** 20 },
  ];
}

export function renderReport(r: Results, median: Median): string {
  const m = r.machine;
  const out: string[] = [
    '# vigil benchmark report',
    '',
    `${m.date}: ${m.cpus} CPUs, Linux ${m.kernel}, Node ${m.node}; ${m.reps} repetitions${m.quick ? ' (QUICK smoke run: figures are indicative only)' : ''}; ${f(m.durationS, 0)} s.`,
    'Ratios are per repetition against the baseline of the same repetition; min and median over repetitions.',
    `Other activity on the machine: BPF links not the bench's ${r.machineLoad.foreignLinks.join(', ')} (per repetition, then at the end); 1-minute load average ${r.machineLoad.loadavg.map((x) => f(x, 1)).join(', ')}.`,
    '',
    '## Targets',
    '',
    '| target | goal | measured | |',
    '| --- | --- | --- | --- |',
    ...targets(r, median).map(
      (t) => `| ${t.name} | ${t.goal} | ${t.measured} | ${t.met ? 'met' : '**missed**'} |`,
    ),
    '',
    '## 1. System call overhead',
    '',
  ];
  const missing = Object.entries(r.peersMissing);
  if (missing.length > 0)
    out.push(`Peers not installed: ${missing.map(([k, v]) => `${k} (${v})`).join(', ')}.`, '');
  const rows = ratios(r.syscalls, median);
  for (const [mode, what] of Object.entries(r.modes)) {
    out.push(
      `### ${mode}: ${what}`,
      '',
      '| configuration | ns/op min | ns/op median | ratio min | ratio median | note |',
    );
    out.push('| --- | ---: | ---: | ---: | ---: | --- |');
    for (const x of rows.filter((y) => y.mode === mode))
      out.push(
        `| ${CONFIGS[x.config] ?? x.config} | ${ns(x.nsMin)} | ${ns(x.nsMed)} | ${f(x.ratioMin)} | ${f(x.ratioMed)} | ${x.note} |`,
      );
    out.push('');
  }
  out.push(
    '### Where the not-watched cost comes from',
    '',
    'Each hook shape attached alone, no daemon, nothing watched; no hook and hooked timed in pairs,',
    'alternating which goes first (open: 20,000 open+close; exec: fork+execve+wait). "agent" rows load',
    'vigil\'s agent object with only those programs; "probe" rows load bench/c/overhead.bpf.c.',
    '',
    renderOverhead(r.overhead),
  );
  out.push(
    ...renderWatchedKernel(
      r.watchedKernel,
      rows.find((x) => x.mode === 'open' && x.config === 'generic'),
      median,
    ),
  );
  out.push('## 2. Macro workload (watched under `generic`, the default --file-events first)', '');
  out.push(
    '| workload | baseline median | vigil median | ratio min | ratio median |',
    '| --- | ---: | ---: | ---: | ---: |',
  );
  const macro = ratios(r.macro, median);
  for (const x of macro.filter((y) => y.config === 'generic')) {
    const b = macro.find((y) => y.mode === x.mode && y.config === 'baseline');
    out.push(
      `| ${x.mode} | ${ns(b?.nsMed ?? NaN)} | ${ns(x.nsMed)} | ${f(x.ratioMin, 3)} | ${f(x.ratioMed, 3)} |`,
    );
  }
  const cpu = r.daemonCpu.map((c) => (c.cpuMs / c.wallMs) * 100);
  out.push(
    '',
    `Daemon CPU during the watched workloads: median ${f(median(cpu), 1)}% of one CPU (min ${f(Math.min(...cpu), 1)}%).`,
    '',
  );
  out.push('## 3. Event pipeline (allowed opens, one audit line each, to a file)', '');
  out.push(
    '| rep | asked ops/s | offered events/s | generated | audit lines | lost (counter) | lost (loss lines) | unaccounted | delivered/s | drain |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  const k = (x: number) => Math.round(x).toLocaleString('en-US');
  for (const p of r.pipeline)
    out.push(
      `| ${p.rep + 1} | ${p.targetRate === 0 ? 'max' : k(p.targetRate)} | ${k(p.offeredRate)} | ${k(p.generated)} | ${k(p.delivered)} | ${k(p.lostCounted)} | ${k(p.lostReported)} | ${k(p.missing)} | ${k(p.sustainedRate)} | ${k(p.drainMs)} ms |`,
    );
  out.push('', '## 4. When the daemon dies', '');
  const fc = (xs: number[]) => `${f(Math.min(...xs), 0)} ms | ${f(median(xs), 0)} ms`;
  out.push(
    'A `vigil run` session (fail_closed: deny) connects to a loopback listener every 2 ms; its client is held and the daemon SIGKILLed ([docs/backends.md](../docs/backends.md#when-the-daemon-dies)).',
    '',
    '| figure | min | median |',
    '| --- | ---: | ---: |',
    `| SIGKILL of the daemon to the first refused connect (kernel, heartbeat deadline) | ${fc(r.failClosed.map((x) => x.killToDenyMs))} |`,
    `| client let go to its session taken back by a new daemon (spawn, re-adoption, resume) | ${fc(r.failClosed.map((x) => x.takeoverMs))} |`,
    '',
  );
  out.push(...renderCliStart(r.cliStart, median));
  out.push(...renderDnsLatency(r.dnsLatency));
  out.push(...renderSniProxy(r.sniProxy));
  out.push('', '## 5. Daemon cost', '');
  const st = (key: string) => r.startups.map((s) => s[key] ?? NaN);
  const row = (label: string, xs: number[]) => {
    const v = xs.filter(Number.isFinite);
    out.push(`| ${label} | ${f(Math.min(...v), 0)} ms | ${f(median(v), 0)} ms |`);
  };
  out.push('| figure | min | median |', '| --- | ---: | ---: |');
  row('node boot (process start to first line of the host)', st('bootMs'));
  row('module imports (daemon, audit writer, profile loading)', st('modulesMs'));
  row('Daemon.start (object load and verifier, ring buffers, attach, LSM attempt)', st('startMs'));
  row('process spawn to hooks attached (all of the above, and process creation)', st('spawnToReadyMs'));
  row('first session (profile loaded and compiled, tables filled, process watched)', st('firstAttachMs'));
  row('any later watch request (bench helpers)', r.attachMs);
  out.push(`| RSS idle (just started) | ${mb(Math.min(...r.rss.idle))} | ${mb(median(r.rss.idle))} |`);
  out.push(`| RSS under load (pipeline, max) / peak (VmHWM) | ${mb(r.rss.load)} | ${mb(r.rss.hwm)} |`, '');
  out.push(
    'Load time of each program alone, maps included (median), which is mostly the verifier; the',
    'whole object loads in about the maps once plus the sum of the programs without their maps.',
    '',
    '| object | program | load alone |',
    '| --- | --- | ---: |',
    ...r.programLoads.map(
      (p) => `| ${p.object} | ${p.program} | ${p.ms < 0 ? 'refused by this kernel' : `${f(p.ms, 0)} ms`} |`,
    ),
    '',
  );
  return `${out.join('\n')}\n`;
}

/** The watched open's kernel cost by stage (watched-kernel.ts), and the daemon's on top. */
function renderWatchedKernel(
  wk: WatchedKernelResult,
  daemonRow: { nsMed: number; ratioMed: number; ratioMin: number } | undefined,
  median: Median,
): string[] {
  const none = median(wk.noVigilNs);
  const notWatched = median(wk.rows.map((x) => x.notWatchedNs));
  const at = (s: 'none' | 'first' | 'all') => median(wk.rows.map((x) => x.watchedNs[s]));
  // each stage's own cost: the median over repetitions of the difference within one repetition
  const step = (hi: (x: (typeof wk.rows)[number]) => number, lo: (x: (typeof wk.rows)[number]) => number) =>
    median(wk.rows.map((x) => hi(x) - lo(x)));
  const line = (what: string, nsOp: number, added: string, why: string) =>
    `| ${what} | ${ns(nsOp)} | ${added} | ${f(nsOp / none)} | ${why} |`;
  return [
    '### Watched open: the kernel alone, by stage, and with the daemon',
    '',
    'The agent object with one session under `generic`, its rings drained by a consumer that only',
    'decodes and drops (no audit line), no daemon; each stage measured in every repetition, in',
    'alternating order (20,000 open+close of one allowed file). "added" is the median, over',
    'repetitions, of the difference to the stage before it in the same repetition.',
    '',
    '| configuration | ns/op median | added | vs no vigil | what the added ns pay for |',
    '| --- | ---: | ---: | ---: | --- |',
    line('no vigil (before load and after close)', none, '', ''),
    line(
      'loaded, this process not watched',
      notWatched,
      ns(notWatched - none),
      'syscall tracepoints put the task on the slow syscall path; the hooks find no session',
    ),
    line(
      'watched, --file-events none',
      at('none'),
      ns(
        step(
          (x) => x.watchedNs.none,
          (x) => x.notWatchedNs,
        ),
      ),
      'path walk (dentries to a string), normaliser, matcher, counters',
    ),
    line(
      'watched, --file-events first (default)',
      at('first'),
      ns(
        step(
          (x) => x.watchedNs.first,
          (x) => x.watchedNs.none,
        ),
      ),
      'the LRU lookup of (session, file, access): a repeat is counted, not recorded',
    ),
    line(
      'watched, --file-events all',
      at('all'),
      ns(
        step(
          (x) => x.watchedNs.all,
          (x) => x.watchedNs.none,
        ),
      ),
      `one ring record per open (reserve, fill, submit; ${f(median(wk.rows.map((x) => x.recordsPerOpen)))} records per open read)`,
    ),
    `| the daemon as well (row "watched, built-in \`generic\`" above: --file-events first) | ${ns(daemonRow?.nsMed ?? NaN)} | | ${f(daemonRow?.ratioMed ?? NaN)} (to that row's baseline) | the first open's line; the rest as "first" |`,
    '',
  ];
}

/** Per pair: vigil run's wall time minus the command's alone. */
function addedMs(row: CliStartResult['rows'][number]): number[] {
  return row.underVigilMs.map((v, i) => v - (row.aloneMs[i] ?? NaN));
}

function cliStartTargets(c: CliStartResult, median: Median): Target[] {
  const out: Target[] = [];
  const t = c.rows.find((x) => x.command === '/bin/true');
  if (t !== undefined) {
    const added = median(addedMs(t));
    out.push({
      name: '`vigil run -- /bin/true`, daemon running',
      goal: '≤ 150 ms more than /bin/true',
      measured: `+${f(added, 0)} ms (median of pairs; first run with no daemon: ${f(c.coldMs, 0)} ms)`,
      met: added <= 150,
    });
  }
  const agent = c.rows.find((x) => x.command !== '/bin/true');
  if (agent !== undefined) {
    const alone = median(agent.aloneMs);
    const added = median(addedMs(agent));
    out.push({
      name: `agent start-up (\`${agent.command}\`)`,
      goal: '≤ 10% + 150 ms',
      measured: `${f(alone, 0)} ms alone, +${f(added, 0)} ms under vigil`,
      met: added <= alone * 0.1 + 150,
    });
  }
  return out;
}

function renderCliStart(c: CliStartResult, median: Median): string[] {
  const row = (x: CliStartResult['rows'][number]) => {
    const added = addedMs(x);
    return `| \`${x.command}\` | ${x.aloneMs.length} | ${f(median(x.aloneMs), 0)} ms | ${f(median(x.underVigilMs), 0)} ms | +${f(median(added), 0)} ms | +${f(Math.min(...added), 0)} ms |`;
  };
  return [
    '',
    '### `vigil run` start-up (the CLI)',
    '',
    '`vigil run -- CMD` (the default generic profile, the audit in a file of its own) against CMD alone, in',
    'pairs, alternating which goes first, with a daemon already running: node, the client, the profile',
    "loaded by the daemon, the session, the launcher, the session's end.",
    '',
    '| command | pairs | alone (median) | under vigil (median) | added (median of pairs) | added (min) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...c.rows.map(row),
    '',
    `The first \`vigil run -- /bin/true\` with no daemon running (it starts one: node, the object load with the verifier, the session): ${f(c.coldMs, 0)} ms.`,
    ...c.skipped.map((s) => `Left out: ${s}.`),
    '',
  ];
}
