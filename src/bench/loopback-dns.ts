// Debian's dnsmasq as a resolver on a loopback address, serving test names only (no upstream, no
// /etc/hosts, no pid file, no system service): what the DNS proxy's tests and the bench ask.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';

export const DNSMASQ = '/usr/sbin/dnsmasq';

export interface LoopbackDns {
  address: string;
  port: number;
  stop(): void;
}

/** Why dnsmasq cannot be used here, or undefined when it can. */
export function dnsmasqMissing(): string | undefined {
  return spawnSync(DNSMASQ, ['--version']).status === 0
    ? undefined
    : `${DNSMASQ} is missing (scripts/setup.sh installs dnsmasq-base)`;
}

/** A free UDP port on 127.0.0.1 (for a resolver that may not take port 53). */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  s.close();
  return port;
}

/** One A query for `name`, answered or not within `ms`. */
function answers(address: string, port: number, name: string, ms: number): Promise<boolean> {
  const query = Buffer.concat([
    Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]),
    ...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])),
    Buffer.from([0, 0, 1, 0, 1]),
  ]);
  return new Promise((resolve) => {
    const s = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      s.close();
      resolve(false);
    }, ms);
    s.once('message', () => {
      clearTimeout(timer);
      s.close();
      resolve(true);
    });
    s.send(query, port, address);
  });
}

/**
 * Starts dnsmasq on `address`:`port` with `records` (`name,addr[,addr]` host records), `cnames`
 * (`alias,target`) and `txts` (`name,text`); resolves once it answers the first host record.
 */
export async function startLoopbackDns(options: {
  address: string;
  port: number;
  records: readonly string[];
  cnames?: readonly string[];
  txts?: readonly string[];
  ttlS?: number;
}): Promise<LoopbackDns> {
  const child: ChildProcess = spawn(
    DNSMASQ,
    [
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--no-resolv',
      '--no-hosts',
      '--pid-file=',
      '--bind-interfaces',
      `--listen-address=${options.address}`,
      `--port=${options.port}`,
      ...options.records.map((r) => `--host-record=${r}`),
      ...(options.cnames ?? []).map((c) => `--cname=${c}`),
      ...(options.txts ?? []).map((t) => `--txt-record=${t}`),
      ...(options.ttlS === undefined ? [] : [`--local-ttl=${options.ttlS}`]),
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const stop = () => {
    if (child.exitCode === null) child.kill();
  };
  const first = (options.records[0] ?? 'localhost').split(',')[0] as string;
  for (let i = 0; i < 50; i++) {
    if (await answers(options.address, options.port, first, 100)) return { ...options, stop };
  }
  stop();
  throw new Error(`dnsmasq did not answer on ${options.address}:${options.port}`);
}
