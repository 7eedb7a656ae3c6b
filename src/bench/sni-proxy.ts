// What verify_sni adds to HTTPS: Debian's nginx on 127.0.0.2:443 (a test CA), and one Python
// client that, unwatched, connects to it directly and, watched by a verify_sni session, is sent
// by the kernel's connect hook through the session's SNI proxy (ClientHello read, name checked
// against the learned address, connection spliced on). Measured in the same run, alternating:
// sequential TLS requests (connect, handshake, GET, close) and one 100 MB download.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { SniSessionProxy } from '../egress/sni-proxy.js';
import { AgentKernel } from '../loader/agent-kernel.js';
import { parseHostSpec } from '../policy/host-spec.js';
import { loadProfileText } from '../policy/load-profile.js';
import { nginxMissing, startLoopbackHttps } from './loopback-https.js';

const SESSION = 0x7ff0_0501;
const HANDLE = 9;
const SERVER = '127.0.0.2';
const BIG_BYTES = 100 * 1024 * 1024;

export interface SniProxyBench {
  requests: number;
  /** µs per sequential TLS request, per run */
  directUs: number[];
  proxiedUs: number[];
  /** MB/s of one 100 MB download, per run */
  directMBs: number[];
  proxiedMBs: number[];
  skipped?: string;
}

/** The client: waits for a line (so the bench can watch it first), then does what the line says. */
const CLIENT = String.raw`
import json, socket, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[1])
def request(path):
    s = ctx.wrap_socket(socket.create_connection(('${SERVER}', 443)), server_hostname='good.test')
    s.sendall(('GET %s HTTP/1.1\r\nHost: good.test\r\nConnection: close\r\n\r\n' % path).encode())
    n = 0
    while True:
        b = s.recv(1 << 20)
        if not b: break
        n += len(b)
    s.close()
    return n
for line in sys.stdin:
    what, arg = line.split()
    t = time.perf_counter()
    if what == 'requests':
        for _ in range(int(arg)): request('/')
        print(json.dumps({'us': (time.perf_counter() - t) * 1e6 / int(arg)}), flush=True)
    else:
        n = request('/bytes/big')
        if n < ${BIG_BYTES}: raise SystemExit('short download: %d bytes' % n)
        print(json.dumps({'MBs': n / 1048576 / (time.perf_counter() - t)}), flush=True)
`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] ?? NaN;
}

/** A Python client; `ask` sends it one command and resolves with its JSON answer. */
function client(ca: string) {
  const child = spawn('/usr/bin/python3', ['-c', CLIENT, ca], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting: ((v: Record<string, number>) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => {
    waiting.shift()?.(JSON.parse(l) as Record<string, number>);
  });
  const ask = (cmd: string) =>
    new Promise<Record<string, number>>((resolve, reject) => {
      waiting.push(resolve);
      child.once('exit', (code) => {
        reject(new Error(`the bench client exited (${code}) during '${cmd}'`));
      });
      child.stdin.write(`${cmd}\n`);
    });
  return { child, ask };
}

export async function measureSniProxy(reps: number, requests: number): Promise<SniProxyBench> {
  const out: SniProxyBench = { requests, directUs: [], proxiedUs: [], directMBs: [], proxiedMBs: [] };
  const missing = nginxMissing();
  if (missing !== undefined) return { ...out, skipped: missing };
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-sni-'));
  const https = await startLoopbackHttps({ dir, names: ['good.test'], tls: [`${SERVER}:443`] });
  writeFileSync(join(dir, 'bytes', 'big'), '');
  truncateSync(join(dir, 'bytes', 'big'), BIG_BYTES);
  const kernel = AgentKernel.open({ onEvents: () => undefined });
  const rule = { id: 'allowed_hosts[0]', index: 0, pattern: parseHostSpec('good.test') };
  const profile = loadProfileText(
    'name: bench-sni\ndefault_policy: {paths: allow, commands: allow, networks: deny}\nallowed_hosts: [good.test]\nverify_sni: true\n',
    'bench-sni.yaml',
    { home: homedir(), workspace: dir },
  );
  const proxy = await SniSessionProxy.start({
    session: SESSION,
    policy: { denied: [], allowed: [rule] },
    learnedFor: (a) => (a === SERVER ? ['good.test'] : []),
    origin: (peer, port) => kernel.takeSniOrigin(peer, port),
    auditOnly: false,
    record: () => undefined,
  });
  const direct = client(https.ca);
  const proxied = client(https.ca);
  try {
    kernel.loadProfile(HANDLE, profile);
    kernel.setSession(SESSION, {
      profile: HANDLE,
      enforce: true,
      auditOnly: false,
      rawSockets: false,
      hosts: true,
      verifySni: true,
    });
    kernel.learnHostAddress({ session: SESSION, address: SERVER, rule: 0, ports: [443] }, 3_600_000);
    kernel.setSniProxy(SESSION, proxy.port, proxy.ipv6);
    if (proxied.child.pid === undefined) throw new Error('the bench client did not start');
    kernel.watchProcess(proxied.child.pid, SESSION, { root: true });
    await direct.ask('requests 20'); // warm both paths
    await proxied.ask('requests 20');
    if (proxy.counters.allowed < 20) throw new Error('the watched client did not go through the SNI proxy');
    for (let rep = 0; rep < reps; rep++) {
      const order = rep % 2 === 0 ? [direct, proxied] : [proxied, direct];
      for (const c of order) {
        const r = await c.ask(`requests ${requests}`);
        (c === direct ? out.directUs : out.proxiedUs).push(r.us ?? NaN);
      }
      for (const c of order) {
        const r = await c.ask('download big');
        (c === direct ? out.directMBs : out.proxiedMBs).push(r.MBs ?? NaN);
      }
    }
  } finally {
    direct.child.kill();
    proxied.child.kill();
    await proxy.close();
    kernel.deleteSession(SESSION);
    kernel.clearSniProxy(SESSION);
    kernel.forgetHostAddresses(SESSION);
    kernel.unloadProfile(HANDLE);
    kernel.close();
    https.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

export function renderSniProxy(b: SniProxyBench): string[] {
  const title = '### HTTPS through the SNI proxy (verify_sni)';
  if (b.skipped !== undefined) return ['', title, '', `Not measured: ${b.skipped}.`, ''];
  const du = median(b.directUs);
  const pu = median(b.proxiedUs);
  const dm = median(b.directMBs);
  const pm = median(b.proxiedMBs);
  return [
    '',
    title,
    '',
    `One Python client against nginx on loopback (TLS 1.3, test CA), unwatched (direct) and watched by a verify_sni session (the connect hook sends it to the session's SNI proxy, which reads the ClientHello, checks good.test against the learned address and splices the connection on); ${b.directUs.length} runs each way, alternating. The download is 100 MB in one connection (target: at least 80% of direct).`,
    '',
    '| path | µs per TLS request (connect, handshake, GET, close) | MB/s, 100 MB download |',
    '| --- | ---: | ---: |',
    `| direct | ${du.toFixed(0)} | ${dm.toFixed(0)} |`,
    `| through vigil's SNI proxy | ${pu.toFixed(0)} (+${(pu - du).toFixed(0)} µs) | ${pm.toFixed(0)} (${((pm / dm) * 100).toFixed(0)}% of direct) |`,
    '',
  ];
}
