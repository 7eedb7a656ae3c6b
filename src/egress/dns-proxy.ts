// A session's DNS proxy. The kernel sends the session's DNS (UDP and TCP port 53, to a resolver
// it may use) here instead (kernel/hooks/dns_redirect.h), one port per resolver, so the proxy
// knows which resolver the agent addressed. A question for a name the profile does not allow is
// answered REFUSED; for an allowed name the query goes to that resolver unchanged, and every
// address of the answer (along its CNAME chain) is written into the kernel's learned addresses
// before the answer goes back: the agent's connect to it finds it. A packet that is not DNS gets
// FORMERR. Every question is recorded (the dns_query audit line).
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createConnection, type Server, type Socket } from 'node:net';

import dnsPacket, { type DecodedPacket } from 'dns-packet';

import { SystemError } from '../errors.js';
import { answeredAddresses, type AnsweredAddress } from './dns-answer.js';
import { listenTcp } from './loopback-listen.js';
import { decideName, type HostRule, type NamePolicy } from './name-policy.js';

export interface Upstream {
  address: string;
  /** 53, unless a test's server listens elsewhere */
  port: number;
}

export interface DnsQueryRecord {
  session: number;
  transport: 'udp' | 'tcp';
  /** the resolver the agent addressed */
  upstream: string;
  /** empty when the packet could not be read */
  name: string;
  qtype: string;
  verdict: 'ALLOW' | 'BLOCK';
  /** the host rule that decided; null: none covers the name (or a malformed packet) */
  rule: string | null;
  /** the response's code: NOERROR, NXDOMAIN, REFUSED (the proxy's), FORMERR, SERVFAIL */
  rcode: string;
  answers: AnsweredAddress[];
  /** why the proxy answered itself: not allowed, malformed, the resolver failed */
  reason?: string;
}

export interface DnsProxyOptions {
  session: number;
  policy: NamePolicy;
  upstreams: readonly Upstream[];
  /** learned addresses live at least this long, whatever the answer's TTL (s) */
  minTtlS: number;
  /** writes the address into the kernel, for the name asked; called before the answer goes back */
  learn: (address: AnsweredAddress, ttlS: number, rule: HostRule, asked: string) => void;
  record: (q: DnsQueryRecord) => void;
  /** how long a resolver may take (ms) */
  timeoutMs?: number;
}

export interface DnsProxyCounters {
  questions: number;
  refused: number;
  malformed: number;
  upstreamFailures: number;
}

const RCODE = { FORMERR: 1, SERVFAIL: 2, REFUSED: 5 } as const;

/** A header-only response with `rcode`, echoing the question when there is one. */
function answerWith(query: Buffer, rcode: number, decoded?: DecodedPacket): Buffer {
  if (decoded !== undefined) {
    return dnsPacket.encode({
      type: 'response',
      id: decoded.id ?? 0,
      flags: ((decoded.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | dnsPacket.RECURSION_AVAILABLE | rcode,
      questions: decoded.questions ?? [],
    });
  }
  const out = Buffer.alloc(12);
  out.writeUInt16BE(query.length >= 2 ? query.readUInt16BE(0) : 0, 0);
  out.writeUInt16BE(0x8000 | rcode, 2);
  return out;
}

interface Listener {
  upstream: Upstream;
  port: number;
  udp: UdpSocket[];
  tcp: Server[];
}

export class DnsSessionProxy {
  readonly counters: DnsProxyCounters = { questions: 0, refused: 0, malformed: 0, upstreamFailures: 0 };
  readonly #o: DnsProxyOptions;
  readonly #listeners: Listener[] = [];
  readonly #clients = new Set<Socket>();

  private constructor(o: DnsProxyOptions) {
    this.#o = o;
  }

  /** Listens for each upstream on one port of 127.0.0.1 and, where IPv6 is up, of ::1. */
  static async start(o: DnsProxyOptions): Promise<DnsSessionProxy> {
    const proxy = new DnsSessionProxy(o);
    try {
      for (const up of o.upstreams) proxy.#listeners.push(await proxy.#listen(up));
    } catch (err) {
      await proxy.close();
      throw err;
    }
    return proxy;
  }

  /** The port the kernel sends each resolver's traffic to. */
  get ports(): { upstream: string; port: number; ipv6: boolean }[] {
    return this.#listeners.map((l) => ({
      upstream: l.upstream.address,
      port: l.port,
      ipv6: l.udp.length > 1,
    }));
  }

  async close(): Promise<void> {
    for (const c of this.#clients) c.destroy();
    for (const l of this.#listeners) {
      for (const u of l.udp) u.close();
      await Promise.all(
        l.tcp.map(
          (s) =>
            new Promise<void>((r) =>
              s.close(() => {
                r();
              }),
            ),
        ),
      );
    }
    this.#listeners.length = 0;
  }

  /** One port for UDP and TCP on both loopbacks; a port taken on one of them is tried again. */
  async #listen(up: Upstream): Promise<Listener> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 20; attempt++) {
      const udp4 = await bindUdp('udp4', '127.0.0.1', 0);
      const port = udp4.address().port;
      const l: Listener = { upstream: up, port, udp: [udp4], tcp: [] };
      try {
        l.tcp.push(await listenTcp('127.0.0.1', port));
        try {
          l.udp.push(await bindUdp('udp6', '::1', port));
          l.tcp.push(await listenTcp('::1', port));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw err;
          // no IPv6 loopback here: the kernel refuses IPv6 DNS instead of sending it here
          for (const u of l.udp.slice(1)) u.close();
          l.udp.length = 1;
        }
      } catch (err) {
        lastError = err;
        for (const u of l.udp) u.close();
        for (const s of l.tcp) s.close();
        continue;
      }
      for (const u of l.udp) u.on('message', (msg, from) => void this.#onUdp(l, u, msg, from));
      for (const s of l.tcp)
        s.on('connection', (c) => {
          this.#onTcp(l, c);
        });
      return l;
    }
    const why = lastError instanceof Error ? lastError.message : String(lastError);
    throw new SystemError(
      'VIGIL_DNS_PROXY',
      `the DNS proxy for ${up.address} found no loopback port free on both 127.0.0.1 and ::1 (${why})`,
    );
  }

  async #onUdp(l: Listener, sock: UdpSocket, msg: Buffer, from: RemoteInfo): Promise<void> {
    try {
      const reply = await this.#answer(l.upstream, msg, 'udp');
      if (reply !== undefined) sock.send(reply, from.port, from.address);
    } catch {
      // the proxy closed meanwhile (its session ended), or the line could not be written: the
      // agent's resolver times out; never an unhandled rejection in the daemon
    }
  }

  #onTcp(l: Listener, c: Socket): void {
    this.#clients.add(c);
    let buf = Buffer.alloc(0);
    let busy = Promise.resolve();
    c.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        busy = busy
          .then(async () => {
            const reply = await this.#answer(l.upstream, Buffer.from(msg), 'tcp');
            if (reply === undefined || c.destroyed) return;
            const len = Buffer.alloc(2);
            len.writeUInt16BE(reply.length);
            c.write(Buffer.concat([len, reply]));
          })
          .catch(() => {
            c.destroy(); // never an unhandled rejection in the daemon: this client goes
          });
      }
    });
    c.on('error', () => undefined);
    c.on('close', () => this.#clients.delete(c));
  }

  /** The response to one query: the proxy's own refusal, or the resolver's answer once learned. */
  async #answer(up: Upstream, query: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    const o = this.#o;
    const base = { session: o.session, transport, upstream: up.address, answers: [] };
    let decoded: DecodedPacket;
    try {
      decoded = dnsPacket.decode(query);
      if (decoded.type !== 'query' || decoded.questions?.length !== 1)
        throw new SystemError('VIGIL_DNS_PROXY', 'not one question');
    } catch {
      this.counters.malformed++;
      o.record({
        ...base,
        name: '',
        qtype: '',
        verdict: 'BLOCK',
        rule: null,
        rcode: 'FORMERR',
        reason: 'malformed',
      });
      return query.length >= 2 ? answerWith(query, RCODE.FORMERR) : undefined;
    }
    const q = decoded.questions[0] as { name: string; type: string };
    this.counters.questions++;
    const verdict = decideName(o.policy, q.name);
    if (!verdict.allow) {
      this.counters.refused++;
      o.record({
        ...base,
        name: q.name,
        qtype: q.type,
        verdict: 'BLOCK',
        rule: verdict.rule?.id ?? null,
        rcode: 'REFUSED',
        reason: verdict.rule === null ? 'no allowed_hosts rule names it' : 'denied',
      });
      return answerWith(query, RCODE.REFUSED, decoded);
    }
    const allowedBy = verdict.rule;
    /** An allowed name the proxy could not answer for: SERVFAIL, recorded with why. */
    const servfail = (reason: string): Buffer => {
      this.counters.upstreamFailures++;
      const fields = { name: q.name, qtype: q.type, rule: allowedBy.id };
      o.record({ ...base, ...fields, verdict: 'ALLOW', rcode: 'SERVFAIL', reason });
      return answerWith(query, RCODE.SERVFAIL, decoded);
    };
    let raw: Buffer;
    let response: DecodedPacket;
    try {
      raw = await (transport === 'udp' ? askUdp : askTcp)(up, query, o.timeoutMs ?? 3000);
      response = dnsPacket.decode(raw);
      if (response.id !== decoded.id)
        throw new SystemError('VIGIL_DNS_PROXY', 'the answer is for another query');
    } catch (err) {
      return servfail(`the resolver failed: ${errorText(err)}`);
    }
    const answers = answeredAddresses(response, q.name);
    try {
      for (const a of answers) o.learn(a, Math.max(a.ttlS, o.minTtlS), verdict.rule, q.name);
    } catch (err) {
      // an answer the kernel could not learn would be refused at connect: say so at DNS instead
      return servfail(`its addresses could not be allowed in the kernel: ${errorText(err)}`);
    }
    o.record({
      ...base,
      name: q.name,
      qtype: q.type,
      verdict: 'ALLOW',
      rule: verdict.rule.id,
      rcode: (response as { rcode?: string }).rcode ?? 'NOERROR',
      answers,
    });
    return raw;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function bindUdp(type: 'udp4' | 'udp6', address: string, port: number): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type, ipv6Only: type === 'udp6' });
    s.once('error', reject);
    s.bind(port, address, () => {
      s.off('error', reject);
      s.on('error', () => undefined);
      resolve(s);
    });
  });
}

/** One UDP exchange with the resolver, from a socket of its own (so answers cannot be mixed up). */
function askUdp(up: Upstream, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = createSocket(up.address.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new SystemError('VIGIL_DNS_PROXY', `no answer from ${up.address} in ${timeoutMs} ms`));
    }, timeoutMs);
    s.on('error', (err) => {
      clearTimeout(timer);
      s.close();
      reject(err);
    });
    s.on('message', (msg, from) => {
      if (from.port !== up.port) return;
      clearTimeout(timer);
      s.close();
      resolve(msg);
    });
    s.send(query, up.port, up.address);
  });
}

/** One TCP exchange with the resolver (length-prefixed, RFC 7766). */
function askTcp(up: Upstream, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const c = createConnection({ host: up.address, port: up.port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      c.destroy();
      reject(new SystemError('VIGIL_DNS_PROXY', `no answer from ${up.address} in ${timeoutMs} ms`));
    }, timeoutMs);
    c.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length);
      c.write(Buffer.concat([len, query]));
    });
    c.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        clearTimeout(timer);
        c.destroy();
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
    c.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
