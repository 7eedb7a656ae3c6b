// What the real syslog receivers of the export tests (rsyslog, syslog-ng) share: free loopback
// ports, a daemon process started in the foreground and stopped by its pid, the wait for its
// listening sockets (read from /proc/net, so no probe message lands in the output), and the
// files it writes: one per input, one line per message, `MSGID<TAB>STRUCTURED-DATA<TAB>MSG`.
// Inputs: RFC 5424 over TCP with octet counting (tcp), the same over TLS (tls), over TCP with a
// line feed after each message (lf: syslog-ng's syslog() source reads octet counting only, so
// it needs a network() source of its own), and one message per datagram (udp).
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

import { makeTestCa, type TestCa } from './tls-certs.js';

export type SyslogInput = 'tcp' | 'tls' | 'lf' | 'udp';
export const SYSLOG_INPUTS: readonly SyslogInput[] = ['tcp', 'tls', 'lf', 'udp'];

/** The UDP inputs' receive buffer: the default 208 KiB overflowed under a burst (syslog-ng). */
export const UDP_RECEIVE_BUFFER = 1 << 20;

/** One message as a receiver wrote it. */
export interface ReceivedSyslog {
  readonly msgId: string;
  readonly structuredData: string;
  readonly msg: string;
  /** eventId="..." from the structured data (unescaped), or undefined */
  readonly eventId: string | undefined;
  readonly truncated: boolean;
}

export interface SyslogReceiver {
  /** 'rsyslog 8.2302.0' or the like, for messages */
  readonly name: string;
  readonly ports: Readonly<Record<SyslogInput, number>>;
  /** the CA whose server certificate the TLS input presents */
  readonly ca: TestCa;
  /** every message written so far for `input` */
  received(input: SyslogInput): ReceivedSyslog[];
  /** waits until every id in `ids` arrived on `input`; the ids still missing after `ms` */
  missing(input: SyslogInput, ids: Iterable<string>, ms?: number): Promise<string[]>;
  /** SIGTERM to its pid, then waits for the exit */
  stop(): Promise<void>;
  /** starts it again on the same ports and files */
  start(): Promise<void>;
  /** what the daemon wrote on stdout and stderr (for an assertion's message) */
  output(): string;
}

/** How a receiver is run: its command line and environment, from the files it writes. */
export interface ReceiverLaunch {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** a file where the daemon logs its own messages, shown with its output */
  readonly diagnostics?: string;
}

export interface ReceiverLayout {
  readonly dir: string;
  readonly ports: Readonly<Record<SyslogInput, number>>;
  readonly ca: TestCa;
  /** the file the receiver writes `input`'s messages to */
  readonly logFile: (input: SyslogInput) => string;
}

/** A free TCP port and a free UDP port on 127.0.0.1 (the kernel's choice; released at once). */
async function freePort(kind: 'tcp' | 'udp'): Promise<number> {
  if (kind === 'udp') {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    const { port } = s.address();
    s.close();
    return port;
  }
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => {
    server.close(() => {
      r();
    });
  });
  return port;
}

/** Whether a socket of `kind` is bound (UDP) or listening (TCP) on 127.0.0.1:`port`. */
function bound(kind: 'tcp' | 'udp', port: number): boolean {
  const want = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync(`/proc/net/${kind}`, 'utf8')
    .split('\n')
    .slice(1)
    .some((row) => {
      const f = row.trim().split(/\s+/);
      return f[1] === want && (kind === 'udp' || f[3] === '0A');
    });
}

export function parseReceivedLine(line: string): ReceivedSyslog {
  const [msgId = '', structuredData = '', ...rest] = line.split('\t');
  const msg = rest.join('\t').replace(/^\uFEFF/, '');
  const id = /eventId="((?:[^"\\]|\\.)*)"/.exec(structuredData)?.[1];
  return {
    msgId,
    structuredData,
    msg,
    eventId: id?.replace(/\\(.)/g, '$1'),
    truncated: structuredData.includes('truncated="true"'),
  };
}

/**
 * Runs a receiver for test `t`: a temporary folder with a CA, free ports, the configuration
 * `configure` writes there, and the daemon `launch` names; stopped and its folder removed in
 * `t.after`, whether the test passed or not.
 */
export async function startReceiver(
  t: TestContext,
  prefix: string,
  configure: (layout: ReceiverLayout) => ReceiverLaunch,
): Promise<SyslogReceiver> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const ports = { tcp: 0, tls: 0, lf: 0, udp: await freePort('udp') };
  const taken = new Set<number>();
  for (const input of ['tcp', 'tls', 'lf'] as const) {
    do ports[input] = await freePort('tcp');
    while (taken.has(ports[input]));
    taken.add(ports[input]);
  }
  const layout: ReceiverLayout = {
    dir,
    ports,
    ca: makeTestCa(dir, 'receiver'),
    logFile: (input) => join(dir, `${input}.log`),
  };
  const launch = configure(layout);
  const outputFile = join(dir, 'daemon.out');
  let child: ChildProcess | null = null;

  const output = () =>
    [outputFile, launch.diagnostics]
      .filter((f): f is string => f !== undefined && existsSync(f))
      .map((f) => readFileSync(f, 'utf8'))
      .join('');
  const stop = async () => {
    const c = child;
    child = null;
    if (c === null || c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return;
    const exited = new Promise<void>((r) => {
      c.once('exit', () => {
        r();
      });
    });
    process.kill(c.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (c.pid !== undefined && c.exitCode === null) process.kill(c.pid, 'SIGKILL');
    }, 5000);
    await exited;
    clearTimeout(timer);
  };
  const start = async () => {
    if (child !== null) return;
    const out = openSync(outputFile, 'a');
    const c = spawn(launch.command, launch.args, {
      stdio: ['ignore', out, out],
      env: launch.env ?? process.env,
    });
    closeSync(out);
    child = c;
    const end = Date.now() + 10_000;
    while (!(
      bound('tcp', ports.tcp) &&
      bound('tcp', ports.tls) &&
      bound('tcp', ports.lf) &&
      bound('udp', ports.udp)
    )) {
      if (c.exitCode !== null || c.signalCode !== null || Date.now() > end) {
        await stop();
        throw new Error(`${launch.name} did not come up on ${JSON.stringify(ports)}:\n${output()}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  t.after(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await start();

  const received = (input: SyslogInput): ReceivedSyslog[] => {
    const file = layout.logFile(input);
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map(parseReceivedLine);
  };
  return {
    name: launch.name,
    ports,
    ca: layout.ca,
    received,
    async missing(input, ids, ms = 10_000) {
      const want = new Set(ids);
      const end = Date.now() + ms;
      for (;;) {
        for (const m of received(input)) if (m.eventId !== undefined) want.delete(m.eventId);
        if (want.size === 0 || Date.now() > end) return [...want];
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop,
    start,
    output,
  };
}
