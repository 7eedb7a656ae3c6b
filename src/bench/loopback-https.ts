// Debian's nginx as HTTPS (and plain HTTP) server on loopback addresses, with a throwaway test CA
// made by openssl: what the SNI proxy's scenarios and the bench connect to. Runs in the
// foreground under the caller's control (no system service, no pid file outside its folder).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

export const NGINX = '/usr/sbin/nginx';
const OPENSSL = '/usr/bin/openssl';

export interface LoopbackHttps {
  /** the test CA's certificate (PEM file): what clients trust */
  ca: string;
  /** files under it are served as they are (default type application/json, for a registry stub) */
  root: string;
  stop(): void;
}

/** Why nginx or openssl cannot be used here, or undefined when they can. */
export function nginxMissing(): string | undefined {
  if (spawnSync(NGINX, ['-v']).status !== 0) return `${NGINX} is missing (scripts/setup.sh installs nginx)`;
  if (spawnSync(OPENSSL, ['version']).status !== 0) return `${OPENSSL} is missing`;
  return undefined;
}

function openssl(dir: string, args: string[]): void {
  const r = spawnSync(OPENSSL, args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args[0] ?? ''} failed: ${r.stderr || r.error?.message}`);
}

/** A CA and one server certificate for every name (subjectAltName), valid for two days. */
function makeCertificates(dir: string, names: readonly string[]): void {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=vigil test CA',
  ]);
  openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    `/CN=${names[0] ?? 'localhost'}`,
  ]);
  writeFileSync(join(dir, 'san.ext'), `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\n`);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  ]);
}

function reachable(hostPort: string): Promise<boolean> {
  const at = hostPort.lastIndexOf(':');
  return new Promise((resolve) => {
    const c = connect({ host: hostPort.slice(0, at), port: Number(hostPort.slice(at + 1)) });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => {
      resolve(false);
    });
  });
}

/**
 * Starts nginx in `dir` with TLS on each of `tls` and plain HTTP on each of `http` (`addr:port`),
 * one certificate for all of `names`. `/` answers `hello <Host>`; `/files/...` serves `root`;
 * `/bytes/N` sends N bytes. Resolves once every address accepts connections.
 */
export async function startLoopbackHttps(o: {
  dir: string;
  names: readonly string[];
  tls: readonly string[];
  http?: readonly string[];
}): Promise<LoopbackHttps> {
  const root = join(o.dir, 'root');
  mkdirSync(root, { recursive: true });
  makeCertificates(o.dir, o.names);
  const listen = [...o.tls.map((a) => `listen ${a} ssl;`), ...(o.http ?? []).map((a) => `listen ${a};`)];
  const conf = join(o.dir, 'nginx.conf');
  writeFileSync(
    conf,
    [
      process.getuid?.() === 0 ? 'user root;' : '', // the test's folder is not the workers' otherwise
      'worker_processes 1;',
      `pid ${join(o.dir, 'nginx.pid')};`,
      `error_log ${join(o.dir, 'error.log')};`,
      'events { worker_connections 256; }',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
        (k) => `  ${k}_temp_path ${join(o.dir, `${k}-tmp`)};`,
      ),
      '  server {',
      ...listen.map((l) => `    ${l}`),
      `    ssl_certificate ${join(o.dir, 'server.pem')};`,
      `    ssl_certificate_key ${join(o.dir, 'server.key')};`,
      '    location = / { return 200 "hello $host\\n"; }',
      `    location /files/ { alias ${root}/; default_type application/json; }`,
      // /bytes/N: N bytes of a file made once (sendfile), for throughput
      `    location /bytes/ { alias ${join(o.dir, 'bytes')}/; default_type application/octet-stream; }`,
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  mkdirSync(join(o.dir, 'bytes'), { recursive: true });
  const child: ChildProcess = spawn(
    NGINX,
    ['-c', conf, '-p', o.dir, '-e', join(o.dir, 'error.log'), '-g', 'daemon off;'],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const stop = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  const all = [...o.tls, ...(o.http ?? [])];
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    if ((await Promise.all(all.map(reachable))).every(Boolean))
      return { ca: join(o.dir, 'ca.pem'), root, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  stop();
  throw new Error(`nginx did not listen on ${all.join(', ')} (see ${join(o.dir, 'error.log')})`);
}
