// A real Prometheus (Debian's, installed by scripts/setup.sh) on loopback for a test: it scrapes
// the given targets every second, keeps its data in a folder of the test's, and is stopped by
// its pid when the test ends, passed or failed.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface TestPrometheus {
  /** an instant query's result (throws when Prometheus answers with an error) */
  query(q: string): Promise<PromSample[]>;
  /** waits until `up{job}` is 1: Prometheus has scraped the target */
  scraped(ms?: number): Promise<void>;
  log(): string;
}

/** Why Prometheus cannot run here, or undefined. */
export function prometheusMissing(): string | undefined {
  return spawnSync('prometheus', ['--version']).error === undefined
    ? undefined
    : 'prometheus is not installed (scripts/setup.sh installs it)';
}

export async function freeTcpPort(): Promise<number> {
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

/**
 * Prometheus scraping `targets` (host:port) as job `job`, every second; `scrapeConfig` (e.g. the
 * one docs/metrics.md gives, naming 127.0.0.1:9464) is used instead when given, with the targets
 * and a 1 s interval put in.
 */
export async function startPrometheus(
  t: TestContext,
  job: string,
  targets: string[],
  scrapeConfig?: string,
): Promise<TestPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-prometheus-'));
  const webPort = await freeTcpPort();
  const config =
    scrapeConfig
      ?.replace('127.0.0.1:9464', targets.join("', '"))
      .replace(/scrape_interval: \d+s/, 'scrape_interval: 1s') ??
    [
      'scrape_configs:',
      `  - job_name: ${job}`,
      '    scrape_interval: 1s',
      '    static_configs:',
      `      - targets: [${targets.map((x) => `'${x}'`).join(', ')}]`,
      '',
    ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const child = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${webPort}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.on('data', (b: Buffer) => {
    log += b.toString();
  });
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const query = async (q: string): Promise<PromSample[]> => {
    const res = await fetch(`http://127.0.0.1:${webPort}/api/v1/query?query=${encodeURIComponent(q)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { result: PromSample[] } };
    if (body.status !== 'success') throw new Error(`prometheus: ${q}: ${body.error ?? body.status}`);
    return body.data.result;
  };
  return {
    query,
    scraped: async (ms = 30_000) => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        const up = await query(`up{job="${job}"} == 1`).catch(() => []);
        if (up.length > 0) return;
        await sleep(300);
      }
      throw new Error(`Prometheus never scraped ${targets.join(', ')}:\n${log.slice(-2000)}`);
    },
    log: () => log,
  };
}
