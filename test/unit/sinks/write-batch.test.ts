// Inside writeBatch (the daemon opens one per ring-buffer batch) an audit writer writes the
// batch's lines with one write() when the batch ends: same bytes, same order, same fsync
// policy (a BLOCK line is on disk before writeBatch returns), same rotation points.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { formatWallNs } from '../../../src/enrich/boot-clock.js';
import { AuditError } from '../../../src/sinks/audit-errors.js';
import { buildAuditLine, type LineContext } from '../../../src/sinks/audit-line.js';
import type { AuditLine } from '../../../src/sinks/audit-schema.js';
import { AuditWriter, type WriterFs } from '../../../src/sinks/audit-writer.js';
import { inWriteBatch, writeBatch } from '../../../src/sinks/write-batch.js';
import { chainLines } from './chain-fixture.js';
import { fileEvent } from './fixture-events.js';

const ctx: LineContext = {
  session: { id: 's1', profile: 'generic' },
  clock: { format: (k: bigint) => formatWallNs(1_795_000_000_000_000_000n + k) },
};
const observed = (i: number): AuditLine => buildAuditLine(fileEvent(100, `/tmp/é${i}`, 0, 3), ctx);
const blocked = (): AuditLine =>
  buildAuditLine(fileEvent(100, '/etc/shadow', 0, -13), ctx, {
    action: 'BLOCK',
    enforcement: 'inline',
    rule: 'denied_paths[0]',
    reason: 'path is denied',
    backend: 'lsm:file_open',
  });
/** The lines as a writer that starts a new chain writes them. */
const text = (lines: AuditLine[]): string => chainLines(lines).join('');

const dir = mkdtempSync(join(tmpdir(), 'vigil-batch-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The real fs, logging writes (with their sizes), fsyncs and renames. */
function recordingFs(fail: { write?: string } = {}) {
  const calls: string[] = [];
  const rfs: WriterFs = {
    openSync: (p, f, m) => fs.openSync(p, f, m),
    writeSync: (fd, b, o, l) => {
      if (fail.write !== undefined) throw Object.assign(new Error(fail.write), { code: fail.write });
      calls.push(`write ${l}`);
      return fs.writeSync(fd, b, o, l);
    },
    fsyncSync: (fd) => {
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

describe('write batches', () => {
  it('the lines of a batch arrive in one write, in order, byte for byte', () => {
    const { rfs, calls } = recordingFs();
    const path = join(dir, 'one.log');
    const w = new AuditWriter({ path, fs: rfs, now: () => 0 });
    const lines = Array.from({ length: 500 }, (_, i) => observed(i));
    writeBatch(() => {
      for (const l of lines) w.write(l);
      assert.deepEqual(calls, [], 'nothing is written before the batch ends');
      assert.ok(inWriteBatch());
    });
    assert.equal(inWriteBatch(), false);
    const bytes = Buffer.byteLength(text(lines));
    assert.deepEqual(calls, [`write ${bytes}`]);
    assert.equal(w.stats().lines, 500);
    assert.equal(w.stats().bytes, bytes);
    w.close();
    assert.equal(readFileSync(path, 'utf8'), text(lines));
  });

  it('a batch with a BLOCK line is fsynced before writeBatch returns, after its one write', () => {
    const { rfs, calls } = recordingFs();
    const w = new AuditWriter({ path: join(dir, 'sync.log'), fs: rfs, now: () => 0, syncIntervalMs: 1000 });
    const lines = [observed(1), blocked(), observed(2)];
    writeBatch(() => {
      for (const l of lines) w.write(l);
    });
    assert.deepEqual(calls, [`write ${Buffer.byteLength(text(lines))}`, 'fsync']);
    writeBatch(() => {
      w.write(observed(3));
    });
    assert.equal(calls.length, 3, 'an observed-only batch waits for the interval');
    w.close();
  });

  it('a batch rotates between the same lines as single writes would, never inside one', () => {
    const lines = Array.from({ length: 10 }, (_, i) => observed(i));
    const maxBytes = Buffer.byteLength(text(lines.slice(0, 3))) + 10; // three lines per file
    const files = (sub: string, batched: boolean): string[] => {
      const d = join(dir, sub);
      fs.mkdirSync(d);
      const w = new AuditWriter({ path: join(d, 'a.log'), maxBytes, keep: 5, now: () => 0 });
      if (batched)
        writeBatch(() => {
          for (const l of lines) w.write(l);
        });
      else for (const l of lines) w.write(l);
      w.close();
      return readdirSync(d)
        .sort()
        .map((f) => readFileSync(join(d, f), 'utf8'));
    };
    const single = files('single', false);
    assert.deepEqual(files('batched', true), single);
    // one chain across the files
    const all = chainLines(lines);
    assert.deepEqual(single, [
      all.slice(9).join(''),
      all.slice(6, 9).join(''),
      all.slice(3, 6).join(''),
      all.slice(0, 3).join(''),
    ]);
  });

  it('nested batches write once, when the outer one ends; each writer gets its own write', () => {
    const a = recordingFs();
    const b = recordingFs();
    const wa = new AuditWriter({ path: join(dir, 'na.log'), fs: a.rfs, now: () => 0 });
    const wb = new AuditWriter({ path: join(dir, 'nb.log'), fs: b.rfs, now: () => 0 });
    writeBatch(() => {
      wa.write(observed(1));
      writeBatch(() => {
        wa.write(observed(2));
        wb.write(observed(3));
      });
      assert.deepEqual([...a.calls, ...b.calls], [], 'the inner batch does not flush');
    });
    assert.deepEqual(a.calls, [`write ${Buffer.byteLength(text([observed(1), observed(2)]))}`]);
    assert.deepEqual(b.calls, [`write ${Buffer.byteLength(text([observed(3)]))}`]);
    wa.close();
    wb.close();
  });

  it('a failing write is thrown when the batch ends, after the other writers wrote', () => {
    const bad = recordingFs({ write: 'ENOSPC' });
    const good = recordingFs();
    const wBad = new AuditWriter({ path: join(dir, 'bad.log'), fs: bad.rfs, now: () => 0 });
    const wGood = new AuditWriter({ path: join(dir, 'good.log'), fs: good.rfs, now: () => 0 });
    assert.throws(
      () => {
        writeBatch(() => {
          wBad.write(observed(1));
          wGood.write(observed(2));
        });
      },
      (e: unknown) => e instanceof AuditError && /ENOSPC/.test(e.message),
    );
    assert.equal(good.calls.length, 1, 'the healthy writer still wrote its line');
    assert.equal(inWriteBatch(), false);
    wGood.close();
  });

  it('close inside a batch writes what was queued first', () => {
    const path = join(dir, 'close.log');
    const w = new AuditWriter({ path, now: () => 0 });
    writeBatch(() => {
      w.write(observed(1));
      w.close();
    });
    assert.equal(readFileSync(path, 'utf8'), text([observed(1)]));
  });
});
