// The DNS proxies of the sessions whose profile names hosts (allowed_hosts, denied_hosts): one
// per session, started with it and stopped at its end. The kernel sends the session's DNS to its
// resolvers here (redirectDns); every address an allowed name resolves to is learned into the
// kernel before the answer goes back, and remembered here to name the host of later connects.
import type { DnsQueryRecord } from '../egress/dns-proxy.js';
import { DnsSessionProxy } from '../egress/dns-proxy.js';
import type { HostRule as EgressRule } from '../egress/name-policy.js';
import { hostResolvers } from '../policy/resolvers.js';
import type { HostRule, Profile } from '../policy/profile-types.js';
import type { DaemonKernel } from './daemon-kernel.js';

type DnsKernel = Pick<
  DaemonKernel,
  'learnHostAddress' | 'forgetHostAddresses' | 'redirectDns' | 'clearDnsRedirects'
>;

/** Whether a profile's sessions resolve names through vigil's DNS proxy. */
export function resolvesByName(profile: Profile): boolean {
  return profile.hosts.allowed.length + profile.hosts.denied.length > 0;
}

function egressRule(r: HostRule): EgressRule {
  return { id: r.id, index: r.index, pattern: r.pattern };
}

export class SessionDns {
  readonly #kernel: DnsKernel;
  readonly #record: (session: number, q: DnsQueryRecord) => void;
  readonly #log: (msg: string) => void;
  readonly #proxies = new Map<number, Promise<DnsSessionProxy | undefined>>();
  /** session -> address -> the allowed name it was learned for */
  readonly #names = new Map<number, Map<string, string>>();

  constructor(
    kernel: DnsKernel,
    record: (session: number, q: DnsQueryRecord) => void,
    log: (msg: string) => void,
  ) {
    this.#kernel = kernel;
    this.#record = record;
    this.#log = log;
  }

  /**
   * Starts the session's proxy and sends its DNS there. Until it listens (a few ms) the
   * session's DNS is refused, never let through: its resolvers are reached only by redirection.
   * A proxy that cannot start leaves it so, and says why.
   */
  start(session: number, name: string, profile: Profile): Promise<void> {
    const resolvers = profile.dns.resolvers ?? hostResolvers();
    const names = new Map<string, string>();
    this.#names.set(session, names);
    this.#kernel.clearDnsRedirects(session);
    const started = DnsSessionProxy.start({
      session,
      policy: {
        denied: profile.hosts.denied.map(egressRule),
        allowed: profile.hosts.allowed.map(egressRule),
      },
      upstreams: resolvers.map((address) => ({ address, port: 53 })),
      minTtlS: profile.dns.minTtlS,
      learn: (a, ttlS, rule) => {
        this.#kernel.learnHostAddress(
          { session, address: a.address, rule: rule.index, ports: rule.pattern.ports },
          ttlS * 1000,
        );
        names.set(a.address, a.name);
      },
      record: (q) => {
        this.#record(session, q);
      },
    }).then(
      (proxy) => {
        if (!this.#proxies.has(session)) {
          void proxy.close(); // the session ended meanwhile
          return undefined;
        }
        for (const p of proxy.ports) this.#kernel.redirectDns(session, p.upstream, p.port, p.ipv6);
        if (resolvers.length === 0)
          this.#log(
            `vigil: ${name}: no resolver (dns.resolvers, /etc/resolv.conf): host names cannot resolve`,
          );
        return proxy;
      },
      (err: unknown) => {
        this.#log(
          `vigil: ${name}: the DNS proxy could not start (${err instanceof Error ? err.message : String(err)}): its DNS is refused`,
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

  /** The allowed host an address was learned for, for the session. */
  hostOf(session: number, address: string): string | undefined {
    return this.#names.get(session)?.get(address);
  }

  /** Learned host names of the session, with their addresses. */
  learned(session: number): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [addr, host] of this.#names.get(session) ?? []) (out[host] ??= []).push(addr);
    return out;
  }

  /** The session ended: its proxy stops, its redirections and learned addresses go. */
  stop(session: number): void {
    const p = this.#proxies.get(session);
    if (p === undefined) return;
    this.#proxies.delete(session);
    this.#names.delete(session);
    void p.then((proxy) => proxy?.close());
    this.#kernel.clearDnsRedirects(session);
    this.#kernel.forgetHostAddresses(session);
  }

  /** The daemon stops: proxies close; what the kernel holds stays for the next daemon. */
  async closeAll(): Promise<void> {
    const all = [...this.#proxies.values()];
    this.#proxies.clear();
    await Promise.all(all.map(async (p) => (await p)?.close()));
  }
}
