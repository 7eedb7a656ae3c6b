// vigil's Prometheus metrics (docs/metrics.md), on a registry of their own: the daemon calls one
// method per hook point (observe each audit line, count each hook and control request) and gives
// callbacks for what it already counts (active sessions, the exporters' stats), read at scrape.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ExporterStats } from '../export/types.js';
import type { AuditLine } from '../sinks/audit-schema.js';
import { registerExporterMetrics } from './exporter-metrics.js';
import { LabelCap } from './label-cap.js';
import { LineMetrics } from './line-metrics.js';

/** Distinct agents and control ops counted by name when no list of them is given. */
const REQUEST_LABEL_LIMIT = 16;

export interface VigilMetricsOptions {
  /** vigil's version, for vigil_build_info */
  readonly version: string;
  /** sessions the daemon holds now */
  readonly sessionsActive: () => number;
  /** every running exporter's counts; absent: no exporter metrics */
  readonly exporters?: () => readonly ExporterStats[];
  /** the control protocol's ops: others are counted as 'other' (absent: the first 16 seen) */
  readonly controlOps?: readonly string[];
  /** the agents whose hooks call the daemon: others are counted as 'other' (absent: the first 16) */
  readonly hookAgents?: readonly string[];
}

export class VigilMetrics {
  readonly registry = new Registry();
  readonly #lines: LineMetrics;
  readonly #hooks: Counter<'agent'>;
  readonly #control: Counter<'op'>;
  readonly #agents: LabelCap;
  readonly #ops: LabelCap;

  constructor(options: VigilMetricsOptions) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'vigil_build_info',
      help: 'Always 1; the label says which vigil runs.',
      labelNames: ['version'],
      registers,
    }).set({ version: options.version }, 1);
    new Gauge({
      name: 'vigil_sessions_active',
      help: 'Sessions the daemon holds now (run, attach and watch).',
      registers,
      collect() {
        this.set(options.sessionsActive());
      },
    });
    this.#lines = new LineMetrics(this.registry);
    if (options.exporters !== undefined) registerExporterMetrics(this.registry, options.exporters);
    this.#agents = new LabelCap(REQUEST_LABEL_LIMIT, options.hookAgents);
    this.#ops = new LabelCap(REQUEST_LABEL_LIMIT, options.controlOps);
    this.#hooks = new Counter({
      name: 'vigil_hook_requests_total',
      help: "Requests of agents' hooks (vigil hook) the daemon answered, by agent.",
      labelNames: ['agent'],
      registers,
    });
    this.#control = new Counter({
      name: 'vigil_control_requests_total',
      help: 'Requests on the control socket (/run/vigil/vigil.sock), by op; unknown ops are counted as other.',
      labelNames: ['op'],
      registers,
    });
    for (const agent of this.#agents.values()) this.#hooks.inc({ agent }, 0);
    for (const op of this.#ops.values()) this.#control.inc({ op }, 0);
  }

  /** Counts one audit line, as written. */
  observe(line: AuditLine): void {
    this.#lines.observe(line);
  }

  countHook(agent: string): void {
    this.#hooks.inc({ agent: this.#agents.value(agent) });
  }

  countControl(op: string): void {
    this.#control.inc({ op: this.#ops.value(op) });
  }

  /** The text exposition and its content type, for GET /metrics. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
