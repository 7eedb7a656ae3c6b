// An exec's argv and a process's environment: offsets into argv.join(' ') and into the environ
// buffer, each environment finding named by its variable, and the generic check of variables
// named like secrets.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';

import { maskFindings, scanArgv, scanEnviron } from '../../../src/detect/secrets/scan-secrets.js';

const hex = (seed: string, n: number): string => createHash('sha512').update(seed).digest('hex').slice(0, n);
const b64 = (seed: string, n: number): string =>
  createHash('sha512').update(seed).digest('base64').replace(/[+/=]/g, 'x').slice(0, n);

const ghp = `ghp_${b64('ghp', 36)}`;
const glpat = `glpat-${b64('glpat', 20)}`;

describe('scanArgv', () => {
  it('offsets refer to argv joined by spaces', async () => {
    const argv = ['git', 'push', `https://x-access-token:${ghp}@github.com/acme/app.git`, 'main'];
    const joined = argv.join(' ');
    const findings = await scanArgv(argv);
    const token = findings.find((f) => f.kind === 'github_token');
    assert.ok(token, JSON.stringify(findings));
    assert.equal(joined.slice(token.start, token.end), ghp);
    assert.equal(token.start, joined.indexOf(ghp));
    assert.ok(!maskFindings(joined, findings).includes(ghp));
  });

  it('each element is scanned, wherever it stands', async () => {
    const argv = ['curl', '-H', `PRIVATE-TOKEN: ${glpat}`, '-H', `Authorization: token ${ghp}`, 'https://x'];
    const kinds = (await scanArgv(argv)).map((f) => f.kind);
    assert.deepEqual(kinds, ['gitlab_token', 'github_token']);
  });

  it('a card number split over elements by word splitting is found whole', async () => {
    const argv = ['echo', '4111', '1111', '1111', '1111'];
    const [f, ...rest] = await scanArgv(argv);
    assert.equal(rest.length, 0);
    assert.equal(argv.join(' ').slice(f?.start, f?.end), '4111 1111 1111 1111');
  });

  it('NAME=value elements are checked as environment variables', async () => {
    const value = b64('api', 32);
    const argv = ['env', `ACME_API_KEY=${value}`, 'PATH=/usr/bin', 'node', 'app.js'];
    const [f, ...rest] = await scanArgv(argv);
    assert.ok(f && rest.length === 0);
    assert.deepEqual([f.kind, f.severity], ['generic_secret_env', 'medium']);
    assert.equal(argv.join(' ').slice(f.start, f.end), value);
    assert.deepEqual(await scanArgv(['docker', 'run', '-e', 'GITHUB_TOKEN', '-e', 'DEBUG=1', 'img']), []);
  });

  it('an ordinary command gives nothing', async () => {
    const argv = ['npm', 'install', '--save', '@secretlint/core@~12.0.0', '--prefix', '/home/dev/app'];
    assert.deepEqual(await scanArgv(argv), []);
    assert.deepEqual(await scanArgv([]), []);
    assert.deepEqual(await scanArgv(['', '', '']), []);
  });
});

describe('scanEnviron', () => {
  const awsSecret = b64('aws', 40);
  const dbPassword = b64('db', 16);
  const apiKey = hex('generic', 40);
  const entries = [
    'PATH=/usr/local/bin:/usr/bin:/bin',
    'HOME=/home/dev',
    `GITHUB_TOKEN=${ghp}`,
    'LS_COLORS=rs=0:di=01;34:ln=01;36:mh=00:pi=40;33:so=01;35:do=01;35:*.tar=01;31:*.tgz=01;31',
    `AWS_SECRET_ACCESS_KEY=${awsSecret}`,
    `DATABASE_URL=postgres://app:${dbPassword}@db.internal:5432/app`,
    `ACME_API_KEY=${apiKey}`,
    'NEXT_PUBLIC_KEY=pk_live_0123456789abcdefABCDEF',
    'GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D',
    'TERM=xterm-256color',
  ];

  it('reads a NUL-separated /proc/PID/environ buffer', async () => {
    const buffer = Buffer.from(`${entries.join('\0')}\0`);
    const environ = buffer.toString('latin1'); // as the daemon reads it
    const findings = await scanEnviron(environ);
    assert.deepEqual(
      findings.map((f) => [f.variable, f.kind, f.severity]),
      [
        ['GITHUB_TOKEN', 'github_token', 'high'],
        ['AWS_SECRET_ACCESS_KEY', 'aws_secret_access_key', 'critical'],
        ['DATABASE_URL', 'database_url_password', 'high'],
        ['ACME_API_KEY', 'generic_secret_env', 'medium'],
      ],
    );
    for (const f of findings) {
      const entryStart = environ.lastIndexOf('\0', f.start) + 1;
      assert.ok(environ.startsWith(`${f.variable}=`, entryStart), `${f.variable} at ${f.start}`);
      assert.ok(!environ.slice(f.start, f.end).includes('\0'), 'a finding reaches past its variable');
    }
    assert.equal(environ.slice(findings[0]?.start, findings[0]?.end), ghp);
    assert.equal(environ.slice(findings[1]?.start, findings[1]?.end), awsSecret);
    assert.equal(environ.slice(findings[3]?.start, findings[3]?.end), apiKey);
    const masked = maskFindings(environ, findings);
    for (const secret of [ghp, awsSecret, dbPassword, apiKey]) {
      assert.ok(!masked.includes(secret));
      assert.ok(!JSON.stringify(findings).includes(secret));
    }
    assert.ok(masked.includes('PATH=/usr/local/bin:/usr/bin:/bin\0HOME=/home/dev\0GITHUB_TOKEN=ghp_…'));
  });

  it('takes a record, offsets into its NAME=value entries joined by NULs', async () => {
    const record = Object.fromEntries(
      entries.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
    );
    const fromRecord = await scanEnviron(record);
    const fromString = await scanEnviron(entries.join('\0'));
    assert.deepEqual(fromRecord, fromString);
  });

  it('a URL ends with its variable: the next entry is not part of it', async () => {
    const environ = `DATABASE_URL=postgres://app:${dbPassword}@db.internal/app\0HOME=/root\0`;
    const [f, ...rest] = await scanEnviron(environ);
    assert.equal(rest.length, 0);
    assert.equal(environ.slice(f?.start, f?.end), `postgres://app:${dbPassword}@db.internal/app`);
  });

  it('a variable named like a secret needs a random-looking value', async () => {
    const environ = [
      'DB_PASSWORD=Zx9kq2LpWm4R',
      'SESSION_SECRET=keyboard cat',
      'CACHE_KEY=node-modules-v2-linux',
      'NPM_TOKEN=${NPM_TOKEN}',
      'API_TOKEN=changeme',
      'SECRET_KEY_BASE=' + hex('rails', 64),
      'npm_config__authToken=' + b64('npmrc', 30),
      'SSH_KEY=/home/dev/.ssh/id_ed25519',
      'PUBLIC_KEY=' + b64('public', 44),
      'MONKEY=' + b64('monkey', 30),
    ].join('\0');
    assert.deepEqual(
      (await scanEnviron(environ)).map((f) => f.variable),
      ['DB_PASSWORD', 'SECRET_KEY_BASE', 'npm_config__authToken'],
    );
  });

  it('odd environments: empty, no trailing NUL, entries without =, empty values', async () => {
    assert.deepEqual(await scanEnviron(''), []);
    assert.deepEqual(await scanEnviron('\0\0'), []);
    assert.deepEqual(await scanEnviron({}), []);
    const findings = await scanEnviron(`JUNK\0=\0A=\0GITHUB_TOKEN=${ghp}`);
    assert.deepEqual(
      findings.map((f) => f.variable),
      ['GITHUB_TOKEN'],
    );
  });
});
