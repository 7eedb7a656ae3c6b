// The daemon's export stage end to end, against real servers from Debian on loopback: a daemon
// configured by a vigil.yaml of the test's ships every audit line to rsyslog over TCP and TLS
// and to syslog-ng over TCP and TLS; each receiver gets exactly the lines of the local audit log (by
// event id, duplicates allowed); rsyslog stopped for 30 s under load and started again still
// gets every line; an exporter whose destination never answers drops at its spool's bound and
// says exactly how many (export_drop lines, vigil status), so that every line of the log is
// either dropped or still waiting; a real Prometheus scrapes --metrics and its query gives the
// sessions' decision counts; SIGHUP applies a changed config and keeps the running one when
// the new one is broken.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import type { AuditLine } from '../../src/sinks/audit-schema.js';
import { readAuditLog } from '../support/audit-log.js';
import {
  startTestDaemon,
  testDaemon,
  until,
  VIGIL,
  vigilRun,
  type TestDaemon,
} from '../support/daemon-env.js';
import { freeTcpPort, prometheusMissing, startPrometheus } from '../support/prometheus.js';
import { requires } from '../support/requires.js';
import { rsyslogMissing, startRsyslog } from '../support/rsyslog.js';
import { startSyslogNg, syslogNgMissing } from '../support/syslog-ng.js';
import type { SyslogInput, SyslogReceiver } from '../support/syslog-receiver.js';

const PROFILE = 'export-test';
const OUTAGE_MS = 30_000;

/** A line without the keys only its copy has: the chain (local log), event_id and host (exported). */
const COPY_KEYS = new Set(['seq', 'prev', 'chain_break', 'event_id', 'host']);
function comparable(line: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(line).filter(([k]) => !COPY_KEYS.has(k))));
}

function sessionLines(d: TestDaemon, session: string | null): AuditLine[] {
  return readAuditLog(join(d.logDir, 'audit.jsonl')).filter((l) => l.session === session);
}

/** What a receiver got of `session` on `input`, once per event id, and how many came twice. */
function received(
  r: SyslogReceiver,
  input: SyslogInput,
  session: string,
): { lines: string[]; duplicates: number } {
  const byId = new Map<string, string>();
  let duplicates = 0;
  for (const m of r.received(input)) {
    const line = JSON.parse(m.msg) as Record<string, unknown>;
    if (line.session !== session || typeof line.event_id !== 'string') continue;
    if (byId.has(line.event_id)) duplicates++;
    byId.set(line.event_id, comparable(line));
  }
  return { lines: [...byId.values()], duplicates };
}

/** Waits until `input` of `r` has every line of `session`'s local log; then compares them. */
async function assertDelivered(
  d: TestDaemon,
  r: SyslogReceiver,
  input: SyslogInput,
  session: string,
  ms = 60_000,
): Promise<{ lines: number; duplicates: number }> {
  const want = sessionLines(d, session).map((l) => comparable(l as unknown as Record<string, unknown>));
  await until(() => received(r, input, session).lines.length >= want.length, ms, `${r.name} ${input}`).catch(
    () => undefined,
  );
  const got = received(r, input, session);
  assert.deepEqual(
    [...got.lines].sort(),
    [...want].sort(),
    `${r.name} over ${input} got every line of session ${session} and nothing else`,
  );
  return { lines: want.length, duplicates: got.duplicates };
}

function status(d: TestDaemon): {
  exporters?: {
    name: string;
    depthLines: number;
    deliveredLines: number;
    droppedLines: { full: number; age: number };
  }[];
} {
  const r = spawnSync(process.execPath, [VIGIL, 'status', '--json'], { env: d.env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as ReturnType<typeof status>;
}

async function runSession(d: TestDaemon, profile: string, script: string): Promise<string> {
  const run = vigilRun(d, ['--profile', profile, '--', 'sh', '-c', script]);
  await run.exited;
  const start = readAuditLog(join(d.logDir, 'audit.jsonl'))
    .filter((l) => l.event === 'session_start' && l.profile === PROFILE)
    .at(-1);
  assert.ok(start?.session != null, `a session started: ${run.stderr()}`);
  const id = start.session;
  // its session_end is in the log once the daemon saw the last process exit
  await until(() => sessionLines(d, id).some((l) => l.event === 'session_end'), 15_000, 'session_end');
  return id;
}

function config(
  dir: string,
  rsyslog: SyslogReceiver,
  ng: SyslogReceiver | undefined,
  deadPort: number,
  metricsPort: number,
  withNowhere = true,
): string {
  const syslog = (name: string, port: number, protocol: 'tcp' | 'tls', extra: string[] = []) => [
    `  - name: ${name}`,
    '    type: syslog',
    `    address: 127.0.0.1:${port}`,
    `    protocol: ${protocol}`,
    '    retry: { initial: 200ms, max: 2s }',
    ...extra,
  ];
  return [
    'version: 1',
    `metrics: { listen: 127.0.0.1:${metricsPort} }`,
    `spool: { dir: ${join(dir, 'spool')} }`,
    'exporters:',
    ...syslog('rsyslog-tcp', rsyslog.ports.tcp, 'tcp'),
    ...syslog('rsyslog-tls', rsyslog.ports.tls, 'tls', [`    tls: { ca: ${rsyslog.ca.caFile} }`]),
    ...(ng === undefined
      ? []
      : [
          ...syslog('syslog-ng-tcp', ng.ports.tcp, 'tcp'),
          ...syslog('syslog-ng-tls', ng.ports.tls, 'tls', [`    tls: { ca: ${ng.ca.caFile} }`]),
        ]),
    ...(withNowhere
      ? syslog('nowhere', deadPort, 'tcp', ['    spool: { max_bytes: 64KiB }', '    timeout: 500ms'])
      : []),
    '',
  ].join('\n');
}

test(
  'exporters: rsyslog and syslog-ng (TCP, TLS) get every audit line, through a 30 s outage; a full spool counts its drops exactly; Prometheus scrapes the decisions; SIGHUP reloads',
  { timeout: 300_000 },
  async (t: TestContext) => {
    if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
    const missing = rsyslogMissing() ?? prometheusMissing();
    if (missing !== undefined) {
      t.skip(missing);
      return;
    }
    const rsyslog = await startRsyslog(t);
    const ngMissing = syslogNgMissing();
    if (ngMissing !== undefined) t.diagnostic(`syslog-ng not tested: ${ngMissing}`);
    const ng = ngMissing === undefined ? await startSyslogNg(t) : undefined;
    const dir = mkdtempSync(join(tmpdir(), 'vigil-export-'));
    t.after(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const deadPort = await freeTcpPort();
    const metricsPort = await freeTcpPort();
    const configFile = join(dir, 'vigil.yaml');
    writeFileSync(configFile, config(dir, rsyslog, ng, deadPort, metricsPort), { mode: 0o600 });
    const profile = join(dir, 'profile.yaml');
    writeFileSync(profile, `name: ${PROFILE}\ndefault_policy: allow\ndenied_paths: ['/etc/shadow']\n`);
    const d = testDaemon(t, 'export');
    await startTestDaemon(d, ['--config', configFile]);
    const prometheus = await startPrometheus(t, 'vigil', [`127.0.0.1:${metricsPort}`]);

    const sessions: string[] = [];
    await t.test('a session: every line reaches each receiver', async () => {
      const s = await runSession(
        d,
        profile,
        'for i in 1 2 3 4 5 6 7 8 9 10; do cat /etc/hostname; done; cat /etc/shadow; true',
      );
      sessions.push(s);
      const lines = sessionLines(d, s);
      assert.ok(
        lines.some((l) => l.action === 'BLOCK' || l.action === 'KILL'),
        'the shadow open was refused',
      );
      const got = await assertDelivered(d, rsyslog, 'tcp', s);
      await assertDelivered(d, rsyslog, 'tls', s);
      if (ng !== undefined) {
        await assertDelivered(d, ng, 'tcp', s);
        await assertDelivered(d, ng, 'tls', s);
      }
      t.diagnostic(`${got.lines} lines delivered to each receiver`);
    });

    await t.test(`rsyslog stopped for ${OUTAGE_MS / 1000} s under load loses nothing`, async () => {
      const end = OUTAGE_MS / 1000 + 12;
      const script = `end=$(($(date +%s)+${end})); while [ $(date +%s) -lt $end ]; do cat /etc/hostname >/dev/null; sleep 0.05; done`;
      const session = runSession(d, profile, script);
      await sleep(4000);
      await rsyslog.stop();
      const stoppedAt = Date.now();
      await sleep(OUTAGE_MS);
      await rsyslog.start();
      t.diagnostic(`rsyslog was down ${Date.now() - stoppedAt} ms`);
      const s = await session;
      sessions.push(s);
      const tcp = await assertDelivered(d, rsyslog, 'tcp', s, 90_000);
      const tls = await assertDelivered(d, rsyslog, 'tls', s, 90_000);
      if (ng !== undefined) {
        await assertDelivered(d, ng, 'tcp', s);
        await assertDelivered(d, ng, 'tls', s);
      }
      t.diagnostic(
        `${tcp.lines} lines, all delivered; sent twice (at-least-once): ${tcp.duplicates} over TCP, ${tls.duplicates} over TLS`,
      );
    });

    await t.test(
      'a spool at its bound: every line of the log is dropped (and said so) or still waits',
      async () => {
        // quiet now: no session runs; equal once the last export_drop line is itself spooled
        let last = '';
        await until(
          () => {
            const all = readAuditLog(join(d.logDir, 'audit.jsonl'));
            const drops = all.filter(
              (l): l is Extract<AuditLine, { event: 'export_drop' }> =>
                l.event === 'export_drop' && l.exporter === 'nowhere',
            );
            const said = drops.reduce((n, l) => n + l.dropped_lines, 0);
            const e = status(d).exporters?.find((x) => x.name === 'nowhere');
            if (e === undefined) return false;
            last = `${all.length} lines in the log; export_drop lines say ${said} dropped; status: ${e.droppedLines.full} dropped, ${e.depthLines} waiting, ${e.deliveredLines} delivered`;
            return said > 0 && said === e.droppedLines.full && all.length === said + e.depthLines;
          },
          20_000,
          'dropped + waiting = every line',
        ).catch((err: unknown) => {
          throw new Error(`${(err as Error).message}: ${last}`);
        });
        t.diagnostic(last);
        const text = spawnSync(process.execPath, [VIGIL, 'status'], { env: d.env, encoding: 'utf8' }).stdout;
        assert.match(text, /exporter nowhere \(syslog tcp 127\.0\.0\.1:\d+\): DOWN: .*DROPPED/);
        assert.match(text, /exporter rsyslog-tls \(syslog tls 127\.0\.0\.1:\d+\): (all delivered|sending)/);
      },
    );

    await t.test("Prometheus scrapes the daemon: the sessions' decisions by action", async () => {
      await prometheus.scraped();
      const want: Record<string, string> = {};
      for (const s of sessions)
        for (const l of sessionLines(d, s))
          if (l.action !== 'OBSERVE') want[l.action] = String(Number(want[l.action] ?? 0) + 1);
      let got: Record<string, string> = {};
      await until(
        async () => {
          const r = await prometheus.query(`sum by (action) (vigil_decisions_total{profile="${PROFILE}"})`);
          got = Object.fromEntries(r.map((x) => [x.metric.action ?? '', x.value[1]]));
          return (
            JSON.stringify(got, Object.keys(got).sort()) === JSON.stringify(want, Object.keys(want).sort())
          );
        },
        20_000,
        'the query to match the log',
      ).catch(() => undefined);
      assert.deepEqual(got, want, 'Prometheus counts what the audit log says');
      const up = await prometheus.query('vigil_export_up{exporter="nowhere"}');
      assert.equal(up[0]?.value[1], '0', 'the exporter that cannot deliver is down');
    });

    await t.test('SIGHUP: a broken config keeps the running one; a changed one is applied', async () => {
      const pid = d.pid();
      assert.ok(pid !== undefined);
      writeFileSync(configFile, 'version: 1\nexporters:\n  - name: Bad Name\n');
      process.kill(pid, 'SIGHUP');
      await until(() => d.daemonLog().includes('the config was not reloaded'), 10_000, 'the refusal');
      assert.equal(status(d).exporters?.length, ng === undefined ? 3 : 5);
      writeFileSync(configFile, config(dir, rsyslog, ng, deadPort, metricsPort, false));
      process.kill(pid, 'SIGHUP');
      await until(() => /0 started, 0 restarted, 1 stopped/.test(d.daemonLog()), 10_000, 'the reload');
      assert.deepEqual(
        status(d)
          .exporters?.map((e) => e.name)
          .sort(),
        [
          'rsyslog-tcp',
          'rsyslog-tls',
          ...(ng === undefined ? [] : ['syslog-ng-tcp', 'syslog-ng-tls']),
        ].sort(),
      );
    });
  },
);
