// The exporters' metrics, read from their own counts (ExporterStats, src/export/types.ts) at each
// scrape: the spool's depth, what was delivered, dropped and failed, and whether the exporter is
// delivering. The export stage keeps the counts; this only reports them, so a scrape never
// disagrees with `vigil status`.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ExporterStats } from '../export/types.js';

export function registerExporterMetrics(registry: Registry, stats: () => readonly ExporterStats[]): void {
  const registers = [registry];
  // every metric reads the same snapshot: one call to stats() per scrape
  let snapshot: readonly ExporterStats[] | undefined;
  const read = (): readonly ExporterStats[] => {
    if (snapshot === undefined) {
      snapshot = stats();
      queueMicrotask(() => {
        snapshot = undefined;
      });
    }
    return snapshot;
  };
  const gauge = (name: string, help: string, value: (s: ExporterStats) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['exporter'],
      registers,
      collect() {
        this.reset();
        for (const s of read()) this.set({ exporter: s.name }, value(s));
      },
    });
  gauge('vigil_export_spool_lines', "Lines in the exporter's spool not yet delivered.", (s) => s.depthLines);
  gauge(
    'vigil_export_spool_bytes',
    "Bytes of the lines in the exporter's spool not yet delivered.",
    (s) => s.depthBytes,
  );
  gauge(
    'vigil_export_up',
    '1 while the exporter delivers, 0 while its last send failed (it retries).',
    (s) => (s.lastError === null ? 1 : 0),
  );
  new Counter({
    name: 'vigil_export_delivered_lines_total',
    help: 'Lines the exporter delivered, by exporter and its type (syslog, webhook, otlp).',
    labelNames: ['exporter', 'type'],
    registers,
    collect() {
      this.reset();
      for (const s of read()) this.inc({ exporter: s.name, type: s.type }, s.deliveredLines);
    },
  });
  new Counter({
    name: 'vigil_export_dropped_lines_total',
    help: "Lines the exporter's spool dropped undelivered, by reason: full (spool.max_bytes) or age (spool.max_age). Each drop is also an export_drop line.",
    labelNames: ['exporter', 'reason'],
    registers,
    collect() {
      this.reset();
      for (const s of read()) {
        this.inc({ exporter: s.name, reason: 'full' }, s.droppedLines.full);
        this.inc({ exporter: s.name, reason: 'age' }, s.droppedLines.age);
      }
    },
  });
  new Counter({
    name: 'vigil_export_errors_total',
    help: 'Sends that failed, by exporter (each is retried; the lines stay in the spool).',
    labelNames: ['exporter'],
    registers,
    collect() {
      this.reset();
      for (const s of read()) this.inc({ exporter: s.name }, s.errors);
    },
  });
}
