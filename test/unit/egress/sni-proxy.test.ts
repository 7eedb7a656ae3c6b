// The SNI proxy: its decision on a server name, then the proxy on loopback between real clients
// (Node's tls and net, curl) and real servers (Node's https with a throwaway certificate, plain
// TCP). The kernel's part, sending connects here and saying where each was going, is stood in
// for by an `origin` that sends every connection to the test's server.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { describe, it, type TestContext } from 'node:test';

import type { FirstBytes } from '../../../src/egress/client-hello.js';
import type { HostRule, NamePolicy } from '../../../src/egress/name-policy.js';
import {
  decideServerName,
  SniSessionProxy,
  type ConnectionOrigin,
  type SniCheckRecord,
  type SniProxyOptions,
} from '../../../src/egress/sni-proxy.js';
import { parseHostSpec } from '../../../src/policy/host-spec.js';

function rule(list: 'allowed_hosts' | 'denied_hosts', index: number, spec: string): HostRule {
  return { id: `${list}[${index}]`, index, pattern: parseHostSpec(spec) };
}

type Decided = Exclude<FirstBytes, { kind: 'more' }>;
const sni = (serverName: string | null, ech = false): Decided => ({ kind: 'tls', serverName, ech });
const host = (h: string | null): Decided => ({ kind: 'http', host: h });

describe('decideServerName', () => {
  const policy: NamePolicy = {
    denied: [rule('denied_hosts', 0, 'secret.cdn.test')],
    allowed: [
      rule('allowed_hosts', 0, 'good.test'),
      rule('allowed_hosts', 1, '*.cdn.test'),
      rule('allowed_hosts', 2, 'api.port.test:443'),
      rule('allowed_hosts', 3, 'shared.test'),
    ],
  };
  const to = { address: '192.0.2.7', port: 443 };

  it('an allowed name the address was learned for: ALLOW, with the rule', () => {
    assert.deepEqual(decideServerName(sni('good.test'), to, policy, ['good.test']), {
      action: 'ALLOW',
      rule: 'allowed_hosts[0]',
      reason: 'good.test is allowed by allowed_hosts[0]',
      serverName: 'good.test',
      protocol: 'tls',
    });
    const v = decideServerName(host('Good.Test.'), { ...to, port: 80 }, policy, ['shared.test', 'good.test']);
    assert.equal(v.action, 'ALLOW');
    assert.equal(v.serverName, 'good.test', 'compared as DNS compares names');
    assert.equal(v.protocol, 'http');
  });

  it('an allowed name on an address learned only for other names: BLOCK, naming both', () => {
    const v = decideServerName(sni('shared.test'), to, policy, ['good.test']);
    assert.equal(v.action, 'BLOCK');
    assert.equal(v.rule, 'allowed_hosts[3]');
    assert.equal(v.serverName, 'shared.test');
    assert.equal(v.reason, '192.0.2.7 was learned for good.test, not for shared.test');
    const none = decideServerName(sni('shared.test'), to, policy, []);
    assert.match(none.reason, /learned for no allowed name, not for shared\.test/);
  });

  it('a name no rule allows: BLOCK without a rule, even on an address learned for it', () => {
    const v = decideServerName(sni('evil.test'), to, policy, ['evil.test']);
    assert.deepEqual(v, {
      action: 'BLOCK',
      rule: null,
      reason: 'evil.test is not an allowed host',
      serverName: 'evil.test',
      protocol: 'tls',
    });
  });

  it('denied_hosts before allowed_hosts: a denied name a wildcard allows is denied', () => {
    const v = decideServerName(sni('secret.cdn.test'), to, policy, ['secret.cdn.test']);
    assert.equal(v.action, 'BLOCK');
    assert.equal(v.rule, 'denied_hosts[0]');
    assert.equal(v.reason, 'secret.cdn.test is denied');
  });

  it('a wildcard rule allows the names below it, not the name itself', () => {
    const v = decideServerName(sni('img.eu.cdn.test'), to, policy, ['img.eu.cdn.test']);
    assert.equal(v.action, 'ALLOW');
    assert.equal(v.rule, 'allowed_hosts[1]');
    assert.equal(decideServerName(sni('cdn.test'), to, policy, ['cdn.test']).rule, null);
  });

  it('a port the rule does not allow: BLOCK, saying which ports it does', () => {
    const learned = ['api.port.test'];
    const v = decideServerName(host('api.port.test'), { ...to, port: 80 }, policy, learned);
    assert.equal(v.action, 'BLOCK');
    assert.equal(v.rule, 'allowed_hosts[2]');
    assert.equal(v.reason, 'allowed_hosts[2] allows api.port.test on port 443, not 80');
    assert.equal(decideServerName(sni('api.port.test'), to, policy, learned).action, 'ALLOW');
  });

  it('ECH: the outer name is checked (GREASE ECH carries the real one; a front not allowed is refused)', () => {
    const grease = decideServerName(sni('good.test', true), to, policy, ['good.test']);
    assert.equal(grease.action, 'ALLOW');
    assert.match(grease.reason, /outer name of an ECH ClientHello/);
    const front = decideServerName(sni('cloudflare-ech.com', true), to, policy, ['good.test']);
    assert.equal(front.action, 'BLOCK');
    assert.equal(front.serverName, 'cloudflare-ech.com');
  });

  it('no SNI, no Host header, unreadable bytes: BLOCK, nothing to check', () => {
    const noSni = decideServerName(sni(null), to, policy, ['good.test']);
    assert.deepEqual([noSni.action, noSni.protocol, noSni.serverName], ['BLOCK', 'tls', null]);
    assert.match(noSni.reason, /no SNI/);
    const noHost = decideServerName(host(null), to, policy, ['good.test']);
    assert.deepEqual([noHost.action, noHost.protocol], ['BLOCK', 'http']);
    assert.match(noHost.reason, /no Host header/);
    const junk = decideServerName({ kind: 'unknown', why: 'garbage' }, to, policy, ['good.test']);
    assert.deepEqual(junk, {
      action: 'BLOCK',
      rule: null,
      reason: 'garbage: no server name to check',
      serverName: null,
      protocol: null,
    });
  });
});

// ---- the proxy on loopback ----

const noOpenssl = spawnSync('openssl', ['version']).status === 0 ? false : 'openssl is missing';
const noCurl = spawnSync('curl', ['--version']).status === 0 ? false : 'curl is missing';

const SESSION = 41;
const BIG = randomBytes(5 * 1024 * 1024);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** `server` on a free port of 127.0.0.1, closed with every connection it took when the test ends. */
async function listening(t: TestContext, server: Server): Promise<number> {
  const open = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    open.add(s);
    s.on('close', () => open.delete(s));
  });
  t.after(() => {
    for (const s of open) s.destroy();
    server.close();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

interface Certificate {
  key: Buffer;
  cert: Buffer;
  /** the certificate's file: what clients trust */
  certFile: string;
}

/** A throwaway self-signed certificate for good.test and evil.test, in a temporary folder. */
function certificate(t: TestContext): Certificate {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-sni-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'key.pem',
      '-out',
      'cert.pem',
      '-days',
      '1',
      '-subj',
      '/CN=good.test',
      '-addext',
      'subjectAltName=DNS:good.test,DNS:evil.test',
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, `openssl req: ${r.stderr}`);
  const certFile = join(dir, 'cert.pem');
  return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(certFile), certFile };
}

/** An HTTPS server answering `/` with the name the client sent, `/big` with BIG. */
function httpsOrigin(t: TestContext, c: Certificate): Promise<number> {
  const server = createHttpsServer({ key: c.key, cert: c.cert }, (req, res) => {
    if (req.url === '/big') {
      res.end(BIG);
      return;
    }
    const { servername } = req.socket as Partial<Pick<TLSSocket, 'servername'>>;
    res.end(`hello ${servername || 'nobody'}`);
  });
  return listening(t, server);
}

interface World {
  proxy: SniSessionProxy;
  records: SniCheckRecord[];
  /** the peers `origin` was asked about */
  asked: { peer: string; port: number }[];
}

/** A proxy that sends every connection on to 127.0.0.1:`port`; good.test and evil.test are allowed. */
async function proxyTo(t: TestContext, port: number, o: Partial<SniProxyOptions> = {}): Promise<World> {
  const records: SniCheckRecord[] = [];
  const asked: World['asked'] = [];
  const proxy = await SniSessionProxy.start({
    session: SESSION,
    policy: {
      denied: [],
      allowed: [rule('allowed_hosts', 0, 'good.test'), rule('allowed_hosts', 1, 'evil.test')],
    },
    learnedFor: (a) => (a === '127.0.0.1' ? ['good.test'] : []),
    origin: (peer, peerPort): ConnectionOrigin => {
      asked.push({ peer, port: peerPort });
      return { session: SESSION, address: '127.0.0.1', port };
    },
    auditOnly: false,
    record: (r) => records.push(r),
    ...o,
  });
  t.after(() => proxy.close());
  return { proxy, records, asked };
}

/** An HTTPS GET through the proxy, naming `servername`; the body. */
function get(
  port: number,
  servername: string,
  ca: Buffer,
  path = '/',
  address = '127.0.0.1',
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: address, port, servername, path, ca, agent: false, headers: { host: servername } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          resolve(Buffer.concat(chunks));
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(t: TestContext, cmd: string, args: readonly string[]): Promise<Ran> {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (p.exitCode === null && p.signalCode === null) p.kill();
  });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    p.on('error', reject);
    p.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A raw TCP client through the proxy: what it received, and how its connection ended. Half open:
 * the server's FIN leaves the client's side open until `send` ends it.
 */
function rawClient(
  t: TestContext,
  port: number,
  send: (s: Socket) => void,
  halfOpen = false,
): Promise<{ got: Buffer; error: string | undefined; socket: Socket }> {
  const s = connect({ host: '127.0.0.1', port, allowHalfOpen: halfOpen });
  t.after(() => s.destroy());
  const chunks: Buffer[] = [];
  let error: string | undefined;
  s.on('data', (d: Buffer) => chunks.push(d));
  s.on('error', (e: NodeJS.ErrnoException) => (error = e.code));
  s.on('connect', () => {
    send(s);
  });
  return new Promise((resolve) => {
    s.on('close', () => {
      resolve({ got: Buffer.concat(chunks), error, socket: s });
    });
  });
}

async function until(what: string, ok: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The one record a connection left. */
function only(records: readonly SniCheckRecord[]): SniCheckRecord {
  assert.equal(records.length, 1, JSON.stringify(records));
  const [r] = records;
  assert.ok(r);
  return r;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the SNI proxy on loopback', { skip: noOpenssl }, () => {
  it('an allowed name goes through intact, and the kernel’s peer is what origin is asked', async (t) => {
    const c = certificate(t);
    const origin = await httpsOrigin(t, c);
    const { proxy, records, asked } = await proxyTo(t, origin);
    assert.equal((await get(proxy.port, 'good.test', c.cert)).toString(), 'hello good.test');
    assert.deepEqual(records, [
      {
        session: SESSION,
        address: '127.0.0.1',
        port: origin,
        learnedFor: ['good.test'],
        action: 'ALLOW',
        rule: 'allowed_hosts[0]',
        reason: 'good.test is allowed by allowed_hosts[0]',
        serverName: 'good.test',
        protocol: 'tls',
      },
    ]);
    assert.equal(asked[0]?.peer, '127.0.0.1');
    assert.deepEqual(proxy.counters, { connections: 1, allowed: 1, refused: 0, strangers: 0 });
    if (proxy.ipv6) {
      assert.equal((await get(proxy.port, 'good.test', c.cert, '/', '::1')).toString(), 'hello good.test');
      assert.equal(asked[1]?.peer, '::1');
    }
  });

  it('5 MB through the splice arrive byte for byte', async (t) => {
    const c = certificate(t);
    const { proxy } = await proxyTo(t, await httpsOrigin(t, c));
    const body = await get(proxy.port, 'good.test', c.cert, '/big');
    assert.equal(body.length, BIG.length);
    assert.equal(sha256(body), sha256(BIG));
  });

  it('a name the address was not learned for: the client is reset, BLOCK names both', async (t) => {
    const c = certificate(t);
    const { proxy, records } = await proxyTo(t, await httpsOrigin(t, c));
    await assert.rejects(get(proxy.port, 'evil.test', c.cert), { code: 'ECONNRESET' });
    const r = only(records);
    assert.equal(r.action, 'BLOCK');
    assert.equal(r.serverName, 'evil.test');
    assert.equal(r.reason, '127.0.0.1 was learned for good.test, not for evil.test');
    assert.equal(proxy.counters.refused, 1);
  });

  it('curl: through for good.test, reset for evil.test', { skip: noCurl }, async (t) => {
    const c = certificate(t);
    const { proxy, records } = await proxyTo(t, await httpsOrigin(t, c));
    const curl = (name: string) =>
      run(t, 'curl', [
        '-sS',
        '--max-time',
        '5',
        '--cacert',
        c.certFile,
        '--resolve',
        `${name}:${proxy.port}:127.0.0.1`,
        `https://${name}:${proxy.port}/`,
      ]);
    const good = await curl('good.test');
    assert.equal(good.code, 0, good.stderr);
    assert.equal(good.stdout, 'hello good.test');
    const evil = await curl('evil.test');
    assert.notEqual(evil.code, 0);
    assert.match(evil.stderr, /reset by peer/i);
    assert.deepEqual(
      records.map((r) => [r.action, r.serverName]),
      [
        ['ALLOW', 'good.test'],
        ['BLOCK', 'evil.test'],
      ],
    );
  });

  it('audit only: the mismatch is recorded as AUDIT and the connection goes on', async (t) => {
    const c = certificate(t);
    const { proxy, records } = await proxyTo(t, await httpsOrigin(t, c), { auditOnly: true });
    assert.equal((await get(proxy.port, 'evil.test', c.cert)).toString(), 'hello evil.test');
    const r = only(records);
    assert.equal(r.action, 'AUDIT');
    assert.match(r.reason, /learned for good\.test, not for evil\.test/);
  });
});

describe('the SNI proxy on loopback, plain TCP', () => {
  /** A server that hashes what it receives until the client's FIN, then answers the hash. */
  async function hashingOrigin(t: TestContext): Promise<number> {
    const server = createServer({ allowHalfOpen: true }, (s) => {
      const h = createHash('sha256');
      let n = 0;
      s.on('data', (d: Buffer) => {
        h.update(d);
        n += d.length;
      });
      s.on('end', () => s.end(`${n} ${h.digest('hex')}`));
    });
    return listening(t, server);
  }

  const head = Buffer.from('POST /upload HTTP/1.1\r\nHost: good.test\r\n\r\n', 'latin1');

  it('half-close: the client’s FIN after 5 MB reaches the server, whose answer comes back', async (t) => {
    const { proxy, records } = await proxyTo(t, await hashingOrigin(t));
    const r = await rawClient(t, proxy.port, (s) => {
      s.write(head);
      s.end(BIG);
    });
    const sent = Buffer.concat([head, BIG]);
    assert.equal(r.got.toString(), `${sent.length} ${sha256(sent)}`);
    assert.equal(r.error, undefined);
    assert.deepEqual([only(records).action, only(records).protocol], ['ALLOW', 'http']);
  });

  it('half-close the other way: the server ends first, the client’s 5 MB still arrive whole', async (t) => {
    let received: (v: string) => void = () => undefined;
    const upload = new Promise<string>((r) => (received = r));
    const server = createServer({ allowHalfOpen: true }, (s) => {
      const h = createHash('sha256');
      let n = 0;
      s.end('early');
      s.on('data', (d: Buffer) => {
        h.update(d);
        n += d.length;
      });
      s.on('end', () => {
        received(`${n} ${h.digest('hex')}`);
      });
    });
    const { proxy } = await proxyTo(t, await listening(t, server));
    const r = await rawClient(
      t,
      proxy.port,
      (s) => {
        s.write(head);
        s.on('end', () => s.end(BIG));
      },
      true,
    );
    assert.equal(r.got.toString(), 'early');
    const sent = Buffer.concat([head, BIG]);
    assert.equal(await upload, `${sent.length} ${sha256(sent)}`);
  });

  it('the Host header decides plain HTTP: another name is reset before reaching the server', async (t) => {
    let reached = 0;
    const server = createServer(() => reached++);
    const { proxy, records } = await proxyTo(t, await listening(t, server));
    const r = await rawClient(t, proxy.port, (s) => s.write('GET / HTTP/1.1\r\nHost: evil.test\r\n\r\n'));
    assert.equal(r.error, 'ECONNRESET');
    assert.equal(reached, 0);
    assert.deepEqual([only(records).action, only(records).protocol], ['BLOCK', 'http']);
  });

  it('a connection the kernel did not send: closed, counted as a stranger, not recorded', async (t) => {
    const server = createServer(() => assert.fail('a stranger reached the server'));
    const port = await listening(t, server);
    for (const origin of [() => undefined, () => ({ session: SESSION + 1, address: '127.0.0.1', port })]) {
      const { proxy, records } = await proxyTo(t, port, { origin });
      const r = await rawClient(t, proxy.port, (s) => s.write('GET / HTTP/1.1\r\nHost: good.test\r\n\r\n'));
      assert.equal(r.got.length, 0);
      assert.equal(proxy.counters.strangers, 1);
      assert.equal(proxy.counters.connections, 1);
      assert.deepEqual(records, []);
    }
  });

  it('a client that sends nothing is reset after firstBytesTimeoutMs: BLOCK, nothing readable', async (t) => {
    const server = createServer(() => assert.fail('a silent client reached the server'));
    const { proxy, records } = await proxyTo(t, await listening(t, server), { firstBytesTimeoutMs: 200 });
    const started = Date.now();
    const r = await rawClient(t, proxy.port, () => undefined);
    assert.ok(Date.now() - started >= 190, `reset after ${Date.now() - started} ms`);
    assert.equal(r.error, 'ECONNRESET');
    const rec = only(records);
    assert.equal(rec.action, 'BLOCK');
    assert.equal(rec.protocol, null);
    assert.match(rec.reason, /nothing readable in 200 ms/);
  });

  it('a client that hangs up half way through its ClientHello: BLOCK, closed before naming', async (t) => {
    const server = createServer(() => assert.fail('reached the server'));
    const { proxy, records } = await proxyTo(t, await listening(t, server));
    await rawClient(t, proxy.port, (s) => s.end(Buffer.from([0x16, 3, 1, 2, 0, 1, 0, 1])));
    const r = only(records);
    assert.equal(r.action, 'BLOCK');
    assert.match(r.reason, /closed before naming a server/);
  });

  it('close() ends open connections, and a connection still unnamed is not recorded later', async (t) => {
    let held = 0;
    let released = 0;
    const server = createServer((s) => {
      held++;
      s.on('close', () => released++);
      s.resume();
    });
    const { proxy, records } = await proxyTo(t, await listening(t, server), { firstBytesTimeoutMs: 300 });
    const spliced = rawClient(t, proxy.port, (s) => s.write('GET / HTTP/1.1\r\nHost: good.test\r\n\r\n'));
    const silent = rawClient(t, proxy.port, () => undefined);
    await until('the server holds the spliced connection', () => held === 1);
    await until('the proxy has both', () => proxy.counters.connections === 2);
    await proxy.close();
    await Promise.all([spliced, silent]);
    await until('the server’s side is closed too', () => released === 1);
    await sleep(500); // past the silent one's firstBytesTimeoutMs
    assert.deepEqual(
      records.map((r) => r.action),
      ['ALLOW'],
    );
  });
});
