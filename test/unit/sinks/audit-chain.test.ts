// The writer's hash chain (docs/audit.md#the-hash-chain): every line ends with seq and prev, the
// SHA-256 of the line before; the chain goes on across rotation, reopen and restart; a torn last
// line, a file without seq and a failed write are recorded as breaks. The expected bytes are
// computed independently (chain-fixture.ts: JSON.stringify and createHash).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { AUDIT_SCHEMA_FILE } from '../../../scripts/gen-audit-schema.js';
import { formatWallNs } from '../../../src/enrich/boot-clock.js';
import { lineChain, readTail } from '../../../src/sinks/audit-chain.js';
import { AuditError } from '../../../src/sinks/audit-errors.js';
import {
  buildAuditLine,
  lossLine,
  sessionStartLine,
  type LineContext,
} from '../../../src/sinks/audit-line.js';
import { auditLineErrors, validateAuditLine, type AuditLine } from '../../../src/sinks/audit-schema.js';
import { verifyAuditFiles } from '../../../src/sinks/audit-verify.js';
import { AuditWriter, type WriterFs } from '../../../src/sinks/audit-writer.js';
import { writeBatch } from '../../../src/sinks/write-batch.js';
import { chainLines, sha256, ZEROS } from './chain-fixture.js';
import { everyKind, fileEvent } from './fixture-events.js';

const ctx: LineContext = {
  session: { id: 's1', profile: 'generic' },
  clock: { format: (k: bigint) => formatWallNs(1_795_000_000_000_000_000n + k) },
};
const observed = (i: number): AuditLine => buildAuditLine(fileEvent(100, `/tmp/f${i}`, 0, 3), ctx);
const many = (n: number, from = 0): AuditLine[] => Array.from({ length: n }, (_, i) => observed(from + i));

const dir = mkdtempSync(join(tmpdir(), 'vigil-chain-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});
let n = 0;
const fresh = (name: string): string => join(dir, `${String(++n)}-${name}`);

interface Written {
  text: string;
  seq: number;
  prev: string;
  chain_break?: string;
}

/** A file's lines, with the chain keys read back. */
function readChain(path: string): Written[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((text) => ({ text, ...(JSON.parse(text) as Omit<Written, 'text'>) }));
}

function writeAll(w: AuditWriter, lines: AuditLine[]): void {
  for (const l of lines) w.write(l);
}

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(JSON.parse(readFileSync(AUDIT_SCHEMA_FILE, 'utf8')) as object);

describe('hash chain: the lines the writer writes', () => {
  it('a new file: seq from 1, prev 64 zeros then the SHA-256 of the line before, keys last', () => {
    const path = fresh('new.jsonl');
    const lines = many(5);
    const w = new AuditWriter({ path });
    writeAll(w, lines);
    w.close();
    assert.equal(readFileSync(path, 'utf8'), chainLines(lines).join(''));
    const back = readChain(path);
    assert.deepEqual(
      back.map((l) => l.seq),
      [1, 2, 3, 4, 5],
    );
    assert.equal(back[0]?.prev, ZEROS);
    assert.equal(back[1]?.prev, sha256(back[0].text));
    assert.deepEqual(Object.keys(JSON.parse(back[0].text) as object).slice(-2), ['seq', 'prev']);
    assert.deepEqual(w.chainHead(), { seq: 5, hash: sha256(back[4]?.text ?? '') });
  });

  it('every kind of line, as written, validates against the published schema and the TypeBox check', () => {
    const path = fresh('kinds.jsonl');
    const w = new AuditWriter({ path });
    for (const ev of everyKind()) w.write(buildAuditLine(ev, ctx));
    w.write(sessionStartLine(ctx.session, { pid: 1, comm: 'vigil' }, { origin: 'run' }));
    const loss = lossLine({ ringbufFull: 1n, readFail: 0n, watchFull: 0n, staleEntry: 0n, alertLost: 0n });
    assert.ok(loss !== undefined);
    w.write(loss);
    w.close();
    const back = readChain(path).map((l) => JSON.parse(l.text) as unknown);
    assert.equal(back.length, everyKind().length + 2);
    for (const line of back) {
      assert.ok(validate(line), `JSON Schema: ${JSON.stringify(validate.errors)}\n${JSON.stringify(line)}`);
      assert.ok(validateAuditLine(line), `TypeBox: ${auditLineErrors(line)}`);
    }
    // and the schema checks the chain keys' form
    const one = back[0] as Record<string, unknown>;
    assert.equal(validate({ ...one, seq: 0 }), false);
    assert.equal(validate({ ...one, prev: 'abc' }), false);
    assert.equal(validate({ ...one, chain_break: 'oops' }), false);
    assert.equal(validate({ ...one, chain_break: 'torn_line' }), true);
  });

  it('a batch writes the same chain as single writes', () => {
    const lines = many(300);
    const a = fresh('single.jsonl');
    const b = fresh('batch.jsonl');
    const wa = new AuditWriter({ path: a });
    writeAll(wa, lines);
    wa.close();
    const wb = new AuditWriter({ path: b });
    writeBatch(() => {
      writeAll(wb, lines);
    });
    wb.close();
    assert.equal(readFileSync(b, 'utf8'), readFileSync(a, 'utf8'));
  });

  it('a line that brings chain keys of its own (read back from a log) gets the writer’s', () => {
    const path = fresh('reread.jsonl');
    const w = new AuditWriter({ path });
    const line = { ...observed(1), seq: 99, prev: 'f'.repeat(64), chain_break: 'unchained' } as AuditLine;
    w.write(line);
    w.close();
    assert.equal(readFileSync(path, 'utf8'), chainLines([observed(1)]).join(''));
  });

  it('stdout is chained too, from seq 1 per writer', () => {
    const path = fresh('stdout.jsonl');
    const fd = fs.openSync(path, 'w');
    const w1 = new AuditWriter({ stdoutFd: fd });
    writeAll(w1, many(3));
    w1.close();
    const w2 = new AuditWriter({ stdoutFd: fd });
    writeAll(w2, many(2, 3));
    w2.close();
    fs.closeSync(fd);
    assert.equal(readFileSync(path, 'utf8'), chainLines(many(3)).join('') + chainLines(many(2, 3)).join(''));
  });
});

describe('hash chain: across rotation, reopen and restart', () => {
  it('rotation: FILE.1 ends with seq N, FILE starts with N+1 and the hash of that line', () => {
    const path = fresh('rot.jsonl');
    const lines = many(10);
    const size = Buffer.byteLength(chainLines(many(1))[0] ?? '') + 1;
    const w = new AuditWriter({ path, maxBytes: size * 3, keep: 5 });
    writeAll(w, lines);
    w.close();
    const files = [`${path}.3`, `${path}.2`, `${path}.1`, path];
    assert.equal(files.map((f) => readFileSync(f, 'utf8')).join(''), chainLines(lines).join(''));
    const endOf1 = readChain(`${path}.1`).at(-1);
    const startOf0 = readChain(path)[0];
    assert.equal(startOf0?.seq, (endOf1?.seq ?? 0) + 1);
    assert.equal(startOf0.prev, sha256(endOf1?.text ?? ''));
    const r = verifyAuditFiles(files);
    assert.equal(r.problem, null);
    assert.deepEqual(r.breaks, []);
    assert.equal(r.lines, 10);
  });

  it('restart: a writer that opens a file with lines goes on from its last line', () => {
    const path = fresh('restart.jsonl');
    const w1 = new AuditWriter({ path });
    writeAll(w1, many(4));
    w1.close();
    const w2 = new AuditWriter({ path });
    writeAll(w2, many(3, 4));
    w2.close();
    assert.equal(readFileSync(path, 'utf8'), chainLines(many(7)).join(''));
  });

  it('restart after a rotation but before the next line: an empty FILE goes on from FILE.1', () => {
    const path = fresh('crash-after-rotate.jsonl');
    const w1 = new AuditWriter({ path });
    writeAll(w1, many(4));
    w1.rotate(); // FILE.1 has the 4 lines; FILE is new and empty
    w1.close();
    assert.equal(fs.statSync(path).size, 0);
    const w2 = new AuditWriter({ path });
    writeAll(w2, many(2, 4));
    w2.close();
    assert.equal(
      readFileSync(`${path}.1`, 'utf8') + readFileSync(path, 'utf8'),
      chainLines(many(6)).join(''),
    );
  });

  it('reopen (SIGHUP after an outside tool moved the file): the new FILE goes on from the moved one', () => {
    const path = fresh('reopen.jsonl');
    const w = new AuditWriter({ path });
    writeAll(w, many(3));
    fs.renameSync(path, `${path}.old`);
    w.reopen();
    writeAll(w, many(2, 3));
    w.reopen(); // the same file again: it goes on from its own last line
    writeAll(w, many(1, 5));
    w.close();
    assert.equal(
      readFileSync(`${path}.old`, 'utf8') + readFileSync(path, 'utf8'),
      chainLines(many(6)).join(''),
    );
  });
});

describe('hash chain: breaks are recorded, not hidden', () => {
  it('a torn last line (a crash mid-write) is ended, and the next line says torn_line with its hash', () => {
    const path = fresh('torn.jsonl');
    const good = chainLines(many(3));
    const torn = (chainLines(many(1, 3), { seq: 3, hash: sha256((good[2] ?? '').trimEnd()) })[0] ?? '').slice(
      0,
      57,
    );
    writeFileSync(path, good.join('') + torn);
    const w = new AuditWriter({ path });
    w.write(observed(9));
    w.close();
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n');
    assert.equal(lines[3], torn, 'the torn piece stays as it was, ended by a newline');
    const next = JSON.parse(lines[4] ?? '') as Written;
    assert.equal(next.chain_break, 'torn_line');
    assert.equal(next.seq, 4, 'seq goes on from the last whole line');
    assert.equal(next.prev, sha256(torn));
    assert.equal(lines[5], '', 'the file ends with a newline');
    const r = verifyAuditFiles([path]);
    assert.equal(r.problem, null);
    assert.deepEqual(
      r.breaks.map((b) => [b.kind, b.at.line, b.seq]),
      [['torn_line', 5, 4]],
    );
  });

  it('a last line with only its newline missing is a whole line: the chain goes on, no break', () => {
    const path = fresh('no-newline.jsonl');
    const good = chainLines(many(3));
    writeFileSync(path, good.join('').slice(0, -1));
    const w = new AuditWriter({ path });
    w.write(observed(3));
    w.close();
    assert.equal(readFileSync(path, 'utf8'), chainLines(many(4)).join(''));
  });

  it('a file whose last line has no seq (an older vigil): a new chain that says unchained', () => {
    const path = fresh('old.jsonl');
    const old = many(2).map((l) => `${JSON.stringify(l)}\n`);
    writeFileSync(path, old.join(''));
    const w = new AuditWriter({ path });
    writeAll(w, many(2, 2));
    w.close();
    const back = readChain(path);
    assert.equal(back[2]?.seq, 1);
    assert.equal(back[2].chain_break, 'unchained');
    assert.equal(back[2].prev, sha256(old[1]?.trimEnd() ?? ''));
    assert.equal(back[3]?.seq, 2);
    assert.equal(back[3].chain_break, undefined);
    const r = verifyAuditFiles([path]);
    assert.equal(r.problem, null);
    assert.deepEqual(
      r.breaks.map((b) => b.kind),
      ['unchained'],
    );
  });

  it('a write that fails part way: the next line ends the torn piece and says write_failed; the lost seqs stay missing', () => {
    const path = fresh('failed.jsonl');
    // as the kernel does it: a short write (100 bytes), then the next write fails
    const failing = { on: false, short: true };
    const wfs: WriterFs = {
      ...fs,
      writeSync: (fd, b, o, l) => {
        if (!failing.on) return fs.writeSync(fd, b, o, l);
        if (failing.short) {
          failing.short = false;
          return fs.writeSync(fd, b, o, Math.min(l, 100));
        }
        failing.on = false;
        throw Object.assign(new Error('EIO'), { code: 'EIO' });
      },
    };
    const w = new AuditWriter({ path, fs: wfs });
    writeAll(w, many(2));
    failing.on = true;
    assert.throws(
      () => {
        writeBatch(() => {
          writeAll(w, many(2, 2));
        });
      },
      (e: unknown) => e instanceof AuditError && e.code === 'VIGIL_AUDIT_WRITE_FAILED',
    );
    w.write(observed(4));
    w.close();
    const lines = readFileSync(path, 'utf8').split('\n');
    assert.equal(lines.length, 5, '2 lines, the torn piece, the next line, and the final newline');
    assert.equal(lines[2]?.length, 100);
    const next = JSON.parse(lines[3] ?? '') as Written;
    assert.deepEqual([next.seq, next.chain_break, next.prev], [5, 'write_failed', sha256(lines[2])]);
    const r = verifyAuditFiles([path]);
    assert.equal(r.problem, null);
    assert.equal(r.breaks.length, 1);
    assert.equal(r.breaks[0]?.kind, 'write_failed');
    assert.match(r.breaks[0].message, /seq 3 to 4 missing/);
  });

  it('a write that fails before any byte: the next line follows the last line written', () => {
    const path = fresh('failed-clean.jsonl');
    const failing = { on: false };
    const wfs: WriterFs = {
      ...fs,
      writeSync: (fd, b, o, l) => {
        if (!failing.on) return fs.writeSync(fd, b, o, l);
        failing.on = false;
        throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
      },
    };
    const w = new AuditWriter({ path, fs: wfs });
    writeAll(w, many(2));
    failing.on = true;
    assert.throws(() => {
      w.write(observed(2));
    }, AuditError);
    w.write(observed(3));
    w.close();
    const back = readChain(path);
    assert.deepEqual(
      back.map((l) => [l.seq, l.chain_break]),
      [
        [1, undefined],
        [2, undefined],
        [4, 'write_failed'],
      ],
    );
    assert.equal(back[2]?.prev, sha256(back[1]?.text ?? ''));
  });
});

describe('reading a file’s last lines', () => {
  it('finds the last line across read chunks, and the line before a torn one', () => {
    const path = fresh('tail.jsonl');
    const long = { ...observed(1), path: `/${'x'.repeat(200_000)}` } as AuditLine;
    const lines = chainLines([observed(0), long]);
    writeFileSync(path, lines.join('') + '{"torn":');
    const tail = readTail(fs, path);
    assert.ok(tail !== undefined);
    assert.equal(tail.last.complete, false);
    assert.equal(tail.last.chain.kind, 'not_json');
    assert.equal(tail.last.hash, sha256('{"torn":'));
    assert.equal(tail.before?.hash, sha256(lines[1]?.trimEnd() ?? ''));
    assert.deepEqual(tail.before.chain.kind === 'chained' ? tail.before.chain.seq : -1, 2);
  });

  it('reads a line’s chain keys and says what is wrong with them', () => {
    const b = (s: string) => Buffer.from(s);
    assert.deepEqual(lineChain(b(`{"a":1,"seq":3,"prev":"${ZEROS}"}`)), {
      kind: 'chained',
      seq: 3,
      prev: ZEROS,
      brk: undefined,
    });
    assert.equal(lineChain(b('{"a":1}')).kind, 'unchained');
    assert.equal(lineChain(b('{"a":1,"seq":')).kind, 'not_json');
    assert.equal(lineChain(b('[1]')).kind, 'not_json');
    assert.equal(lineChain(b(`{"seq":0,"prev":"${ZEROS}"}`)).kind, 'malformed');
    assert.equal(lineChain(b('{"seq":1,"prev":"zz"}')).kind, 'malformed');
    assert.equal(lineChain(b(`{"seq":1,"prev":"${ZEROS}","chain_break":"x"}`)).kind, 'malformed');
  });
});
