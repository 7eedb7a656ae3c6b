// The scanner's bounds: the byte cap and the findings cap (and the result saying the scan was
// cut), secrets on the edges of the windows a long text is scanned in, odd input, and the
// throughput on ordinary source (reported, not asserted: a shared 2-core machine times nothing).
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';

import { InternalError } from '../../../src/errors.js';
import { scanText } from '../../../src/detect/secrets/scan-secrets.js';
import { repoRoot } from '../../support/paths.js';

const token = (i: number): string =>
  `ghp_${createHash('sha256').update(`t${i}`).digest('base64').replace(/[+/=]/g, 'x').slice(0, 36)}`;

describe('the byte cap', () => {
  it('a secret past maxBytes is not scanned, and the result says it was cut', async () => {
    const text = `${'a'.repeat(1000)} ${token(1)} ${'b'.repeat(1000)} ${token(2)}`;
    const cut = await scanText(text, { maxBytes: 1500 });
    assert.equal(cut.truncated, true);
    assert.equal(cut.findings.length, 1);
    const whole = await scanText(text);
    assert.equal(whole.truncated, false);
    assert.equal(whole.findings.length, 2);
  });

  it('counts UTF-8 bytes, not characters', async () => {
    const text = `${'é'.repeat(600)} ${token(3)}`; // 1200 bytes of é, then 41 of ASCII
    assert.equal((await scanText(text, { maxBytes: 1241 })).truncated, false);
    const cut = await scanText(text, { maxBytes: 1240 });
    assert.deepEqual([cut.truncated, cut.findings.length], [true, 0]);
  });

  it('maxBytes 0 scans nothing; a bad maxBytes is a bug in the caller', async () => {
    assert.deepEqual(await scanText(token(4), { maxBytes: 0 }), { findings: [], truncated: true });
    assert.deepEqual(await scanText('', { maxBytes: 0 }), { findings: [], truncated: false });
    for (const maxBytes of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      await assert.rejects(scanText('x', { maxBytes }), InternalError);
  });
});

it("scans leave nothing in the process's performance timeline (secretlint's profiler is off)", async () => {
  const before = performance.getEntriesByType('mark').length;
  for (let i = 0; i < 50; i++) await scanText(`token ${token(i)}`);
  assert.equal(performance.getEntriesByType('mark').length, before);
});

it('the findings cap: a text packed with tokens stops at 1000 findings and says so', async () => {
  const text = Array.from({ length: 30_000 }, (_, i) => token(i)).join('\n');
  const { findings, truncated } = await scanText(text, { maxBytes: 8 << 20 });
  assert.equal(truncated, true);
  assert.equal(findings.length, 1000);
  assert.equal(text.slice(findings[999]?.start, findings[999]?.end), token(999));
});

describe('secrets on window edges are found once, whole', () => {
  const pem = generateKeyPairSync('rsa', { modulusLength: 4096 })
    .privateKey.export({ type: 'pkcs1', format: 'pem' })
    .toString()
    .trimEnd();

  /** `count` tokens and a 4096-bit PEM key every `pemEvery` tokens, `gap` filler characters apart. */
  function build(count: number, gap: number, filler: (n: number) => string, pemEvery: number) {
    let text = '';
    const expected: { kind: string; start: number; end: number }[] = [];
    for (let i = 0; i < count; i++) {
      text += filler(gap + (i % 7) * 131);
      const secret = i % pemEvery === pemEvery - 1 ? pem : token(i);
      expected.push({
        kind: secret === pem ? 'private_key' : 'github_token',
        start: text.length,
        end: text.length + secret.length,
      });
      text += secret;
    }
    return { text: text + filler(gap), expected };
  }

  const lines = (n: number): string => `${`\n${'x'.repeat(79)}`.repeat(Math.ceil(n / 80)).slice(0, n - 1)} `;
  const oneLine = (n: number): string => ' '.repeat(n);
  for (const [name, filler] of [
    ['in lines', lines],
    ['on one line', oneLine],
  ] as const) {
    it(name, async () => {
      const { text, expected } = build(700, 1500, filler, 50);
      assert.ok(text.length > 1_000_000);
      const { findings, truncated } = await scanText(text);
      assert.equal(truncated, false);
      assert.deepEqual(
        findings.map((f) => ({ kind: f.kind, start: f.start, end: f.end })),
        expected,
      );
    });
  }
});

describe('odd input never throws', () => {
  const odd: [string, string][] = [
    ['empty', ''],
    ['lone surrogates', '\uD800abc\uDC00\uD800'.repeat(1000)],
    ['NUL bytes', '\0'.repeat(10_000)],
    ['binary read as latin1', randomBytes(200_000).toString('latin1')],
    ['binary read as UTF-8', randomBytes(200_000).toString('utf8')],
    ['a 5 MB line', 'A'.repeat(5 << 20)],
    ['only separators and digits', '4 - 4 '.repeat(50_000)],
    ['unterminated PEM', `-----BEGIN PRIVATE KEY-----\n${'MIIE'.repeat(5000)}`],
    ['many URL starts', 'postgres://a:'.repeat(50_000)],
  ];
  for (const [name, text] of odd) {
    it(name, async () => {
      const { findings } = await scanText(text);
      for (const f of findings) assert.ok(f.start >= 0 && f.end <= text.length && f.start < f.end);
    });
  }
});

it('throughput on 1 MB of ordinary source (reported)', async (t) => {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts') && !p.includes('/detect/')) files.push(p);
    }
  };
  walk(join(repoRoot, 'src'));
  let source = '';
  for (const f of files) {
    if (source.length >= 1 << 20) break;
    source += readFileSync(f, 'utf8');
  }
  while (source.length < 1 << 20) source += source;
  source = source.slice(0, 1 << 20);
  await scanText(source); // warm up
  const wall: number[] = [];
  const cpu: number[] = [];
  let found = 0;
  for (let i = 0; i < 3; i++) {
    const begin = process.hrtime.bigint();
    const used = process.cpuUsage();
    found = (await scanText(source)).findings.length;
    const { user, system } = process.cpuUsage(used);
    wall.push(Number(process.hrtime.bigint() - begin) / 1e6);
    cpu.push((user + system) / 1e3);
  }
  const rate = (ms: number): string => `${(1000 / ms).toFixed(1)} MB/s`;
  t.diagnostic(
    `scanText on 1 MiB of vigil's own sources, best of 3: ${rate(Math.min(...wall))} wall, ${rate(Math.min(...cpu))} CPU; ${found} findings`,
  );
});
