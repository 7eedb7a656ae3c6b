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

/**
 * How long close() lets each exporter deliver what waits before the daemon exits: longer than a
 * stream's confirm window (2 s), so that a batch written during the drain can still count.
 */
export const CLOSE_DRAIN_MS = 3000;

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
  appendError: string;
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
    try {
      for (const p of prepared) ex.#running.set(p.config.name, ex.#launch(p));
    } catch (err) {
      // the senders already started would keep the process alive after the error
      void ex.close(0);
      throw err;
    }
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
        r.appendError = errorText(err);
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
        lastError: r.appendFailing ? `lines cannot be spooled: ${r.appendError}` : sender.lastError,
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
   * changes nothing. A changed exporter's sender and transport stop while its spool stays open
   * and keeps taking lines; the new ones then send from its checkpoint. An exporter that cannot
   * start (its spool folder, its settings) is reported in `failed` and the others go on.
   */
  reconfigure(config: VigilConfig): Promise<ReconfigureResult> {
    const prepared = config.exporters.map((e) => this.#prepare(config, e));
    const run = async () => {
      const result: ReconfigureResult = { started: [], restarted: [], stopped: [], failed: [] };
      const wanted = new Map(prepared.map((p) => [p.config.name, p]));
      for (const [name, r] of [...this.#running]) {
        const p = wanted.get(name);
        wanted.delete(name);
        if (p !== undefined && p.key === r.key && p.spoolDir === r.spoolDir) continue;
        await r.sender.close(0);
        await r.transport.close().catch(() => undefined);
        if (p === undefined) {
          this.#running.delete(name);
          r.spool.close();
          result.stopped.push(name);
          continue;
        }
        // from here to the map's update nothing awaits: no line is offered in between
        const sameSpool =
          p.spoolDir === r.spoolDir &&
          p.config.spool.maxBytes === r.config.spool.maxBytes &&
          p.config.spool.maxAgeMs === r.config.spool.maxAgeMs;
        if (sameSpool) r.spool.rewind();
        else r.spool.close();
        try {
          this.#running.set(name, this.#launch(p, sameSpool ? r.spool : undefined));
          result.restarted.push(name);
        } catch (err) {
          this.#running.delete(name);
          if (sameSpool) r.spool.close();
          result.failed.push({ name, error: errorText(err) });
        }
      }
      for (const [name, p] of wanted) {
        try {
          this.#running.set(name, this.#launch(p));
          result.started.push(name);
        } catch (err) {
          result.failed.push({ name, error: errorText(err) });
        }
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

  /** An exporter running `p`, on `spool` when it keeps its open spool (a reload). */
  #launch(p: Prepared, reuse?: Spool): Running {
    const e = p.config;
    const transport = makeTransport(e, this.host, p.tls);
    const log = (m: string) => {
      this.#opts.log(`exporter ${e.name}: ${m}`);
    };
    const spool = reuse ?? this.#openSpool(p, log);
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
      appendError: '',
      appendErrors: 0,
    };
  }

  #openSpool(p: Prepared, log: (m: string) => void): Spool {
    const e = p.config;
    return Spool.open({
      dir: p.spoolDir,
      name: e.name,
      maxBytes: e.spool.maxBytes,
      maxAgeMs: e.spool.maxAgeMs,
      log,
      onDrop: (d) => {
        // after the line that caused it has been spooled everywhere
        queueMicrotask(() => {
          this.#opts.record(
            exportDropLine(e.name, this.#running.get(e.name)?.transport.describe ?? e.name, d),
          );
        });
      },
    });
  }

  /** Stops the sender and transport; then, with no await between, `detach`es it and closes its spool. */
  async #stop(r: Running, drainMs: number, detach: () => void): Promise<void> {
    await r.sender.close(drainMs);
    await r.transport.close().catch(() => undefined);
    detach();
    r.spool.close();
  }
}

export interface ReconfigureResult {
  started: string[];
  restarted: string[];
  stopped: string[];
  /** exporters that could not start: they export nothing until the next reload */
  failed: { name: string; error: string }[];
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

interface Prepared {
  readonly config: ExporterConfig;
  readonly key: string;
  readonly spoolDir: string;
  readonly tls: ReturnType<typeof readTls>;
}
