// The DNS proxies of the sessions whose profile names hosts (allowed_hosts, denied_hosts): one
// per session, started with it and stopped at its end. The kernel sends the session's DNS to its
// resolvers here (redirectDns); every address an allowed name resolves to is learned into the
// kernel before the answer goes back, and remembered here to name the host of later connects.
// Under verify_sni the session also gets an SNI proxy, which checks each connection's server
// name against the names its address was learned for here.
import type { DnsQueryRecord } from '../egress/dns-proxy.js';
import { DnsSessionProxy } from '../egress/dns-proxy.js';
import type { HostRule as EgressRule, NamePolicy } from '../egress/name-policy.js';
import { SniSessionProxy, type SniCheckRecord } from '../egress/sni-proxy.js';
import { normaliseHostName } from '../policy/host-spec.js';
import { hostResolvers } from '../policy/resolvers.js';
import type { HostRule, Profile } from '../policy/profile-types.js';
import type { DaemonKernel } from './daemon-kernel.js';

type DnsKernel = Pick<
  DaemonKernel,
  | 'learnHostAddress'
  | 'forgetHostAddresses'
  | 'redirectDns'
  | 'clearDnsRedirects'
  | 'setSniProxy'
  | 'clearSniProxy'
  | 'takeSniOrigin'
>;

interface Proxies {
  dns: DnsSessionProxy;
  sni: SniSessionProxy | undefined;
}

/** What a session's egress proxies say, for its audit lines. */
export interface EgressRecorder {
  dns: (session: number, q: DnsQueryRecord) => void;
  sni: (session: number, r: SniCheckRecord) => void;
}

/** Whether a profile's sessions resolve names through vigil's DNS proxy. */
export function resolvesByName(profile: Profile): boolean {
  return profile.hosts.allowed.length + profile.hosts.denied.length > 0;
}

function egressRule(r: HostRule): EgressRule {
  return { id: r.id, index: r.index, pattern: r.pattern };
}

export class SessionDns {
  readonly #kernel: DnsKernel;
  readonly #record: EgressRecorder;
  readonly #log: (msg: string) => void;
  readonly #proxies = new Map<number, Promise<Proxies | undefined>>();
  /** session -> address -> the allowed names (as asked) DNS gave it for, latest last */
  readonly #names = new Map<number, Map<string, string[]>>();

  constructor(kernel: DnsKernel, record: EgressRecorder, log: (msg: string) => void) {
    this.#kernel = kernel;
    this.#record = record;
    this.#log = log;
  }

  /**
   * Starts the session's proxy and sends its DNS there. Until it listens (a few ms) the
   * session's DNS is refused, never let through: its resolvers are reached only by redirection.
   * A proxy that cannot start leaves it so, and says why.
   */
  start(session: number, name: string, profile: Profile, auditOnly = false): Promise<void> {
    const resolvers = profile.dns.resolvers ?? hostResolvers();
    const names = new Map<string, string[]>();
    this.#names.set(session, names);
    this.#kernel.clearDnsRedirects(session);
    this.#kernel.clearSniProxy(session);
    const policy: NamePolicy = {
      denied: profile.hosts.denied.map(egressRule),
      allowed: profile.hosts.allowed.map(egressRule),
    };
    const started = (async (): Promise<Proxies> => {
      const dns = await DnsSessionProxy.start({
        session,
        policy,
        upstreams: resolvers.map((address) => ({ address, port: 53 })),
        minTtlS: profile.dns.minTtlS,
        learn: (a, ttlS, rule, asked) => {
          this.#kernel.learnHostAddress(
            { session, address: a.address, rule: rule.index, ports: rule.pattern.ports },
            ttlS * 1000,
          );
          const host = normaliseHostName(asked);
          const known = (names.get(a.address) ?? []).filter((n) => n !== host);
          names.set(a.address, [...known, host]);
        },
        record: (q) => {
          this.#record.dns(session, q);
        },
      });
      if (!profile.dns.verifySni) return { dns, sni: undefined };
      try {
        const sni = await SniSessionProxy.start({
          session,
          policy,
          auditOnly,
          learnedFor: (address) => names.get(address) ?? [],
          origin: (peer, port) => this.#kernel.takeSniOrigin(peer, port),
          record: (r) => {
            this.#record.sni(session, r);
          },
        });
        return { dns, sni };
      } catch (err) {
        await dns.close();
        throw err;
      }
    })().then(
      (proxies) => {
        if (!this.#proxies.has(session)) {
          void closeBoth(proxies); // the session ended meanwhile
          return undefined;
        }
        for (const p of proxies.dns.ports) this.#kernel.redirectDns(session, p.upstream, p.port, p.ipv6);
        if (proxies.sni !== undefined) this.#kernel.setSniProxy(session, proxies.sni.port, proxies.sni.ipv6);
        if (resolvers.length === 0)
          this.#log(
            `vigil: ${name}: no resolver (dns.resolvers, /etc/resolv.conf): host names cannot resolve`,
          );
        return proxies;
      },
      (err: unknown) => {
        this.#log(
          `vigil: ${name}: the egress proxies could not start (${err instanceof Error ? err.message : String(err)}): its DNS is refused, and no connect by host name is allowed`,
        );
        return undefined;
      },
    );
    this.#proxies.set(session, started);
    return started.then(() => undefined);
  }

  /** Resolves once the session's proxy listens (or could not); at once for other sessions. */
  async ready(session: number): Promise<void> {
    await this.#proxies.get(session);
  }

  /** The allowed host an address was last learned for, for the session. */
  hostOf(session: number, address: string): string | undefined {
    return this.#names.get(session)?.get(address)?.at(-1);
  }

  /** Learned host names of the session, with their addresses. */
  learned(session: number): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [addr, hosts] of this.#names.get(session) ?? [])
      for (const h of hosts) (out[h] ??= []).push(addr);
    return out;
  }

  /** The session ended: its proxy stops, its redirections and learned addresses go. */
  stop(session: number): void {
    const p = this.#proxies.get(session);
    if (p === undefined) return;
    this.#proxies.delete(session);
    this.#names.delete(session);
    void p.then((proxies) => proxies && closeBoth(proxies));
    this.#kernel.clearDnsRedirects(session);
    this.#kernel.clearSniProxy(session);
    this.#kernel.forgetHostAddresses(session);
  }

  /** The daemon stops: proxies close; what the kernel holds stays for the next daemon. */
  async closeAll(): Promise<void> {
    const all = [...this.#proxies.values()];
    this.#proxies.clear();
    await Promise.all(
      all.map(async (p) => {
        const proxies = await p;
        if (proxies !== undefined) await closeBoth(proxies);
      }),
    );
  }
}

async function closeBoth(p: Proxies): Promise<void> {
  await Promise.all([p.dns.close(), p.sni?.close()]);
}
