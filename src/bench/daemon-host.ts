// The daemon under test, in a process of its own so that its start-up time, RSS and CPU are
// its own: starts Daemon (AgentKernel.open: load, attach, LSM) with an AuditWriter as the
// audit file, then obeys JSON-line requests on stdin and answers on stdout.
//   {"op":"attach","pid":N,"profile":"generic"|FILE}   watch N (and its descendants), enforcing
//   {"op":"stats"}                                        counters, ring stats, lines, RSS, CPU
//   {"op":"stop"}                                         detach everything and exit
import type { FileOpenVolume } from '../wire/file-events.js';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { homedir } from 'node:os';

import type { ProfileRef } from '../daemon/control-protocol.js';

// node's clock starts with the process: what passed before this line is node's own boot
const t0 = performance.now();
// imported here, not above, so that their loading is timed apart from node's boot
const [{ Daemon }, { AuditWriter }, { loadBuiltinProfile }, { loadProfileFile }] = await Promise.all([
  import('../daemon/daemon.js'),
  import('../sinks/audit-writer.js'),
  import('../policy/builtin-profiles.js'),
  import('../policy/load-profile.js'),
]);

export type HostRequest =
  // fileEvents: the session's --file-events (absent: the daemon's default, first)
  | { op: 'attach'; pid: number; profile: string; fileEvents?: FileOpenVolume }
  | { op: 'stats' }
  | { op: 'stop' };

export interface HostStats {
  counters: Record<string, string>;
  ring: { records: number; stalls: number; handlerErrors: number };
  /** audit lines written, and those of them that are file_open lines of `countPath` */
  lines: number;
  fileOpenLines: number;
  lossLines: number;
  /** ring records lost as the loss lines reported them */
  lossReported: number;
  rssBytes: number;
  hwmBytes: number;
  cpuUserUs: number;
  cpuSystemUs: number;
}

const auditPath = process.argv[2] ?? '/dev/null';
const countPath = process.argv[3] ?? '';
const writer = new AuditWriter({ path: auditPath, syncIntervalMs: 1000 });
let lines = 0;
let fileOpenLines = 0;
let lossLines = 0;
let lossReported = 0;
const modulesMs = performance.now() - t0;
const t1 = performance.now();
const daemon = Daemon.start({
  onLine: (line) => {
    lines++;
    if (line.event === 'file_open' && line.path === countPath) fileOpenLines++;
    if (line.event === 'loss') {
      lossLines++;
      lossReported += line.lost.ringbuf_full;
    }
    writer.write(line);
  },
});
const startMs = performance.now() - t1;
const vars = { home: homedir(), workspace: process.cwd() };

function profileRef(name: string): ProfileRef {
  if (name.startsWith('/')) {
    const profile = loadProfileFile(name, vars);
    return { name: profile.name, source: name, vars, profile };
  }
  const profile = loadBuiltinProfile(name, vars);
  return { name: profile.name, source: `builtin:${name}`, vars, profile };
}

function status(key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readStatus());
  return m?.[1] === undefined ? 0 : Number(m[1]) * 1024;
}

function readStatus(): string {
  return readFileSync('/proc/self/status', 'utf8');
}

function stats(): HostStats {
  daemon.flush();
  const st = daemon.status();
  const cpu = process.cpuUsage();
  return {
    counters: st.kernel,
    ring: { records: st.ring.records, stalls: st.ring.stalls, handlerErrors: st.ring.handlerErrors },
    lines,
    fileOpenLines,
    lossLines,
    lossReported,
    rssBytes: status('VmRSS'),
    hwmBytes: status('VmHWM'),
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
  };
}

function reply(v: unknown): void {
  process.stdout.write(
    `${JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))}\n`,
  );
}

reply({ ready: true, bootMs: t0, modulesMs, startMs, rssBytes: status('VmRSS') });

const rl = createInterface({ input: process.stdin });
rl.on('line', (text) => {
  const req = JSON.parse(text) as HostRequest;
  try {
    if (req.op === 'attach') {
      const ta = performance.now();
      daemon.attach(req.pid, profileRef(req.profile), {
        auditOnly: false,
        ...(req.fileEvents === undefined ? {} : { fileEvents: req.fileEvents }),
      });
      // profile loaded and compiled, tables filled, the process watched
      reply({ ok: true, ms: performance.now() - ta });
    } else if (req.op === 'stats') {
      reply({ ok: true, stats: stats() });
    } else {
      daemon.stop();
      writer.close();
      reply({ ok: true });
      rl.close();
      process.exit(0);
    }
  } catch (err) {
    reply({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
