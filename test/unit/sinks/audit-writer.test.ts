import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { formatWallNs } from '../../../src/enrich/boot-clock.js';
import { AuditError } from '../../../src/sinks/audit-errors.js';
import { buildAuditLine, lossLine, type LineContext } from '../../../src/sinks/audit-line.js';
import type { AuditLine } from '../../../src/sinks/audit-schema.js';
import { AuditWriter, type WriterFs } from '../../../src/sinks/audit-writer.js';
import { chainLines } from './chain-fixture.js';
import { fileEvent } from './fixture-events.js';

const ctx: LineContext = {
  session: { id: 's1', profile: 'generic' },
  clock: { format: (k: bigint) => formatWallNs(1_795_000_000_000_000_000n + k) },
};
const observed = (i = 0): AuditLine => buildAuditLine(fileEvent(100, `/tmp/f${i}`, 0, 3), ctx);
const blocked = (): AuditLine =>
  buildAuditLine(fileEvent(100, '/etc/shadow', 0, -13), ctx, {
    action: 'BLOCK',
    enforcement: 'inline',
    rule: 'denied_paths: /etc/shadow',
    reason: 'path is denied',
    backend: 'lsm:file_open',
  });

const dir = mkdtempSync(join(tmpdir(), 'vigil-audit-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The real fs, with a log of the calls that matter and optional failures. */
function recordingFs(fail: Partial<Record<'write' | 'fsync', string>> = {}) {
  const calls: string[] = [];
  const errno = (code: string) => Object.assign(new Error(code), { code });
  const rfs: WriterFs = {
    openSync: (p, f, m) => fs.openSync(p, f, m),
    writeSync: (fd, b, o, l) => {
      if (fail.write !== undefined) throw errno(fail.write);
      calls.push('write');
      return fs.writeSync(fd, b, o, l);
    },
    fsyncSync: (fd) => {
      if (fail.fsync !== undefined) throw errno(fail.fsync);
      calls.push('fsync');
      fs.fsyncSync(fd);
    },
    fstatSync: (fd) => fs.fstatSync(fd),
    readSync: (fd, b, o, l, p) => fs.readSync(fd, b, o, l, p),
    closeSync: (fd) => {
      fs.closeSync(fd);
    },
    renameSync: (a, b) => {
      calls.push(`rename ${a.slice(dir.length + 1)} ${b.slice(dir.length + 1)}`);
      fs.renameSync(a, b);
    },
    unlinkSync: (p) => {
      fs.unlinkSync(p);
    },
  };
  return { rfs, calls };
}

describe('audit writer: file', () => {
  it('appends one JSON line per write, file created 0600', () => {
    const path = join(dir, 'a.log');
    fs.writeFileSync(path, '');
    fs.rmSync(path);
    const w = new AuditWriter({ path });
    w.write(observed(1));
    w.write(observed(2));
    w.close();
    const w2 = new AuditWriter({ path });
    w2.write(observed(3));
    w2.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { path: string }).path),
      ['/tmp/f1', '/tmp/f2', '/tmp/f3'],
    );
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  it('rotates by size, keeps N copies, never splits a line', () => {
    const path = join(dir, 'r.log');
    // a written line, with its chain keys (seq 10 takes a digit more)
    const size = Buffer.byteLength(chainLines([observed(0)])[0] ?? '') + 1;
    const w = new AuditWriter({ path, maxBytes: size * 3, keep: 2 });
    for (let i = 0; i < 10; i++) w.write(observed(i));
    w.close();
    const read = (p: string) =>
      readFileSync(p, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { path: string }).path);
    // 10 lines, 3 per file: f9 | f6 f7 f8 | f3 f4 f5; f0-f2 rotated out of .2 into oblivion.
    assert.deepEqual(read(path), ['/tmp/f9']);
    assert.deepEqual(read(`${path}.1`), ['/tmp/f6', '/tmp/f7', '/tmp/f8']);
    assert.deepEqual(read(`${path}.2`), ['/tmp/f3', '/tmp/f4', '/tmp/f5']);
    assert.equal(fs.existsSync(`${path}.3`), false);
    assert.equal(w.stats().rotations, 3);
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  it('keep: 0 starts the file over', () => {
    const path = join(dir, 'k0.log');
    const size = Buffer.byteLength(JSON.stringify(observed(0)) + '\n');
    const w = new AuditWriter({ path, maxBytes: size * 2, keep: 0 });
    for (let i = 0; i < 5; i++) w.write(observed(i));
    w.close();
    assert.equal(readFileSync(path, 'utf8').trimEnd().split('\n').length, 1);
    assert.equal(fs.existsSync(`${path}.1`), false);
  });
});

describe('audit writer: fsync policy', () => {
  it('BLOCK and loss lines are fsynced before write returns; observed lines wait for the interval', () => {
    let now = 0;
    const { rfs, calls } = recordingFs();
    const w = new AuditWriter({ path: join(dir, 'f.log'), fs: rfs, now: () => now, syncIntervalMs: 1000 });
    w.write(observed());
    assert.deepEqual(calls, ['write']);
    w.write(blocked());
    assert.deepEqual(calls, ['write', 'write', 'fsync']);
    const loss = lossLine({ ringbufFull: 3n, readFail: 0n, watchFull: 0n, staleEntry: 0n, alertLost: 0n });
    assert.ok(loss !== undefined);
    w.write(loss);
    assert.deepEqual(calls.slice(3), ['write', 'fsync']);
    now = 500;
    w.write(observed());
    assert.deepEqual(calls.slice(5), ['write']);
    now = 1600;
    w.write(observed());
    assert.deepEqual(calls.slice(6), ['write', 'fsync'], 'the interval passed: this write syncs');
    w.write(observed());
    w.close();
    assert.deepEqual(calls.slice(8), ['write', 'fsync'], 'close syncs what is pending');
  });

  it('rotation syncs the old file before renaming', () => {
    const { rfs, calls } = recordingFs();
    const size = Buffer.byteLength(JSON.stringify(observed(0)) + '\n');
    const w = new AuditWriter({ path: join(dir, 'rs.log'), fs: rfs, maxBytes: size, keep: 1, now: () => 0 });
    w.write(observed(0));
    w.write(observed(1));
    w.close();
    // file, rename, then the folder (so the rename is durable), then the new file
    assert.deepEqual(calls, ['write', 'fsync', 'rename rs.log rs.log.1', 'fsync', 'write', 'fsync']);
  });
});

describe('audit writer: failures are never silent', () => {
  it('a failing disk raises VIGIL_AUDIT_WRITE_FAILED with the errno', () => {
    const { rfs } = recordingFs({ write: 'ENOSPC' });
    const w = new AuditWriter({ path: join(dir, 'e.log'), fs: rfs });
    assert.throws(
      () => {
        w.write(blocked());
      },
      (e: unknown) =>
        e instanceof AuditError && e.code === 'VIGIL_AUDIT_WRITE_FAILED' && /ENOSPC/.test(e.message),
    );
    w.close();
  });

  it('a failing fsync of a BLOCK line raises', () => {
    const { rfs } = recordingFs({ fsync: 'EIO' });
    const w = new AuditWriter({ path: join(dir, 'e2.log'), fs: rfs });
    assert.throws(
      () => {
        w.write(blocked());
      },
      (e: unknown) => e instanceof AuditError && /EIO/.test(e.message),
    );
  });

  it('a closed stdout pipe is reported once and the lost lines counted', () => {
    const [r, wfd] = pipeFds();
    fs.closeSync(r);
    const notices: string[] = [];
    const w = new AuditWriter({ stdoutFd: wfd, onNotice: (m) => notices.push(m) });
    w.write(observed());
    w.write(observed());
    w.write(blocked());
    assert.equal(notices.length, 1);
    assert.match(notices[0] ?? '', /closed pipe/);
    assert.equal(w.stats().unwritable, 3);
    w.close();
    fs.closeSync(wfd);
  });

  it('writing after close throws', () => {
    const w = new AuditWriter({ path: join(dir, 'c.log') });
    w.close();
    assert.throws(
      () => {
        w.write(observed());
      },
      (e: unknown) => e instanceof AuditError && e.code === 'VIGIL_AUDIT_CLOSED',
    );
  });
});

/** A pipe's two ends (Node cannot make a pipe synchronously; a FIFO can be opened as one). */
function pipeFds(): [number, number] {
  const fifo = join(dir, `fifo-${Math.random().toString(36).slice(2)}`);
  const made = spawnSync('mkfifo', [fifo]);
  assert.equal(made.status, 0, 'mkfifo');
  const r = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const w = fs.openSync(fifo, fs.constants.O_WRONLY);
  return [r, w];
}

describe('audit writer: throughput (reported, not asserted)', () => {
  it('measures lines per second to a file', (t) => {
    const path = join(dir, 'speed.log');
    const w = new AuditWriter({ path });
    const lines = Array.from({ length: 1000 }, (_, i) => observed(i));
    const n = 200_000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) w.write(lines[i % lines.length] as AuditLine);
    w.close();
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    const bytes = w.stats().bytes;
    const report = `audit writer: ${Math.round(n / secs)} lines/s (${(bytes / secs / 1e6).toFixed(1)} MB/s, ${Math.round(bytes / n)} B/line, ${w.stats().fsyncs} fsyncs)`;
    t.diagnostic(report);
    console.log(report);
    assert.equal(w.stats().lines, n);
  });

  it('measures BLOCK lines per second (each fsynced)', (t) => {
    const w = new AuditWriter({ path: join(dir, 'speed-block.log') });
    const line = blocked();
    const n = 2000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) w.write(line);
    w.close();
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    const report = `audit writer: ${Math.round(n / secs)} fsynced BLOCK lines/s`;
    t.diagnostic(report);
    console.log(report);
    assert.equal(w.stats().fsyncs, n);
  });
});

describe('a device given as the log', () => {
  it('/dev/null is written to, never fsynced, never rotated (renamed)', () => {
    const w = new AuditWriter({ path: '/dev/null', maxBytes: 64 });
    const loss = lossLine({ ringbufFull: 1n, readFail: 0n, watchFull: 0n, staleEntry: 0n, alertLost: 0n });
    assert.ok(loss);
    for (let i = 0; i < 5; i++) w.write(loss); // loss lines must be synced: on a device, a no-op
    w.close();
    assert.equal(w.stats().rotations, 0);
    assert.equal(w.stats().lines, 5);
    assert.ok(statSync('/dev/null').isCharacterDevice(), '/dev/null is still the device');
  });
});
