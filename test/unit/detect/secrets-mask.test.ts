// Masking: the only form in which a found secret leaves the scanner.
import assert from 'node:assert/strict';
import { it } from 'node:test';

import { maskFindings, maskSecret } from '../../../src/detect/secrets/mask-secret.js';
import type { SecretFinding } from '../../../src/detect/secrets/secret-finding.js';

const at = (start: number, end: number): SecretFinding => ({
  kind: 'test',
  rule: 'test',
  severity: 'high',
  masked: '',
  start,
  end,
});

it('maskSecret shows the first and last 4 characters of a secret of 12 or more', () => {
  assert.equal(maskSecret('ghp_abcdefghijklmnopqrstuvwxyz0123456789'), 'ghp_…6789');
  assert.equal(maskSecret('abcdefghijkl'), 'abcd…ijkl');
});

it('maskSecret replaces a secret shorter than 12 characters by its length', () => {
  assert.equal(maskSecret('hunter2abc!'), '[11 chars]');
  assert.equal(maskSecret('pw'), '[2 chars]');
  assert.equal(maskSecret(''), '[0 chars]');
});

it('maskSecret counts code points and never splits a surrogate pair', () => {
  const secret = '🔑🔑abcdefghij🗝🗝';
  assert.equal(maskSecret(secret), '🔑🔑ab…ij🗝🗝');
  assert.equal(maskSecret('🔑'.repeat(11)), '[11 chars]');
});

it('maskFindings replaces each span by its mask and keeps the rest', () => {
  const text = 'a=ghp_abcdefghijklmnopqrstuvwxyz0123456789 b=hunter2 c';
  assert.equal(maskFindings(text, [at(2, 42), at(45, 52)]), 'a=ghp_…6789 b=[7 chars] c');
  assert.equal(maskFindings(text, []), text);
});

it('maskFindings masks overlapping or touching spans as one, in any order', () => {
  const text = 'https://user:ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/x';
  const url = at(0, 64);
  const token = at(13, 53);
  assert.equal(maskFindings(text, [token, url]), 'http….com/x');
  assert.equal(maskFindings('0123456789abcdefghij', [at(0, 6), at(6, 20)]), '0123…ghij');
});

it('maskFindings clips spans outside the text and ignores empty ones', () => {
  assert.equal(maskFindings('short secret', [at(6, 400)]), 'short [6 chars]');
  assert.equal(maskFindings('abc', [at(-5, 0), at(2, 2), at(9, 12)]), 'abc');
});
