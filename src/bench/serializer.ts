// The audit line's hot path without a kernel: building lines from decoded events and writing
// their JSON text, against JSON.stringify of the same lines in the same run (the ratio is what
// compares across runs and machines). The mix is the pipeline's: mostly file opens, some of
// every other kind the kernel reports. `node dist/src/bench/serializer.js [rounds]`; prints
// one JSON object. See docs/benchmarks.md ("Pipeline: serialization and memory").
import { pathToFileURL } from 'node:url';
import type { AgentEvent, TaskInfo } from '../wire/events.js';
import { auditLineJson } from '../sinks/audit-json.js';
import { buildAuditLine, type LineContext } from '../sinks/audit-line.js';
import type { AuditLine } from '../sinks/audit-schema.js';

const LINES = 20_000;

function task(tgid: number): TaskInfo {
  return { pid: tgid, tgid, ppid: 1, uid: 1000, gid: 1000, pad: 0, cgroup_id: 4321n, comm: 'node' };
}

/** Events as the decoder returns them: 16 file opens to one of each other kind. */
function benchEvents(): AgentEvent[] {
  const out: AgentEvent[] = [];
  const base = (tgid: number) => ({ ktime: 1_000_000_000_000n, flags: 0, task: task(tgid), session: 1 });
  for (let i = 0; out.length < LINES; i++) {
    const pid = 100 + (i % 7);
    for (let j = 0; j < 16; j++) {
      const ret = j % 5 === 4 ? -2 : 3;
      out.push({
        kind: 'file_open',
        ...base(pid),
        path: `/home/dev/project/src/module-${(i * 16 + j) % 500}.ts`,
        resolved: ret >= 0,
        pathCut: false,
        openFlags: j % 3 === 0 ? 0o2000000 : 0o2101,
        mode: 0,
        ret,
      });
    }
    const b = base(pid);
    const argv = ['git', 'status', '--short'];
    out.push(
      {
        kind: 'exec',
        ...b,
        path: '/usr/bin/git',
        argv,
        argvCut: false,
        pathCut: false,
        oldPid: pid,
        rule: 0,
      },
      { kind: 'fork', ...b, childTgid: pid + 1000, childStartTicks: 1n },
      { kind: 'exit', ...b, exitCode: 0x100 },
      { kind: 'net_connect', ...b, family: 'inet', ip: '93.184.216.34', port: 443, sockType: 1, protocol: 6 },
      { kind: 'udp_send', ...b, family: 'inet6', ip: '2001:db8::1', port: 53, sockType: 2, protocol: 17 },
      { kind: 'socket_create', ...b, family: 2, sockType: 3, protocol: 1 },
      { kind: 'syscall', ...b, nr: 425, ret: -1, arg0: 0x10n },
    );
  }
  return out.slice(0, LINES);
}

const benchContext: LineContext = {
  session: { id: 'run-1', profile: 'claude-code' },
  clock: { format: () => '2026-12-05T05:00:00.000Z' },
  processes: { exe: () => '/usr/bin/node' },
};

/** ns per line of one pass of `fn` over `items`; the sum keeps the work from being dropped. */
function pass<T>(items: readonly T[], fn: (x: T) => string | AuditLine): { ns: number; sink: number } {
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (const x of items) {
    const r = fn(x);
    sink += typeof r === 'string' ? r.length : 1;
  }
  return { ns: Number(process.hrtime.bigint() - t0) / items.length, sink };
}

export interface SerializerResult {
  lines: number;
  rounds: number;
  /** min over rounds, ns per line */
  stringifyNs: number;
  writerNs: number;
  buildNs: number;
  /** writerNs / stringifyNs: below 1 is faster than JSON.stringify */
  writerRatio: number;
  /** (buildNs + writerNs) / stringifyNs */
  lineRatio: number;
}

export function measureSerializer(rounds = 30): SerializerResult {
  const evs = benchEvents();
  const lines = evs.map((ev) => buildAuditLine(ev, benchContext));
  for (const l of lines) {
    if (auditLineJson(l) !== JSON.stringify(l)) throw new Error(`writer differs: ${JSON.stringify(l)}`);
  }
  const min = { stringify: Infinity, writer: Infinity, build: Infinity };
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    // interleaved, so a slower moment of a shared machine costs every contender alike
    const s = pass(lines, (l) => JSON.stringify(l));
    const w = pass(lines, auditLineJson);
    const b = pass(evs, (ev) => buildAuditLine(ev, benchContext));
    min.stringify = Math.min(min.stringify, s.ns);
    min.writer = Math.min(min.writer, w.ns);
    min.build = Math.min(min.build, b.ns);
    sink += s.sink + w.sink + b.sink;
  }
  if (sink === 0) throw new Error('nothing measured');
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    lines: LINES,
    rounds,
    stringifyNs: round(min.stringify),
    writerNs: round(min.writer),
    buildNs: round(min.build),
    writerRatio: round(min.writer / min.stringify),
    lineRatio: round((min.build + min.writer) / min.stringify),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(measureSerializer(Number(process.argv[2] ?? 30))));
}
