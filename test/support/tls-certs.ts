// Certificates for TLS tests, made by openssl in a folder of the test's: a CA of its own and a
// server certificate it signed for 127.0.0.1, ::1 and localhost (P-256 keys: quick to make).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCa {
  /** PEM of the CA certificate, and its file */
  readonly caPem: string;
  readonly caFile: string;
  /** the server certificate (PEM) and its key, as files and as text */
  readonly certFile: string;
  readonly keyFile: string;
  readonly certPem: string;
  readonly keyPem: string;
}

function openssl(dir: string, args: readonly string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A new CA named `name` in `dir` (files `name`-ca.pem, `name`-server.pem, `name`-server.key). */
export function makeTestCa(dir: string, name = 'test'): TestCa {
  const ca = `${name}-ca`;
  const server = `${name}-server`;
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(dir, [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    `${ca}.key`,
    '-out',
    `${ca}.pem`,
    '-days',
    '2',
    '-subj',
    `/CN=vigil ${name} CA`,
  ]);
  openssl(dir, ['req', ...ec, '-keyout', `${server}.key`, '-out', `${server}.csr`, '-subj', '/CN=localhost']);
  writeFileSync(
    join(dir, `${server}.ext`),
    'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n',
  );
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${server}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${server}.pem`,
    '-days',
    '2',
    '-extfile',
    `${server}.ext`,
  ]);
  const file = (f: string) => join(dir, f);
  return {
    caPem: readFileSync(file(`${ca}.pem`), 'utf8'),
    caFile: file(`${ca}.pem`),
    certFile: file(`${server}.pem`),
    keyFile: file(`${server}.key`),
    certPem: readFileSync(file(`${server}.pem`), 'utf8'),
    keyPem: readFileSync(file(`${server}.key`), 'utf8'),
  };
}
