// The first-bytes reader against what real clients send: openssl, curl, Python's ssl and Node's
// own tls, captured at test time on loopback (hand-written bytes would test only what their writer
// believed a ClientHello is), then cut, re-framed, spliced and garbled. HTTP heads likewise.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { describe, it, type TestContext } from 'node:test';

import { HELLO_MAX_BYTES, readFirstBytes, type FirstBytes } from '../../../src/egress/client-hello.js';

const missing = (cmd: string, arg: string): string | false =>
  spawnSync(cmd, [arg]).status === 0 ? false : `${cmd} is missing`;
const noOpenssl = missing('openssl', 'version');
const noCurl = missing('curl', '--version');
const noPython = missing('python3', '--version');

/** A whole first message: one complete TLS record, or an HTTP head (the capture stops there). */
function complete(buf: Buffer): boolean {
  if (buf[0] === 0x16) return buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3);
  return buf.includes('\r\n\r\n');
}

/**
 * The first bytes `client` sends to a loopback listener that reads them and hangs up. The client
 * is then left to fail on its own; a process it started is killed when the test ends.
 */
async function captured(t: TestContext, client: (port: number) => Promise<unknown>): Promise<Buffer> {
  let got: (b: Buffer) => void = () => undefined;
  const first = new Promise<Buffer>((resolve) => (got = resolve));
  const server = createServer((c) => {
    let buf = Buffer.alloc(0);
    c.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (complete(buf)) c.destroy();
    });
    c.on('close', () => {
      got(buf);
    });
    c.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.close();
  });
  const port = (server.address() as { port: number }).port;
  const [bytes] = await Promise.all([first, client(port)]);
  return bytes;
}

/** Runs `cmd` with stdin closed; resolves when it exits, whatever its exit code. */
function run(t: TestContext, cmd: string, args: readonly string[]): Promise<number | null> {
  const p = spawn(cmd, args, { stdio: 'ignore' });
  t.after(() => {
    if (p.exitCode === null && p.signalCode === null) p.kill();
  });
  return new Promise((resolve, reject) => {
    p.on('error', reject);
    p.on('close', resolve);
  });
}

const openssl =
  (t: TestContext, ...args: string[]) =>
  (port: number) =>
    run(t, 'openssl', ['s_client', '-connect', `127.0.0.1:${port}`, ...args]);

const curl = (t: TestContext, scheme: 'http' | 'https') => (port: number) =>
  run(t, 'curl', [
    '-sk',
    '--max-time',
    '3',
    '--resolve',
    `good.test:${port}:127.0.0.1`,
    `${scheme}://good.test:${port}/`,
  ]);

const python = (t: TestContext, name: string) => (port: number) =>
  run(t, 'python3', [
    '-c',
    [
      'import socket, ssl, sys',
      `s = socket.create_connection(('127.0.0.1', ${port}))`,
      'try:',
      `    ssl.create_default_context().wrap_socket(s, server_hostname='${name}')`,
      'except (ssl.SSLError, OSError):',
      '    sys.exit(0)',
    ].join('\n'),
  ]);

/** Node's tls client; no `servername` and an address as host: no SNI at all. */
const node = (servername?: string) => (port: number) =>
  new Promise<void>((resolve) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ...(servername === undefined ? {} : { servername }) });
    s.on('error', () => undefined);
    s.on('close', () => {
      resolve();
    });
  });

const nodeHello = (t: TestContext) => captured(t, node('good.test'));

/** The handshake bytes inside a capture's TLS records. */
function handshakeOf(records: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at + 5 <= records.length; at += 5 + records.readUInt16BE(at + 3))
    parts.push(records.subarray(at + 5, at + 5 + records.readUInt16BE(at + 3)));
  return Buffer.concat(parts);
}

/** `hs` framed as TLS handshake records, a new record starting at each of `cuts`. */
function inRecords(hs: Buffer, ...cuts: number[]): Buffer {
  const ends = [0, ...cuts, hs.length];
  const out: Buffer[] = [];
  for (let i = 1; i < ends.length; i++) {
    const body = hs.subarray(ends[i - 1], ends[i]);
    const head = Buffer.from([0x16, 0x03, 0x01, 0, 0]);
    head.writeUInt16BE(body.length, 3);
    out.push(head, body);
  }
  return Buffer.concat(out);
}

/** Where a ClientHello's extensions length is (RFC 8446 4.1.2), read independently of the reader. */
function extensionsAt(hs: Buffer): number {
  let at = 4 + 2 + 32;
  at += 1 + hs.readUInt8(at); // legacy_session_id
  at += 2 + hs.readUInt16BE(at); // cipher_suites
  at += 1 + hs.readUInt8(at); // legacy_compression_methods
  assert.equal(at + 2 + hs.readUInt16BE(at), hs.length, 'the capture is one whole ClientHello');
  return at;
}

/** `hs` with one more extension at the end, the extensions and handshake lengths grown to match. */
function withExtension(hs: Buffer, type: number, data: Buffer): Buffer {
  const at = extensionsAt(hs);
  const ext = Buffer.alloc(4);
  ext.writeUInt16BE(type, 0);
  ext.writeUInt16BE(data.length, 2);
  const out = Buffer.concat([hs, ext, data]);
  out.writeUInt16BE(hs.readUInt16BE(at) + ext.length + data.length, at);
  out.writeUIntBE(out.length - 4, 1, 3);
  return out;
}

/** A server_name extension's body naming `name`. */
function serverNameList(name: string): Buffer {
  const entry = Buffer.concat([Buffer.from([0, 0, name.length]), Buffer.from(name, 'ascii')]);
  entry.writeUInt16BE(name.length, 1);
  const list = Buffer.alloc(2);
  list.writeUInt16BE(entry.length);
  return Buffer.concat([list, entry]);
}

const tls = (serverName: string | null, ech = false): FirstBytes => ({ kind: 'tls', serverName, ech });

function assertUnknown(buf: Buffer, why: RegExp, what: string): void {
  const r = readFirstBytes(buf);
  assert.equal(r.kind, 'unknown', `${what}: ${JSON.stringify(r)}`);
  assert.match(r.why, why, what);
}

describe('TLS ClientHellos from real clients', () => {
  it('openssl s_client: the server_name it was given', { skip: noOpenssl }, async (t) => {
    const hello = await captured(t, openssl(t, '-servername', 'good.test'));
    assert.deepEqual(readFirstBytes(hello), tls('good.test'));
  });

  it('openssl s_client -noservername: no server name', { skip: noOpenssl }, async (t) => {
    const hello = await captured(t, openssl(t, '-noservername'));
    assert.deepEqual(readFirstBytes(hello), tls(null));
  });

  it('curl: the URL’s host name', { skip: noCurl }, async (t) => {
    const hello = await captured(t, curl(t, 'https'));
    assert.deepEqual(readFirstBytes(hello), tls('good.test'));
  });

  it('Python’s ssl: server_hostname', { skip: noPython }, async (t) => {
    const hello = await captured(t, python(t, 'good.test'));
    assert.deepEqual(readFirstBytes(hello), tls('good.test'));
  });

  it('Node’s tls: servername, and none when connecting to an address without one', async (t) => {
    assert.deepEqual(readFirstBytes(await nodeHello(t)), tls('good.test'));
    assert.deepEqual(readFirstBytes(await captured(t, node())), tls(null));
  });
});

describe('TLS ClientHellos cut, re-framed and spliced', () => {
  it('byte by byte: more until the last byte of the ClientHello, whatever follows it', async (t) => {
    const hello = await nodeHello(t);
    for (let n = 0; n < hello.length; n++)
      assert.deepEqual(readFirstBytes(hello.subarray(0, n)), { kind: 'more' }, `${n} of ${hello.length}`);
    assert.deepEqual(readFirstBytes(hello), tls('good.test'));
    const early = Buffer.from([0x17, 0x03, 0x03, 0x00, 0x01, 0xaa]);
    assert.deepEqual(readFirstBytes(Buffer.concat([hello, early])), tls('good.test'));
  });

  it('a ClientHello spread over several records reads as the one it was', async (t) => {
    const hs = handshakeOf(await nodeHello(t));
    const cuts = [[1], [2], [4], [40], [hs.length >> 1], [hs.length - 1], [1, 2, 3], [3, 100, 101, 200]];
    for (const at of cuts) {
      const framed = inRecords(hs, ...at);
      assert.deepEqual(readFirstBytes(framed), tls('good.test'), `records cut at ${at.join(', ')}`);
      assert.deepEqual(readFirstBytes(framed.subarray(0, -1)), { kind: 'more' }, `${at.join(', ')}, short`);
    }
  });

  it('an encrypted_client_hello extension is flagged; the outer name is still read', async (t) => {
    const hs = handshakeOf(await nodeHello(t));
    const ech = withExtension(hs, 0xfe0d, Buffer.from('00000100010320'.padEnd(80, 'ab'), 'hex'));
    assert.deepEqual(readFirstBytes(inRecords(ech)), tls('good.test', true));
    assert.deepEqual(readFirstBytes(inRecords(ech, 100)), tls('good.test', true), 'over two records');
    // the test's own splice is what the reader accepts: an unknown extension changes nothing
    assert.deepEqual(readFirstBytes(inRecords(withExtension(hs, 0x7a7a, Buffer.alloc(3)))), tls('good.test'));
  });

  it('a second server name is refused, not decided by whichever came first', async (t) => {
    const hs = handshakeOf(await nodeHello(t));
    assertUnknown(inRecords(withExtension(hs, 0, serverNameList('evil.test'))), /two host names/, 'two');
  });

  it('a server name that is not printable ASCII is refused', async (t) => {
    const hello = Buffer.from(await nodeHello(t));
    const at = hello.indexOf('good.test');
    for (const bad of [0xc3, 0x00, 0x20, 0x7f]) {
      const b = Buffer.from(hello);
      b[at + 1] = bad;
      assertUnknown(b, /not ASCII/, `byte ${bad}`);
    }
  });

  it('lengths that do not fit are unknown, never a throw and never a wait', async (t) => {
    const hello = await nodeHello(t);
    const hs = handshakeOf(hello);
    const record = (type: number, len: number) => Buffer.from([type, 3, 1, len >> 8, len & 255]);
    assertUnknown(Buffer.concat([record(0x16, 0), hs]), /impossible length/, 'an empty record');
    assertUnknown(Buffer.concat([record(0x16, 0x4200), hs]), /impossible length/, 'a record over 16 KB');
    const serverHello = Buffer.from(hs);
    serverHello[0] = 2;
    assertUnknown(inRecords(serverHello), /not a ClientHello/, 'another handshake message');
    const huge = Buffer.from(hs);
    huge.writeUIntBE(0x10000, 1, 3);
    assertUnknown(inRecords(huge), /larger than 16 KB/, 'a ClientHello over 16 KB');
    // the record holds what the handshake header says, but the extensions run past it
    const short = Buffer.from(hs.subarray(0, 4 + 100));
    short.writeUIntBE(100, 1, 3);
    assertUnknown(inRecords(short), /malformed ClientHello: truncated/, 'extensions past the end');
    const sn = hs.indexOf('good.test');
    const long = Buffer.from(hs);
    long.writeUInt16BE(0xfff0, sn - 2);
    assertUnknown(inRecords(long), /malformed ClientHello: truncated/, 'a name longer than its list');
    const split = inRecords(hs, 50);
    split[5 + 50] = 0x17;
    assertUnknown(split, /not a handshake/, 'application data before the ClientHello ended');
    assertUnknown(Buffer.from([0x16, 3, 1, 0, 2, 1, 0, 0x15, 3, 1, 0, 2]), /not a handshake/, 'an alert');
  });

  it('a ClientHello dribbled out in 1-byte records is given up on at 16 KB', () => {
    const hs = Buffer.alloc(4 + 8000);
    hs[0] = 1;
    hs.writeUIntBE(8000, 1, 3);
    const dribble = inRecords(hs, ...Array.from({ length: hs.length - 1 }, (_, i) => i + 1));
    assert.deepEqual(readFirstBytes(dribble.subarray(0, HELLO_MAX_BYTES)), { kind: 'more' });
    assertUnknown(dribble.subarray(0, HELLO_MAX_BYTES + 5), /over 16 KB/, 'dribbled');
  });

  it('every byte of a real ClientHello garbled, and every cut: a verdict, never a throw', async (t) => {
    const hello = await nodeHello(t);
    const kinds = new Set(['more', 'tls', 'unknown']);
    for (let i = 0; i < hello.length; i++) {
      for (const x of [0x01, 0x80, 0xff]) {
        const b = Buffer.from(hello);
        b[i] = (b[i] ?? 0) ^ x;
        assert.ok(kinds.has(readFirstBytes(b).kind), `byte ${i} ^ ${x}`);
      }
    }
    // a generator with a fixed seed: the same garbage on every run
    let seed = 0x9e3779b9;
    const next = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(hello.subarray(0, next() % (hello.length + 1)));
      for (let k = 0; k < 4 && b.length > 0; k++) b[next() % b.length] = next() & 0xff;
      b[0] = 0x16;
      assert.doesNotThrow(() => readFirstBytes(b), `case ${i}`);
    }
  });
});

const http = (host: string | null): FirstBytes => ({ kind: 'http', host });
const head = (s: string) => Buffer.from(s, 'latin1');

describe('HTTP request heads', () => {
  it('curl: the Host header’s name, without the port', { skip: noCurl }, async (t) => {
    const got = await captured(t, curl(t, 'http'));
    assert.match(got.toString('latin1'), /^GET \/ HTTP\/1\.1\r\n/);
    assert.deepEqual(readFirstBytes(got), http('good.test'));
  });

  it('Host with a port, an IPv6 literal, any case of the header name', () => {
    assert.deepEqual(
      readFirstBytes(head('GET / HTTP/1.1\r\nHost: good.test:8080\r\n\r\n')),
      http('good.test'),
    );
    assert.deepEqual(readFirstBytes(head('GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n')), http('::1'));
    assert.deepEqual(readFirstBytes(head('GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n')), http('::1'));
    assert.deepEqual(
      readFirstBytes(head('POST /x HTTP/1.1\r\nAccept: */*\r\nhOST:   good.test  \r\n\r\nbody')),
      http('good.test'),
    );
  });

  it('two Host headers are unknown: a server may read either', () => {
    const two = 'GET / HTTP/1.1\r\nHost: good.test\r\nHost: evil.test\r\n\r\n';
    assertUnknown(head(two), /two Host headers/, 'two');
  });

  it('no Host header (HTTP/1.0), or an empty one: no name', () => {
    assert.deepEqual(readFirstBytes(head('GET / HTTP/1.0\r\n\r\n')), http(null));
    assert.deepEqual(readFirstBytes(head('GET / HTTP/1.1\r\nHost:\r\n\r\n')), http(null));
    assert.deepEqual(readFirstBytes(head('GET / HTTP/1.0\r\nX-Host: good.test\r\n\r\n')), http(null));
  });

  it('a head arriving byte by byte: more until its blank line', () => {
    const h = head('GET / HTTP/1.1\r\nHost: good.test\r\n\r\n');
    for (let n = 0; n < h.length; n++)
      assert.deepEqual(readFirstBytes(h.subarray(0, n)), { kind: 'more' }, `${n} of ${h.length}`);
    assert.deepEqual(readFirstBytes(h), http('good.test'));
  });

  it('text that is not an HTTP/1.x request is unknown as soon as its first line says so', () => {
    for (const text of [
      'hello there\r\n\r\n',
      'HELLO there\r\n\r\n',
      'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
      'GET / HTTP/1.1\nHost: good.test\n\n\r\n\r\n',
      'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n',
      'EHLO good.test\r\n',
    ])
      assertUnknown(head(text), /not an HTTP\/1\.x request|neither/, JSON.stringify(text));
    assertUnknown(Buffer.from([0x00, 0x01, 0x02]), /neither/, 'binary');
  });

  it('a head over 16 KB without its end is unknown; under it, more', () => {
    const start = 'GET / HTTP/1.1\r\nHost: good.test\r\nX-Pad: ';
    const pad = (n: number) => head(start + 'a'.repeat(n - start.length));
    assert.deepEqual(readFirstBytes(pad(HELLO_MAX_BYTES - 1)), { kind: 'more' });
    assertUnknown(pad(HELLO_MAX_BYTES), /16 KB/, 'a 16 KB head');
    assertUnknown(head('G'.repeat(HELLO_MAX_BYTES + 10)), /16 KB/, 'no line at all');
  });
});
