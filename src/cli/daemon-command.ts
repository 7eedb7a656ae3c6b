// vigil daemon: the long-running service (systemd runs it; CLI verbs start one detached when
// none runs). Owns the kernel objects, pinned so they outlive it, serves the control socket, and
// writes every session's audit lines to its log. `vigil daemon stop [--unload]` stops it.
import { makeUndumpable } from '../system/undumpable.js';
import { HOOK_AGENTS } from '../agents/hook-protocol.js';
import { loadVigilConfig } from '../config/load-config.js';
import { HOST_PORT_WORDS, parseHostPort, type HostPort } from '../config/host-port.js';
import { CONTROL_OPS, type ExporterStatus } from '../daemon/control-protocol.js';
import { Exporters } from '../export/exporters.js';
import { VigilMetrics } from '../metrics/vigil-metrics.js';
import { MetricsEndpoint } from './metrics-endpoint.js';
import { vigilVersion } from './version.js';
import { ControlServer } from '../daemon/control-server.js';
import { connectDaemon, defaultSocketPath, stopDaemon } from '../daemon/control-client.js';
import { Daemon, DEFAULT_FAIL_CLOSED_MS } from '../daemon/daemon.js';
import { pinLockDir, socketLockDir, takeDaemonLock } from '../daemon/daemon-lock.js';
import { statePathFor } from '../daemon/daemon-state.js';
import { SystemError, UsageError } from '../errors.js';
import { defaultPinRoot, removeEmptyPinRoot } from '../loader/pinned-state.js';
import { fileEventsFlag, intFlag, parseVerbArgs, requireRoot } from './args.js';
import { openAuditOutput } from './audit-output.js';
import { untilSignal } from './watch-command.js';
import { postureChangeLine } from '../daemon/posture-line.js';
import { PostureWatcher } from '../posture/posture-watch.js';
import { systemdCoverage } from '../posture/systemd-units.js';
import type { VigilCoverage } from '../posture/types.js';

const HELP = `usage: vigil daemon [options]
       vigil daemon stop [--unload] [--socket PATH]

Runs the vigil daemon in the foreground (the systemd unit does this; vigil run, watch and
attach start one in the background when none runs). CLI verbs reach it through its control
socket. Its kernel state is pinned under $VIGIL_PIN_ROOT (default /sys/fs/bpf/vigil): if
the daemon dies, the hooks keep enforcing, each session fails closed after the deadline, and
the next daemon re-adopts it.

options:
  --audit-log FILE         append every session's audit lines to FILE (default: stdout)
  --config FILE            exporters, spool and metrics (default: $VIGIL_CONFIG or
                           /etc/vigil/vigil.yaml, none when that file is absent; docs/config.md)
  --metrics HOST:PORT      serve Prometheus metrics at http://HOST:PORT/metrics (overrides
                           metrics.listen of the config; docs/metrics.md)
  --socket PATH            the control socket (default: $VIGIL_SOCKET or /run/vigil/vigil.sock)
  --file-events MODE       allowed file opens to log for sessions that name no mode: first
                           (default), all, none (docs/audit.md, "Volume")
  --fail-closed-after MS   sessions fail closed when no daemon has consumed their events for
                           this long (default ${DEFAULT_FAIL_CLOSED_MS})
  --idle-exit SECONDS      exit (removing the pinned state) after this long with no session,
                           watch rule or client; 0 (default) never
  --posture HOME           watch the agents' guard surface (hooks, permissions, sandbox, MCP)
                           under this home folder and write a posture_change line for each
                           change (docs/posture.md); repeatable
  -h, --help               this help

stop: asks the running daemon to stop. Sessions still running stay enforced by the pinned
hooks (fail-closed) until a daemon re-adopts them; --unload removes the pinned state too, which
ends their enforcement.`;

export async function daemonCommand(argv: string[]): Promise<number> {
  if (argv[0] === 'stop') return daemonStop(argv.slice(1));
  const { values } = parseVerbArgs('daemon', argv, {
    'audit-log': { type: 'string' },
    socket: { type: 'string' },
    'file-events': { type: 'string' },
    'fail-closed-after': { type: 'string' },
    'idle-exit': { type: 'string' },
    posture: { type: 'string', multiple: true },
    config: { type: 'string' },
    metrics: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    console.log(HELP);
    return 0;
  }
  const loaded = loadVigilConfig(values.config);
  for (const w of loaded.warnings) console.error(`vigil: ${w}`);
  const metricsListen = metricsFlag(values.metrics) ?? loaded.config.metrics?.listen;
  const fileEvents = fileEventsFlag('daemon', values['file-events']);
  const failClosedAfterMs = intFlag('daemon', 'fail-closed-after', values['fail-closed-after']);
  const idleExitS =
    values['idle-exit'] === '0' ? 0 : (intFlag('daemon', 'idle-exit', values['idle-exit']) ?? 0);
  if (failClosedAfterMs !== undefined && failClosedAfterMs < 50)
    throw new UsageError('vigil daemon: --fail-closed-after must be at least 50 ms');
  requireRoot('daemon');
  const undumpable = makeUndumpable();
  if (undumpable !== '')
    console.error(`vigil: the daemon stays dumpable (${undumpable}): a root agent could read its memory`);
  const socket = values.socket ?? defaultSocketPath();
  const other = await connectDaemon(socket);
  if (other !== undefined) {
    await other.close();
    throw new SystemError('VIGIL_DAEMON_RUNNING', `a vigil daemon already serves ${socket}`, {
      hint: 'vigil status shows it; stop it first (vigil daemon stop, or systemctl stop vigil)',
    });
  }
  const pinRoot = defaultPinRoot();
  // one daemon per socket, and one per pinned state (two would both write its maps)
  const releaseSocket = takeDaemonLock(socketLockDir(socket), `for ${socket}`);
  let releasePins: () => void = () => undefined;
  try {
    releasePins = takeDaemonLock(pinLockDir(pinRoot), `owning the pinned state in ${pinRoot}`);
    const output = openAuditOutput(values['audit-log']);
    const sinks: { daemon?: Daemon } = {};
    // the exporters and the metrics endpoint before the daemon: the lines of sessions it
    // re-adopts are exported and counted too, and a port in use fails before anything loads
    const exporters = Exporters.start(loaded.config, {
      configPath: loaded.path,
      record: (line) => {
        sinks.daemon?.record(line);
      },
      log: (m) => {
        console.error(`vigil: ${m}`);
      },
    });
    const metrics = new VigilMetrics({
      version: vigilVersion(),
      sessionsActive: () => sinks.daemon?.activeSessions().length ?? 0,
      exporters: () => exporters.stats(),
      controlOps: CONTROL_OPS,
      hookAgents: HOOK_AGENTS,
    });
    const endpoint = new MetricsEndpoint(metrics);
    let daemon: Daemon;
    try {
      await endpoint.move(metricsListen);
      daemon = Daemon.start({
        ...(fileEvents === undefined ? {} : { fileEvents }),
        ...(failClosedAfterMs === undefined ? {} : { failClosedAfterMs }),
        pinRoot,
        statePath: statePathFor(socket),
        // the local log first: a line is in it before any exporter or scrape can see it
        onLine: (line) => {
          output.write(line);
          exporters.offer(line);
          metrics.observe(line);
        },
        exporters: () => exporterStatus(exporters),
      });
    } catch (err) {
      // the senders' timers and the endpoint would keep this process alive after the error
      await endpoint.move(undefined);
      await exporters.close(0);
      throw err;
    }
    sinks.daemon = daemon;
    for (const d of exporters.destinations())
      console.error(
        `vigil: exporting to ${d.destination} (exporter ${d.name}, spool in ${loaded.config.spool.dir})`,
      );
    for (const r of daemon.adoption.replaced)
      console.error(`vigil: removed the pinned state of an incompatible vigil build: ${r}`);
    const posture = watchPosture(daemon, values.posture ?? []);
    const server = await ControlServer.listen(daemon, socket, {
      control: (op) => {
        metrics.countControl(op);
      },
      feedback: (_op, hook) => {
        if (hook !== undefined) metrics.countHook(hook);
      },
    });
    console.error(
      `vigil: daemon ${process.pid} serving ${socket}, state pinned in ${daemon.adoption.pinned ?? '(nothing)'}`,
    );
    // SIGHUP: load every profile in use again (a bad one keeps its old tables), reopen the log,
    // read the config again (a bad one keeps the running exporters and metrics endpoint).
    process.on('SIGHUP', () => {
      const r = daemon.reloadProfiles();
      for (const bad of r.failed)
        console.error(`vigil: reload kept the previous ${bad.name}: ${bad.error.message}`);
      console.error(`vigil: reloaded ${r.reloaded.length} profile(s), ${r.failed.length} kept`);
      output.reopen();
      void reloadConfig(values.config, values.metrics, exporters, endpoint);
    });
    const request = { unload: false };
    const stopped = new Promise<void>((resolve) => {
      server.onStop = (u) => {
        request.unload = u;
        resolve();
      };
    });
    const idle = idleExit(daemon, server, idleExitS);
    try {
      const ended = { idle: false };
      const idled = idle.done.then(() => {
        ended.idle = true;
      });
      await untilSignal(Promise.race([stopped, idled]));
      if (ended.idle) console.error(`vigil: nothing to protect for ${idleExitS} s: exiting`);
      return 0;
    } finally {
      idle.stop();
      for (const w of posture) w.close();
      await endpoint.move(undefined);
      const active = daemon.activeSessions().length;
      // what was read goes to the clients before they are let go; the rest stays in the rings
      daemon.quiesce();
      const unload = request.unload;
      server.announceStop(!unload && !daemon.idle());
      await server.close();
      const { kept } = daemon.stop({ unload });
      if (kept)
        console.error(
          `vigil: stopped; ${active} session(s) stay enforced by the pinned hooks (fail-closed after ${daemon.failClosedAfterMs ?? DEFAULT_FAIL_CLOSED_MS} ms) until a daemon re-adopts them`,
        );
      else if (unload && active > 0)
        console.error(`vigil: unloaded: ${active} session(s) are no longer enforced`);
      // what the exporters have not delivered stays in their spools for the next daemon
      await exporters.close();
      output.close();
    }
  } finally {
    releasePins();
    releaseSocket();
    removeEmptyPinRoot(pinRoot);
  }
}

/** --metrics HOST:PORT, checked like metrics.listen of the config. */
function metricsFlag(text: string | undefined): HostPort | undefined {
  if (text === undefined) return undefined;
  const r = text.includes(':') ? parseHostPort(text, true) : `'${text}' names no port`;
  if (typeof r === 'string')
    throw new UsageError(`vigil daemon: --metrics ${text}: ${r}`, { hint: `give ${HOST_PORT_WORDS}` });
  return r;
}

function exporterStatus(exporters: Exporters): ExporterStatus[] | undefined {
  if (exporters.size === 0) return undefined;
  const where = new Map(exporters.destinations().map((d) => [d.name, d.destination]));
  return exporters.stats().map((e) => ({ ...e, destination: where.get(e.name) ?? '?' }));
}

/** SIGHUP: the config read again and applied; one that does not load changes nothing. */
async function reloadConfig(
  path: string | undefined,
  metricsOverride: string | undefined,
  exporters: Exporters,
  endpoint: MetricsEndpoint,
): Promise<void> {
  try {
    const loaded = loadVigilConfig(path);
    for (const w of loaded.warnings) console.error(`vigil: ${w}`);
    const next = metricsFlag(metricsOverride) ?? loaded.config.metrics?.listen;
    const r = await exporters.reconfigure(loaded.config);
    console.error(
      `vigil: ${loaded.found ? loaded.path : `no ${loaded.path}`}: exporters ${r.started.length} started, ${r.restarted.length} restarted, ${r.stopped.length} stopped, ${exporters.size - r.started.length - r.restarted.length} unchanged`,
    );
    for (const f of r.failed)
      console.error(`vigil: exporter ${f.name} did not start and exports nothing until a reload: ${f.error}`);
    await endpoint.move(next).catch((err: unknown) => {
      console.error(`vigil: no metrics endpoint now: ${err instanceof Error ? err.message : String(err)}`);
    });
  } catch (err) {
    // nothing was changed: the config is read and its TLS files too before anything stops
    console.error(
      `vigil: the config was not reloaded, the running exporters and metrics stay as they were: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/**
 * --posture HOME: a watcher per home folder; each change of an agent's guard surface becomes a
 * posture_change line. Coverage is the daemon's own watch rules and the systemd units.
 */
function watchPosture(daemon: Daemon, homes: readonly string[]): PostureWatcher[] {
  return homes.map((home) => {
    const coverage = (): VigilCoverage => ({
      watchRules: daemon.status().watchRules.map((w) => w.basename),
      systemdUnits: systemdCoverage(),
    });
    const watcher = new PostureWatcher({ home, project: null, coverage }, (change) => {
      try {
        daemon.record(postureChangeLine(change, home));
      } catch (err) {
        console.error(`vigil: a posture_change line for ${change.path} was not written: ${String(err)}`);
      }
    });
    const report = watcher.start();
    console.error(`vigil: watching the guard surface under ${home} (worst posture score ${report.worst})`);
    return watcher;
  });
}

async function daemonStop(argv: string[]): Promise<number> {
  const { values } = parseVerbArgs('daemon stop', argv, {
    unload: { type: 'boolean' },
    socket: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    console.log(HELP);
    return 0;
  }
  requireRoot('daemon stop');
  const socket = values.socket ?? defaultSocketPath();
  if (!(await stopDaemon(socket, values.unload === true))) {
    console.error(`vigil: no daemon answers at ${socket}`);
    return 1;
  }
  console.error(`vigil: the daemon at ${socket} stopped${values.unload === true ? ' and unloaded' : ''}`);
  return 0;
}

/** Resolves once the daemon has had nothing to protect or serve for `seconds` (never for 0). */
function idleExit(
  daemon: Daemon,
  server: ControlServer,
  seconds: number,
): { done: Promise<void>; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => {
    if (seconds <= 0) return;
    let idleSince: number | undefined;
    timer = setInterval(() => {
      if (!daemon.idle() || server.clients > 0) {
        idleSince = undefined;
        return;
      }
      // idle since the last client left, even one that came and went between two looks
      idleSince = Math.max(idleSince ?? performance.now(), server.lastActivityAt);
      if (performance.now() - idleSince >= seconds * 1000) resolve();
    }, 250);
  });
  return {
    done,
    stop: () => {
      clearInterval(timer);
    },
  };
}
