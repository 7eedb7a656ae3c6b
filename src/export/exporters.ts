// The daemon's export stage: one spool, sender and transport per configured exporter. Every
// audit line the daemon makes is offered; each exporter whose filter takes it appends it to its
// spool (the same event id in every spool), and its sender delivers from there.
//   reconfigure(): what vigil.yaml says now. An exporter whose settings (or TLS files) did not
//   change keeps running untouched; a changed one is stopped and started again on the same
//   spool, which it sends from its checkpoint; a removed one stops, its spool left on disk.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';

import type { ExporterConfig, VigilConfig } from '../config/config-types.js';
import type { AuditLine } from '../sinks/audit-schema.js';
import { exportDropLine } from './drop-line.js';
import { exportUrgent, toSpooled } from './export-line.js';
import { makeTransport, readTls } from './exporter-transport.js';
import { exportFilter, type LinePredicate } from './filter.js';
import { Sender } from './sender.js';
import { Spool } from './spool.js';
import type { ExporterStats, SpooledLine, Transport } from './types.js';

export interface ExportersOptions {
  /** the file the configuration came from (for errors) */
  configPath: string;
  /** every line of the daemon goes through here: export_drop lines reach the log, the UI and exporters */
  record: (line: AuditLine) => void;
  log: (message: string) => void;
  /** the host name exported lines carry (default: os.hostname()) */
  host?: string;
}

/** How long close() lets each exporter deliver what waits before the daemon exits. */
export const CLOSE_DRAIN_MS = 2000;

interface Running {
  readonly config: ExporterConfig;
  /** settings and TLS file contents: a reload that changes neither leaves it running */
  readonly key: string;
  readonly spoolDir: string;
  readonly accepts: LinePredicate;
  readonly spool: Spool;
  readonly transport: Transport;
  readonly sender: Sender;
  /** whether the last append failed (said once per failure streak) */
  appendFailing: boolean;
  appendErrors: number;
}

export class Exporters {
  readonly #opts: ExportersOptions;
  readonly host: string;
  #running = new Map<string, Running>();
  /** reconfigurations run one after another */
  #chain: Promise<void> = Promise.resolve();

  private constructor(opts: ExportersOptions) {
    this.#opts = opts;
    this.host = opts.host ?? hostname();
  }

  /** Starts every exporter of `config`; a TLS file it cannot read throws a ConfigError. */
  static start(config: VigilConfig, opts: ExportersOptions): Exporters {
    const ex = new Exporters(opts);
    const prepared = config.exporters.map((e) => ex.#prepare(config, e));
    for (const p of prepared) ex.#running.set(p.config.name, ex.#launch(p));
    return ex;
  }

  get size(): number {
    return this.#running.size;
  }

  /** Spools `line` for each exporter whose filter takes it; never throws into the daemon. */
  offer(line: AuditLine): void {
    if (this.#running.size === 0) return;
    let spooled: SpooledLine | undefined;
    let urgent: boolean | undefined;
    for (const r of this.#running.values()) {
      if (!r.accepts(line)) continue;
      spooled ??= toSpooled(line, this.host);
      urgent ??= exportUrgent(line);
      try {
        r.spool.append(spooled, urgent);
        if (r.appendFailing) {
          r.appendFailing = false;
          this.#opts.log(`exporter ${r.config.name}: spooling again`);
        }
      } catch (err) {
        r.appendErrors++;
        if (!r.appendFailing) {
          r.appendFailing = true;
          this.#opts.log(
            `exporter ${r.config.name}: a line could not be spooled (${(err as Error).message}); it is in the local audit log only, and so is every line until spooling works again`,
          );
        }
      }
    }
  }

  stats(): ExporterStats[] {
    return [...this.#running.values()].map((r) => {
      const sender = r.sender.stats();
      return {
        name: r.config.name,
        type: r.config.type,
        ...r.spool.stats(),
        errors: sender.errors + r.appendErrors,
        lastError: sender.lastError,
      };
    });
  }

  /** Destinations, for `vigil status`. */
  destinations(): { name: string; destination: string }[] {
    return [...this.#running.values()].map((r) => ({
      name: r.config.name,
      destination: r.transport.describe,
    }));
  }

  /**
   * Applies a new configuration. TLS files are read first: one it cannot read throws and
   * changes nothing. Returns what changed.
   */
  reconfigure(config: VigilConfig): Promise<{ started: string[]; restarted: string[]; stopped: string[] }> {
    const prepared = config.exporters.map((e) => this.#prepare(config, e));
    const run = async () => {
      const result = { started: [] as string[], restarted: [] as string[], stopped: [] as string[] };
      const wanted = new Map(prepared.map((p) => [p.config.name, p]));
      for (const [name, r] of this.#running) {
        const p = wanted.get(name);
        if (p !== undefined && p.key === r.key && p.spoolDir === r.spoolDir) {
          wanted.delete(name);
          continue;
        }
        // lines offered while it stops still go to its spool, which stays open until then
        await this.#stop(r, 0, () => this.#running.delete(name));
        (p === undefined ? result.stopped : result.restarted).push(name);
      }
      for (const [name, p] of wanted) {
        this.#running.set(name, this.#launch(p));
        if (!result.restarted.includes(name)) result.started.push(name);
      }
      return result;
    };
    const done = this.#chain.then(run);
    this.#chain = done.then(
      () => undefined,
      () => undefined,
    );
    return done;
  }

  /** Stops every exporter, each delivering what waits for at most drainMs; the rest stays spooled. */
  async close(drainMs = CLOSE_DRAIN_MS): Promise<void> {
    await this.#chain;
    await Promise.all(
      [...this.#running].map(([name, r]) => this.#stop(r, drainMs, () => this.#running.delete(name))),
    );
  }

  #prepare(config: VigilConfig, e: ExporterConfig): Prepared {
    const tls = readTls(this.#opts.configPath, e.name, 'tls' in e ? e.tls : null);
    const key = createHash('sha256')
      .update(JSON.stringify({ e, tls: tls ?? null }))
      .digest('hex');
    return { config: e, key, spoolDir: config.spool.dir, tls };
  }

  #launch(p: Prepared): Running {
    const e = p.config;
    const transport = makeTransport(e, this.host, p.tls);
    const log = (m: string) => {
      this.#opts.log(`exporter ${e.name}: ${m}`);
    };
    const spool = Spool.open({
      dir: p.spoolDir,
      name: e.name,
      maxBytes: e.spool.maxBytes,
      maxAgeMs: e.spool.maxAgeMs,
      log,
      onDrop: (d) => {
        // after the line that caused it has been spooled everywhere
        queueMicrotask(() => {
          this.#opts.record(exportDropLine(e.name, transport.describe, d));
        });
      },
    });
    const sender = new Sender({
      spool,
      transport,
      maxLines: e.batch.maxLines,
      maxDelayMs: e.batch.maxDelayMs,
      backoff: { initialMs: e.retry.initialMs, maxMs: e.retry.maxMs },
      log,
    });
    const f = e.filter;
    const accepts = exportFilter({
      ...(f.actions === null ? {} : { actions: f.actions }),
      ...(f.events === null ? {} : { events: f.events }),
      ...(f.minSeverity === 'info' ? {} : { min_severity: f.minSeverity }),
    });
    return {
      config: e,
      key: p.key,
      spoolDir: p.spoolDir,
      accepts,
      spool,
      transport,
      sender,
      appendFailing: false,
      appendErrors: 0,
    };
  }

  /** Stops the sender and transport; then, with no await between, `detach`es it and closes its spool. */
  async #stop(r: Running, drainMs: number, detach: () => void): Promise<void> {
    await r.sender.close(drainMs);
    await r.transport.close().catch(() => undefined);
    detach();
    r.spool.close();
  }
}

interface Prepared {
  readonly config: ExporterConfig;
  readonly key: string;
  readonly spoolDir: string;
  readonly tls: ReturnType<typeof readTls>;
}
