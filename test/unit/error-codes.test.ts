import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ERROR_CATALOGUE, EXIT_CODES, isErrorCode } from '../../src/error-codes.js';
import {
  BpfError,
  InternalError,
  RemoteError,
  SystemError,
  UsageError,
  VigilError,
} from '../../src/errors.js';
import { NetworkSpecError } from '../../src/policy/network-spec.js';
import { repoRoot } from '../support/paths.js';

const src = join(repoRoot, 'src');

/** Names the kernel headers declare (message types, counters, limits): quoted in src/, not error codes. */
const kernelNames = new Set(
  readdirSync(join(repoRoot, 'kernel/include'))
    .filter((f) => f.endsWith('.h'))
    .flatMap((f) => [
      ...readFileSync(join(repoRoot, 'kernel/include', f), 'utf8').matchAll(/\bVIGIL_[A-Z0-9_]+/g),
    ])
    .map((m) => m[0]),
);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

// Plain Errors allowed: the developer harnesses (VM runner, benchmarks), which npm scripts run
// outside the vigil CLI, and a few that never reach a user.
const PLAIN_ERROR_FOLDERS = ['src/vmtest/', 'src/bench/'];
const PLAIN_ERROR_SITES = [
  'src/errors.ts', // InternalError itself
  'src/policy/compile-dfa.ts', // AutomatonOverflow, which the table compiler always catches
  'src/doctor/live-daemon.ts', // a timeout whose message becomes a doctor row's reason
  'src/sinks/audit-chain.ts', // the cause of VIGIL_AUDIT_WRITE_FAILED, always wrapped
  'src/daemon/control-client.ts', // wraps a thrown non-Error for a callback
  'src/egress/client-hello.ts', // Short and Bad, caught inside readFirstBytes
];

describe('error catalogue', () => {
  it('has codes of the form VIGIL_<AREA>[_<WHAT>] and known exit codes', () => {
    const exits = new Set<number>(Object.values(EXIT_CODES).filter((c) => c !== EXIT_CODES.ok));
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      assert.match(code, /^VIGIL_[A-Z0-9]+(_[A-Z0-9]+)*$/, code);
      assert.ok(exits.has(entry.exit), `${code}: exit ${entry.exit}`);
      if ('hint' in entry) assert.ok(entry.hint.length > 0, code);
    }
  });

  it('holds every code written in src/', () => {
    const unknown: string[] = [];
    for (const file of sources(src)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/['`](VIGIL_[A-Z0-9_]+)['`]/g)) {
        const code = m[1] as string;
        if (!isErrorCode(code) && !kernelNames.has(code))
          unknown.push(`${file.slice(repoRoot.length)}: ${code}`);
      }
    }
    assert.deepEqual(unknown, []);
  });

  it('leaves plain Errors only where no user meets them', () => {
    const found: string[] = [];
    for (const file of sources(src)) {
      const rel = file.slice(repoRoot.length);
      if (PLAIN_ERROR_FOLDERS.some((f) => rel.startsWith(f)) || PLAIN_ERROR_SITES.includes(rel)) continue;
      if (/\bnew Error\(|extends Error\b/.test(readFileSync(file, 'utf8'))) found.push(rel);
    }
    assert.deepEqual(found, []);
  });
});

describe('VigilError', () => {
  it('takes its exit code and fixed hint from the catalogue', () => {
    const e = new SystemError('VIGIL_NO_CGROUP2', 'no cgroup v2 hierarchy is mounted');
    assert.equal(e.exitCode, EXIT_CODES.failure);
    assert.equal(e.hint, ERROR_CATALOGUE.VIGIL_NO_CGROUP2.hint);
    assert.equal(new SystemError('VIGIL_NO_CGROUP2', 'x', { hint: 'other' }).hint, 'other');
    assert.equal(new UsageError('bad flag').exitCode, EXIT_CODES.usage);
    assert.equal(new UsageError('bad flag').name, 'UsageError');
  });

  it('gives a bridge failure its errno name as code, under the catalogue entry VIGIL_BPF', () => {
    const e = new BpfError('denied', { code: 'EPERM', errno: 1, op: 'load', target: 'x.o', log: '' });
    assert.equal(e.code, 'EPERM');
    assert.equal(e.catalogueCode, 'VIGIL_BPF');
    assert.equal(e.errnoCode, 'EPERM');
    assert.equal(e.exitCode, EXIT_CODES.kernel);
  });

  it('relays a daemon error as a failure of the request, with its code', () => {
    const e = new RemoteError('VIGIL_PROFILE_INVALID', 'bad', { hint: 'h' });
    assert.equal(e.code, 'VIGIL_PROFILE_INVALID');
    assert.equal(e.exitCode, EXIT_CODES.failure);
    assert.equal(e.hint, 'h');
    assert.equal(new RemoteError('not a code', 'bad').code, 'VIGIL_INTERNAL');
    assert.equal(new RemoteError('EPERM', 'denied').catalogueCode, 'VIGIL_BPF');
  });

  it('codes a detail error the way the loader reports it', () => {
    const e = new NetworkSpecError('bad port');
    assert.ok(e instanceof VigilError);
    assert.equal(e.code, 'VIGIL_PROFILE_NETWORK');
    assert.equal(e.name, 'NetworkSpecError');
    assert.equal(e.message, 'bad port');
  });

  it('keeps bugs out of the catalogue', () => {
    assert.ok(!(new InternalError('x') instanceof VigilError));
  });
});
