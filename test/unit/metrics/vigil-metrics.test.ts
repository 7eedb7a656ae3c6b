import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import type { ExporterStats } from '../../../src/export/types.js';
import { LABEL_LIMITS } from '../../../src/metrics/line-metrics.js';
import { VigilMetrics, type VigilMetricsOptions } from '../../../src/metrics/vigil-metrics.js';
import { parseExposition, valueOf, type Family } from './exposition.js';
import { aSession, blockedOpen, npmInstall, secretAlert, watchStart } from './metric-lines.js';

/** Every label each vigil family may carry: a label outside these sets is a new decision. */
const ALLOWED_LABELS: Readonly<Record<string, readonly string[]>> = {
  vigil_build_info: ['version'],
  vigil_sessions_active: [],
  vigil_sessions_started_total: ['origin'],
  vigil_audit_lines_total: ['event'],
  vigil_decisions_total: ['action', 'event', 'backend', 'profile'],
  vigil_alerts_total: ['detector', 'severity', 'kind'],
  vigil_ring_lost_events_total: ['ring'],
  vigil_kernel_read_failures_total: [],
  vigil_unwatched_processes_total: [],
  vigil_stale_process_entries_total: [],
  vigil_hook_requests_total: ['agent'],
  vigil_control_requests_total: ['op'],
  vigil_export_spool_lines: ['exporter'],
  vigil_export_spool_bytes: ['exporter'],
  vigil_export_up: ['exporter'],
  vigil_export_delivered_lines_total: ['exporter', 'type'],
  vigil_export_dropped_lines_total: ['exporter', 'reason'],
  vigil_export_errors_total: ['exporter'],
};

const STATS: ExporterStats[] = [
  {
    name: 'siem',
    type: 'syslog',
    depthLines: 12,
    depthBytes: 4096,
    deliveredLines: 1000,
    droppedLines: { full: 3, age: 0 },
    errors: 2,
    lastError: null,
  },
  {
    name: 'hook',
    type: 'webhook',
    depthLines: 500,
    depthBytes: 250_000,
    deliveredLines: 40,
    droppedLines: { full: 0, age: 9 },
    errors: 17,
    lastError: 'connect ECONNREFUSED 127.0.0.1:8080',
  },
];

function metrics(options: Partial<VigilMetricsOptions> = {}): VigilMetrics {
  return new VigilMetrics({ version: '0.1.0', sessionsActive: () => 2, exporters: () => STATS, ...options });
}

async function scrape(m: VigilMetrics): Promise<Map<string, Family>> {
  return parseExposition((await m.exposition()).body);
}

describe('VigilMetrics', () => {
  it('counts a session of audit lines', async () => {
    const m = metrics();
    const lines = aSession();
    for (const line of lines) m.observe(line);
    const f = await scrape(m);

    assert.equal(valueOf(f, 'vigil_build_info', { version: '0.1.0' }), 1);
    assert.equal(valueOf(f, 'vigil_sessions_active'), 2);
    const perEvent = Object.fromEntries(
      (f.get('vigil_audit_lines_total')?.samples ?? []).map((s) => [s.labels.event ?? '', s.value]),
    );
    assert.deepEqual(perEvent, {
      session_start: 1,
      exec: 2,
      file_open: 3,
      net_connect: 1,
      alert: 1,
      install: 2,
      loss: 1,
    });

    // decisions: every line but OBSERVE ones, by action, event, backend, profile
    const decisions = f.get('vigil_decisions_total')?.samples ?? [];
    assert.equal(
      decisions.reduce((n, s) => n + s.value, 0),
      lines.filter((l) => l.action !== 'OBSERVE').length,
    );
    const backendOf = (i: number) => lines[i]?.backend ?? '';
    const d = (action: string, event: string, backend: string) =>
      valueOf(f, 'vigil_decisions_total', { action, event, backend, profile: 'claude-code' });
    assert.equal(d('KILL', 'exec', backendOf(2)), 1);
    assert.equal(d('BLOCK', 'file_open', backendOf(3)), 2);
    assert.equal(d('ALLOW', 'file_open', backendOf(5)), 1);
    assert.equal(d('BLOCK', 'net_connect', backendOf(6)), 1);
    assert.equal(d('ALLOW', 'install', 'vigil:installs'), 1);
    assert.equal(d('AUDIT', 'install', 'vigil:installs'), 1);
    assert.ok(!decisions.some((s) => s.labels.action === 'OBSERVE'), 'OBSERVE is no decision');

    // alerts: the secret, and the flagged install (not the one that flagged nothing)
    assert.deepEqual(
      (f.get('vigil_alerts_total')?.samples ?? []).map((s) => [s.labels, s.value]),
      [
        [{ detector: 'secrets', severity: 'high', kind: 'aws_access_key_id' }, 1],
        [{ detector: 'installs', severity: 'high', kind: 'typosquat' }, 1],
      ],
    );

    assert.equal(valueOf(f, 'vigil_sessions_started_total', { origin: 'run' }), 1);
    assert.equal(valueOf(f, 'vigil_sessions_started_total', { origin: 'watch' }), 0);
    assert.equal(valueOf(f, 'vigil_ring_lost_events_total', { ring: 'events' }), 7);
    assert.equal(valueOf(f, 'vigil_ring_lost_events_total', { ring: 'alerts' }), 3);
    assert.equal(valueOf(f, 'vigil_kernel_read_failures_total'), 2);
    assert.equal(valueOf(f, 'vigil_unwatched_processes_total'), 1);
    assert.equal(valueOf(f, 'vigil_stale_process_entries_total'), 0);

    // nothing of a line that names a place or a process is a label
    const text = (await m.exposition()).body;
    for (const leak of ['/home/dev', 'run-1', '203.0.113.7', 'id_ed25519', 'AKIA']) {
      assert.ok(!text.includes(leak), `${leak} in the exposition`);
    }
  });

  it('adds up across lines, and a watch session by its origin', async () => {
    const m = metrics();
    m.observe(watchStart());
    m.observe(watchStart());
    m.observe(npmInstall('KILL', 'critical'));
    m.observe(secretAlert('github_token', 'critical'));
    const f = await scrape(m);
    assert.equal(valueOf(f, 'vigil_sessions_started_total', { origin: 'watch' }), 2);
    assert.equal(
      valueOf(f, 'vigil_alerts_total', { detector: 'installs', severity: 'critical', kind: 'typosquat' }),
      1,
    );
    assert.equal(
      valueOf(f, 'vigil_alerts_total', { detector: 'secrets', severity: 'critical', kind: 'github_token' }),
      1,
    );
  });

  it('follows the Prometheus naming conventions, with only the labels each family allows', async () => {
    const m = metrics({ controlOps: ['hello', 'status'], hookAgents: ['claude-code'] });
    for (const line of aSession()) m.observe(line);
    m.countControl('status');
    m.countHook('claude-code');
    const f = await scrape(m);
    const vigil = [...f.values()].filter((x) => x.name.startsWith('vigil_'));
    assert.deepEqual(
      vigil.map((x) => x.name).sort(),
      Object.keys(ALLOWED_LABELS).sort(),
      'every metric of docs/metrics.md',
    );
    for (const family of f.values()) {
      const { name, type, help } = family;
      assert.match(name, /^(vigil|process|nodejs)_[a-z0-9_]+$/, `${name}: prefix and snake case`);
      assert.ok(help.length > 0, `${name}: HELP`);
      // prom-client's own are as they are (its nodejs_active_resources_total is a gauge)
      if (!name.startsWith('vigil_')) continue;
      if (type === 'counter') assert.ok(name.endsWith('_total'), `${name}: a counter ends in _total`);
      else assert.ok(!name.endsWith('_total'), `${name}: only counters end in _total`);
      assert.doesNotMatch(name, /_(ms|milliseconds|kb|mb|kib|mib|percent)(_|$)/, `${name}: base units`);
      const allowed = ALLOWED_LABELS[name] ?? [];
      for (const s of family.samples) {
        for (const label of Object.keys(s.labels)) {
          assert.ok(allowed.includes(label), `${name}: label ${label}`);
        }
      }
    }
    // the process's own metrics, from prom-client's default collectors on vigil's registry
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
    ]) {
      assert.ok(f.has(name), name);
    }
  });

  it("passes promtool's lint", async (t) => {
    const m = metrics();
    for (const line of aSession()) m.observe(line);
    const r = spawnSync('promtool', ['check', 'metrics'], {
      input: (await m.exposition()).body,
      encoding: 'utf8',
    });
    if (r.error !== undefined) {
      t.skip('promtool is not installed (scripts/setup.sh installs prometheus)');
      return;
    }
    // prom-client's own process and nodejs metrics are not vigil's to rename
    const problems = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.startsWith('vigil_'));
    assert.deepEqual(problems, []);
  });

  it(`keeps at most ${LABEL_LIMITS.profile} profile names, and counts the rest as other`, async () => {
    const m = metrics();
    for (let i = 0; i < 100; i++) m.observe(blockedOpen(`profile-${i}`));
    m.observe(blockedOpen('profile-3'));
    m.observe(blockedOpen('profile-99'));
    const f = await scrape(m);
    const decisions = f.get('vigil_decisions_total');
    const profiles = new Map((decisions?.samples ?? []).map((s) => [s.labels.profile, s.value]));
    assert.equal(profiles.size, LABEL_LIMITS.profile + 1);
    assert.equal(profiles.get('profile-3'), 2, 'a kept name goes on counting');
    assert.equal(profiles.get('other'), 100 - LABEL_LIMITS.profile + 1);
    assert.ok(!profiles.has('profile-99'));
    assert.match(decisions?.help ?? '', /Past 64 profile names .* 'other'/);
  });

  it('reports the exporters from their stats at each scrape', async () => {
    let stats = STATS;
    const m = metrics({ exporters: () => stats });
    let f = await scrape(m);
    assert.equal(valueOf(f, 'vigil_export_spool_lines', { exporter: 'siem' }), 12);
    assert.equal(valueOf(f, 'vigil_export_spool_bytes', { exporter: 'hook' }), 250_000);
    assert.equal(
      valueOf(f, 'vigil_export_delivered_lines_total', { exporter: 'siem', type: 'syslog' }),
      1000,
    );
    assert.equal(valueOf(f, 'vigil_export_dropped_lines_total', { exporter: 'siem', reason: 'full' }), 3);
    assert.equal(valueOf(f, 'vigil_export_dropped_lines_total', { exporter: 'hook', reason: 'age' }), 9);
    assert.equal(valueOf(f, 'vigil_export_errors_total', { exporter: 'hook' }), 17);
    assert.equal(valueOf(f, 'vigil_export_up', { exporter: 'siem' }), 1);
    assert.equal(valueOf(f, 'vigil_export_up', { exporter: 'hook' }), 0, 'down while its last send failed');

    // a reload that removed an exporter: its series go with it
    stats = [{ ...STATS[0], deliveredLines: 1200, lastError: 'timeout' } as ExporterStats];
    f = await scrape(m);
    assert.equal(
      valueOf(f, 'vigil_export_delivered_lines_total', { exporter: 'siem', type: 'syslog' }),
      1200,
    );
    assert.equal(valueOf(f, 'vigil_export_up', { exporter: 'siem' }), 0);
    assert.ok(!(f.get('vigil_export_up')?.samples ?? []).some((s) => s.labels.exporter === 'hook'));
  });

  it('reads the exporters once per scrape', async () => {
    let calls = 0;
    const m = metrics({
      exporters: () => {
        calls++;
        return STATS;
      },
    });
    await m.exposition();
    assert.equal(calls, 1);
  });

  it('has no exporter metrics without exporters', async () => {
    const f = await scrape(new VigilMetrics({ version: '0.1.0', sessionsActive: () => 0 }));
    assert.ok(![...f.keys()].some((n) => n.startsWith('vigil_export_')));
  });

  it('counts control requests by the known ops, and hook requests by agent', async () => {
    const m = metrics({
      controlOps: ['hello', 'status', 'attach'],
      hookAgents: ['claude-code', 'codex', 'gemini-cli'],
    });
    m.countControl('status');
    m.countControl('status');
    m.countControl('attach');
    m.countControl('../../etc/passwd');
    m.countHook('codex');
    m.countHook('an-agent-nobody-knows');
    const f = await scrape(m);
    assert.deepEqual(
      Object.fromEntries(
        (f.get('vigil_control_requests_total')?.samples ?? []).map((s) => [s.labels.op, s.value]),
      ),
      { hello: 0, status: 2, attach: 1, other: 1 },
    );
    assert.deepEqual(
      Object.fromEntries(
        (f.get('vigil_hook_requests_total')?.samples ?? []).map((s) => [s.labels.agent, s.value]),
      ),
      { 'claude-code': 0, codex: 1, 'gemini-cli': 0, other: 1 },
    );
  });

  it('bounds control ops and agents even without their lists', async () => {
    const m = metrics();
    for (let i = 0; i < 40; i++) m.countControl(`op-${i}`);
    const f = await scrape(m);
    assert.equal(f.get('vigil_control_requests_total')?.samples.length, 17);
    assert.equal(valueOf(f, 'vigil_control_requests_total', { op: 'other' }), 24);
  });
});
