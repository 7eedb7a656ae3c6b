// A session's SNI proxy (verify_sni). The kernel sends the session's TCP connects to addresses
// learned for allowed host names, on ports 80 and 443, here instead (kernel/hooks/cgroup_net.h)
// and keeps where each was going. The proxy reads the server name the client sends first (TLS
// SNI, or the HTTP Host header), without decrypting anything, and splices the connection on to
// its destination only if that name is allowed and the destination's address was learned for
// it: one address often serves many names, and the name decides. Otherwise the connection is
// reset before a byte reaches the destination. Every decision is recorded (the sni_check line).
import { Socket, type Server, type SocketConstructorOpts } from 'node:net';

import { SystemError } from '../errors.js';
import { normaliseHostName } from '../policy/host-spec.js';
import { readFirstBytes, type FirstBytes } from './client-hello.js';
import { closeServer, listenTcp, SPLICE_BUFFER } from './loopback-listen.js';
import { decideName, type NamePolicy } from './name-policy.js';

/** Where a connection the kernel sent here was going (the kernel's sni_conns map). */
export interface ConnectionOrigin {
  session: number;
  address: string;
  port: number;
}

export interface SniCheckRecord {
  session: number;
  /** what the client spoke: null when neither TLS nor HTTP could be read */
  protocol: 'tls' | 'http' | null;
  /** the name the client asked the server for; null: it sent none */
  serverName: string | null;
  /** the destination the agent connected to */
  address: string;
  port: number;
  /** the allowed names DNS gave this address for */
  learnedFor: readonly string[];
  /** BLOCK: reset, nothing sent on; AUDIT: an audit-only session's mismatch, sent on */
  action: 'ALLOW' | 'BLOCK' | 'AUDIT';
  rule: string | null;
  reason: string;
}

export interface SniProxyOptions {
  session: number;
  policy: NamePolicy;
  /** the allowed names the session's DNS answers gave `address` for (asked names, normalised) */
  learnedFor: (address: string) => readonly string[];
  /** where the kernel's connection from `peer`:`port` was going (read once) */
  origin: (peer: string, port: number) => ConnectionOrigin | undefined;
  /** an audit-only session: a mismatch is recorded as AUDIT and sent on */
  auditOnly: boolean;
  record: (r: SniCheckRecord) => void;
  /** how long a client may take to send its ClientHello or request head (ms) */
  firstBytesTimeoutMs?: number;
}

export interface SniProxyCounters {
  connections: number;
  allowed: number;
  refused: number;
  /** connections the kernel did not send here (another local process found the port) */
  strangers: number;
}

type Verdict = Pick<SniCheckRecord, 'action' | 'rule' | 'reason' | 'serverName' | 'protocol'>;

/** The proxy's decision on the first bytes of a connection to `origin`. */
export function decideServerName(
  first: Exclude<FirstBytes, { kind: 'more' }>,
  origin: { address: string; port: number },
  policy: NamePolicy,
  learnedFor: readonly string[],
): Verdict {
  const refuse = (reason: string, serverName: string | null = null, rule: string | null = null): Verdict => ({
    action: 'BLOCK',
    rule,
    reason,
    serverName,
    protocol: first.kind === 'unknown' ? null : first.kind,
  });
  if (first.kind === 'unknown') return refuse(`${first.why}: no server name to check`);
  // ECH: the name checked is the outer one, which names the server the connection really reaches
  // (the real name of true ECH, inside, is not seen: a front that is not allowed is refused; one
  // that is allowed is the documented gap). Browsers send a GREASE ECH on every connection.
  const ech = first.kind === 'tls' && first.ech ? ' (outer name of an ECH ClientHello)' : '';
  const sent = first.kind === 'tls' ? first.serverName : first.host;
  if (sent === null)
    return refuse(
      first.kind === 'tls' ? 'the ClientHello names no server (no SNI)' : 'the request has no Host header',
    );
  const name = normaliseHostName(sent);
  const verdict = decideName(policy, name);
  if (!verdict.allow)
    return refuse(
      verdict.rule === null ? `${name} is not an allowed host` : `${name} is denied`,
      name,
      verdict.rule?.id ?? null,
    );
  const rule = verdict.rule.id;
  if (!learnedFor.includes(name))
    return refuse(
      `${origin.address} was learned for ${learnedFor.length === 0 ? 'no allowed name' : learnedFor.join(', ')}, not for ${name}`,
      name,
      rule,
    );
  const ports = verdict.rule.pattern.ports;
  if (ports.length > 0 && !ports.includes(origin.port))
    return refuse(`${rule} allows ${name} on port ${ports.join(', ')}, not ${origin.port}`, name, rule);
  return {
    action: 'ALLOW',
    rule,
    reason: `${name}${ech} is allowed by ${rule}`,
    serverName: name,
    protocol: first.kind,
  };
}

export class SniSessionProxy {
  readonly counters: SniProxyCounters = { connections: 0, allowed: 0, refused: 0, strangers: 0 };
  readonly #o: SniProxyOptions;
  readonly #servers: Server[] = [];
  readonly #sockets = new Set<Socket>();
  #port = 0;

  private constructor(o: SniProxyOptions) {
    this.#o = o;
  }

  /** Listens on one port of 127.0.0.1 and, where IPv6 is up, the same port of ::1. */
  static async start(o: SniProxyOptions): Promise<SniSessionProxy> {
    const proxy = new SniSessionProxy(o);
    await proxy.#listen();
    return proxy;
  }

  get port(): number {
    return this.#port;
  }

  /** Whether IPv6 connects can come to ::1 (else to ::ffff:127.0.0.1). */
  get ipv6(): boolean {
    return this.#servers.length > 1;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await Promise.all(this.#servers.map(closeServer));
    this.#servers.length = 0;
  }

  async #listen(): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 20; attempt++) {
      const v4 = await listenTcp('127.0.0.1', 0, true);
      const port = (v4.address() as { port: number }).port;
      const servers = [v4];
      try {
        servers.push(await listenTcp('::1', port, true));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          lastError = err;
          await closeServer(v4);
          continue;
        }
        // no IPv6 loopback: IPv6 sockets are sent to ::ffff:127.0.0.1
      }
      for (const s of servers)
        s.on('connection', (c) => {
          this.#accept(c);
        });
      this.#servers.push(...servers);
      this.#port = port;
      return;
    }
    throw new SystemError(
      'VIGIL_SNI_PROXY',
      `the SNI proxy found no loopback port free on both 127.0.0.1 and ::1 (${lastError instanceof Error ? lastError.message : String(lastError)})`,
    );
  }

  #track(s: Socket): void {
    this.#sockets.add(s);
    s.on('close', () => this.#sockets.delete(s));
    s.on('error', () => undefined); // a reset by either end: the other is destroyed below
  }

  #accept(c: Socket): void {
    this.#track(c);
    this.counters.connections++;
    let origin: ConnectionOrigin | undefined;
    try {
      origin =
        c.remoteAddress === undefined || c.remotePort === undefined
          ? undefined
          : this.#o.origin(c.remoteAddress, c.remotePort);
    } catch {
      origin = undefined; // the kernel's map could not be read: a connection nobody vouches for
    }
    if (origin?.session !== this.#o.session) {
      this.counters.strangers++;
      c.destroy();
      return;
    }
    let buf = Buffer.alloc(0);
    const timeoutMs = this.#o.firstBytesTimeoutMs ?? 10_000;
    const timer = setTimeout(() => {
      onFirst({ kind: 'unknown', why: `nothing readable in ${timeoutMs} ms` });
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      const first = readFirstBytes(buf);
      if (first.kind !== 'more') onFirst(first);
    };
    const onEnd = (): void => {
      onFirst({ kind: 'unknown', why: 'the client closed before naming a server' });
    };
    const onFirst = (first: Exclude<FirstBytes, { kind: 'more' }>): void => {
      clearTimeout(timer);
      c.off('data', onData);
      c.off('end', onEnd);
      c.pause();
      this.#decided(c, origin, first, buf);
    };
    c.on('data', onData);
    c.on('end', onEnd);
    // gone before naming a server (reset, or close() here): nothing to decide, nothing to record
    c.once('close', () => {
      clearTimeout(timer);
    });
  }

  #decided(
    c: Socket,
    origin: ConnectionOrigin,
    first: Exclude<FirstBytes, { kind: 'more' }>,
    head: Buffer,
  ): void {
    const o = this.#o;
    const learnedFor = o.learnedFor(origin.address);
    const v = decideServerName(first, origin, o.policy, learnedFor);
    const action = v.action === 'BLOCK' && o.auditOnly ? 'AUDIT' : v.action;
    o.record({ session: o.session, address: origin.address, port: origin.port, learnedFor, ...v, action });
    if (action === 'BLOCK') {
      this.counters.refused++;
      c.resetAndDestroy();
      return;
    }
    this.counters.allowed++;
    // the Duplex buffers (not in @types/node's socket options): fewer pause/resume turns per MB
    const up = new Socket({ allowHalfOpen: true, highWaterMark: SPLICE_BUFFER } as SocketConstructorOpts);
    up.setNoDelay(true);
    up.connect({ host: origin.address, port: origin.port });
    this.#track(up);
    const fail = (): void => {
      if (!c.destroyed) c.resetAndDestroy();
      if (!up.destroyed) up.destroy();
    };
    up.once('connect', () => {
      up.write(head);
      c.pipe(up);
      up.pipe(c);
      c.resume();
    });
    up.on('error', fail);
    c.on('error', fail);
    c.on('close', () => up.destroy());
    up.on('close', () => {
      if (!c.writableEnded) c.end();
    });
  }
}
