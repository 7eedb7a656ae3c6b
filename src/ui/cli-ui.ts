// The `--ui` flags of `vigil run` and `vigil watch`, and starting the UI for a verb's daemon
// handle: over the Daemon itself when it runs in this process, else over a control-socket
// connection of the UI's own (so the UI's subscription never replaces the verb's).
import { isIP } from 'node:net';

import { connectDaemon, DaemonUnavailable, type DaemonHandle } from '../daemon/control-client.js';
import type { ProfileRef } from '../daemon/control-protocol.js';
import type { Daemon } from '../daemon/daemon.js';
import { UsageError } from '../errors.js';
import { DEFAULT_UI_HOST, DEFAULT_UI_PORT } from './ui-defaults.js';
// the server and its sources are loaded with --ui only: the verbs start faster without
import type { UiServer } from './ui-server.js';
import type { UiSource } from './ui-source.js';

/** Spread into a verb's parseArgs options. */
export const UI_FLAGS = {
  ui: { type: 'boolean' },
  'ui-host': { type: 'string' },
  'ui-port': { type: 'string' },
  'ui-public': { type: 'boolean' },
} as const;

export const UI_HELP = `  --ui                  serve the live web UI (http://127.0.0.1:7394, token in the URL
                        printed on stderr)
  --ui-host ADDR        address to serve it on (default 127.0.0.1); any address that is
                        not loopback also needs --ui-public
  --ui-port N           port (default 7394; 0: any free port)
  --ui-public           allow a non-loopback --ui-host (plain HTTP: the token is the only
                        protection)`;

export interface UiFlagValues {
  ui?: boolean | undefined;
  'ui-host'?: string | undefined;
  'ui-port'?: string | undefined;
  'ui-public'?: boolean | undefined;
}

export interface UiOptions {
  host: string;
  port: number;
  public: boolean;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** The UI options from the flags (undefined without --ui); a UsageError for bad ones. */
export function uiOptionsFrom(verb: string, values: UiFlagValues): UiOptions | undefined {
  const other = (['ui-host', 'ui-port', 'ui-public'] as const).find((f) => values[f] !== undefined);
  if (values.ui !== true) {
    if (other !== undefined) throw new UsageError(`vigil ${verb}: --${other} needs --ui`);
    return undefined;
  }
  const host = values['ui-host'] ?? DEFAULT_UI_HOST;
  if (host !== 'localhost' && isIP(host) === 0) {
    throw new UsageError(`vigil ${verb}: --ui-host must be an IP address or localhost, got '${host}'`);
  }
  const portText = values['ui-port'];
  let port: number = DEFAULT_UI_PORT;
  if (portText !== undefined) {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port > 65535) {
      throw new UsageError(`vigil ${verb}: --ui-port must be a port number (0-65535), got '${portText}'`);
    }
  }
  const loopback = isLoopback(host);
  if (!loopback && values['ui-public'] !== true) {
    throw new UsageError(
      `vigil ${verb}: --ui-host ${host} would expose every audit event beyond this machine; add --ui-public to do it anyway`,
      { hint: 'or reach the loopback UI through an SSH tunnel: ssh -L 7394:127.0.0.1:7394 HOST' },
    );
  }
  return { host, port, public: !loopback };
}

/** The UI for a verb's daemon handle; prints its URL (and any warning) on stderr. */
export async function startUi(
  handle: DaemonHandle,
  options: UiOptions,
  profiles: readonly ProfileRef[],
  log: (text: string) => void = (t) => process.stderr.write(t),
): Promise<UiServer> {
  const { DaemonUiSource, HandleUiSource } = await import('./ui-source.js');
  const { UiServer } = await import('./ui-server.js');
  let source: UiSource;
  const local = (handle as DaemonHandle & { daemon?: Daemon }).daemon;
  if (handle.inProcess && local !== undefined) {
    source = new DaemonUiSource(local, profiles);
  } else {
    const own = await connectDaemon();
    if (own === undefined) throw new DaemonUnavailable('the UI cannot reach the vigil daemon');
    source = new HandleUiSource(own, profiles);
  }
  let ui: UiServer;
  try {
    ui = await UiServer.start({ source, host: options.host, port: options.port, public: options.public });
  } catch (err) {
    await source.close();
    throw err;
  }
  if (options.public) {
    log(
      `vigil: WARNING: the UI listens on ${options.host}:${ui.port} over plain HTTP; anyone who can reach it and has the token sees every audit event\n`,
    );
  }
  log(`vigil: live UI at ${ui.url}\n`);
  return ui;
}
