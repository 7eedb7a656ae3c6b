// A real Prometheus (scripts/setup.sh installs it) scrapes vigil's endpoint on loopback with the
// scrape config docs/metrics.md gives, and answers the docs' queries: the format, the content type
// and the names are what a scraper takes, not only what our own reader takes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startMetricsServer } from '../../../src/metrics/metrics-server.js';
import { VigilMetrics } from '../../../src/metrics/vigil-metrics.js';
import { repoRoot } from '../../support/paths.js';
import { prometheusMissing, startPrometheus } from '../../support/prometheus.js';
import { aSession } from './metric-lines.js';

const DOC = readFileSync(`${repoRoot}docs/metrics.md`, 'utf8');

/** The fenced blocks of docs/metrics.md in this language. */
function blocks(lang: string): string[] {
  return [...DOC.matchAll(new RegExp(`\`\`\`${lang}\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1] ?? '');
}

it('Prometheus scrapes the endpoint and answers a query on it', { timeout: 60_000 }, async (t) => {
  const missing = prometheusMissing();
  if (missing !== undefined) {
    t.skip(missing);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'vigil-prometheus-rules-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const rules = blocks('yaml').find((b) => b.includes('groups:'));
  assert.ok(rules !== undefined, 'docs/metrics.md gives alert rules');
  writeFileSync(join(dir, 'rules.yml'), rules);
  const check = spawnSync('promtool', ['check', 'rules', join(dir, 'rules.yml')], { encoding: 'utf8' });
  assert.equal(check.status, 0, `promtool check rules:\n${check.stdout}${check.stderr}`);
  const m = new VigilMetrics({ version: '0.1.0', sessionsActive: () => 1 });
  for (const line of aSession()) m.observe(line);
  const server = await startMetricsServer({ host: '127.0.0.1', port: 0 }, m);
  t.after(() => server.close());
  const scrapeConfig = blocks('yaml').find((b) => b.includes('scrape_configs:'));
  assert.ok(scrapeConfig !== undefined, 'docs/metrics.md gives a scrape config');
  const prometheus = await startPrometheus(t, 'vigil', [server.address], scrapeConfig);
  await prometheus.scraped();
  let byAction: Record<string, string> = {};
  for (let i = 0; i < 30 && byAction.BLOCK === undefined; i++) {
    byAction = Object.fromEntries(
      (await prometheus.query('sum by (action) (vigil_decisions_total)')).map((r) => [
        r.metric.action ?? '',
        r.value[1],
      ]),
    );
    if (byAction.BLOCK === undefined) await sleep(300);
  }
  assert.deepEqual(byAction, { BLOCK: '3', KILL: '1', ALLOW: '2', AUDIT: '1' });
  const info = await prometheus.query('vigil_build_info');
  assert.equal(info[0]?.metric.version, '0.1.0');
  const queries = blocks('promql').flatMap((b) => b.split('\n').filter((l) => l.trim() !== ''));
  assert.ok(queries.length >= 3);
  for (const q of queries) await prometheus.query(q);
});
