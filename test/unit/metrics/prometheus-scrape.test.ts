// A real Prometheus (scripts/setup.sh installs it) scrapes vigil's endpoint on loopback with the
// scrape config docs/metrics.md gives, and answers the docs' queries: the format, the content type
// and the names are what a scraper takes, not only what our own reader takes.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startMetricsServer } from '../../../src/metrics/metrics-server.js';
import { VigilMetrics } from '../../../src/metrics/vigil-metrics.js';
import { repoRoot } from '../../support/paths.js';
import { aSession } from './metric-lines.js';

const DOC = readFileSync(`${repoRoot}docs/metrics.md`, 'utf8');

/** The fenced blocks of docs/metrics.md in this language. */
function blocks(lang: string): string[] {
  return [...DOC.matchAll(new RegExp(`\`\`\`${lang}\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1] ?? '');
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-prometheus-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => {
    s.close(() => {
      resolve();
    });
  });
  return port;
}

interface QueryResult {
  status: string;
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

it('Prometheus scrapes the endpoint and answers a query on it', { timeout: 60_000 }, async (t) => {
  if (spawnSync('prometheus', ['--version']).error !== undefined) {
    t.skip('prometheus is not installed (scripts/setup.sh installs it)');
    return;
  }
  const rules = blocks('yaml').find((b) => b.includes('groups:'));
  assert.ok(rules !== undefined, 'docs/metrics.md gives alert rules');
  writeFileSync(join(dir, 'rules.yml'), rules);
  const check = spawnSync('promtool', ['check', 'rules', join(dir, 'rules.yml')], { encoding: 'utf8' });
  assert.equal(check.status, 0, `promtool check rules:\n${check.stdout}${check.stderr}`);
  const m = new VigilMetrics({ version: '0.1.0', sessionsActive: () => 1 });
  for (const line of aSession()) m.observe(line);
  const server = await startMetricsServer({ host: '127.0.0.1', port: 0 }, m);
  const webPort = await freePort();
  const scrapeConfig = blocks('yaml').find((b) => b.includes('scrape_configs:'));
  assert.ok(scrapeConfig !== undefined, 'docs/metrics.md gives a scrape config');
  writeFileSync(
    join(dir, 'prometheus.yml'),
    scrapeConfig
      .replace('127.0.0.1:9464', server.address)
      .replace(/scrape_interval: \d+s/, 'scrape_interval: 1s'),
  );
  const prometheus = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${webPort}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  prometheus.stderr.on('data', (b: Buffer) => {
    log += b.toString();
  });
  const query = async (q: string): Promise<QueryResult['data']['result']> => {
    const res = await fetch(`http://127.0.0.1:${webPort}/api/v1/query?query=${encodeURIComponent(q)}`);
    const body = (await res.json()) as QueryResult;
    assert.equal(body.status, 'success');
    return body.data.result;
  };
  try {
    let up: QueryResult['data']['result'] = [];
    for (let i = 0; i < 100 && up.length === 0; i++) {
      await sleep(300);
      up = await query('up{job="vigil"} == 1').catch(() => []);
    }
    assert.equal(up.length, 1, `Prometheus never scraped vigil:\n${log.slice(-2000)}`);
    let byAction: Record<string, string> = {};
    for (let i = 0; i < 30 && byAction.BLOCK === undefined; i++) {
      byAction = Object.fromEntries(
        (await query('sum by (action) (vigil_decisions_total)')).map((r) => [
          r.metric.action ?? '',
          r.value[1],
        ]),
      );
      if (byAction.BLOCK === undefined) await sleep(300);
    }
    assert.deepEqual(byAction, { BLOCK: '3', KILL: '1', ALLOW: '2', AUDIT: '1' });
    const info = await query('vigil_build_info');
    assert.equal(info[0]?.metric.version, '0.1.0');
    const queries = blocks('promql').flatMap((b) => b.split('\n').filter((l) => l.trim() !== ''));
    assert.ok(queries.length >= 3);
    for (const q of queries) await query(q);
  } finally {
    if (prometheus.exitCode === null && prometheus.signalCode === null) {
      const exited = new Promise((resolve) => prometheus.once('exit', resolve));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await server.close();
  }
});
