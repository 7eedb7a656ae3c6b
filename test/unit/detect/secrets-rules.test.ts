// vigil's own rules and its reading of secretlint's, one decision at a time: what counts as a card
// number or a JWT, which near-misses do not, how the preset is configured, how its messages are
// named.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';

import { isCardNumber } from '../../../src/detect/secrets/credit-card.js';
import { isDocumentedExample } from '../../../src/detect/secrets/documented-examples.js';
import { hasPlaceholderPassword } from '../../../src/detect/secrets/extra-rules.js';
import { scanText } from '../../../src/detect/secrets/scan-secrets.js';
import { isSecretName, looksRandom } from '../../../src/detect/secrets/secret-env-name.js';
import { secretlintKind } from '../../../src/detect/secrets/secretlint-kinds.js';

const kinds = async (text: string): Promise<string[]> => (await scanText(text)).findings.map((f) => f.kind);
const b64url = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
const sig = (seed: string): string => createHash('sha256').update(seed).digest('base64url');

describe('card numbers', () => {
  it('issuer prefix, length and Luhn must all hold', () => {
    for (const pan of ['4111111111111111', '4222222222222', '5105105105105100', '2223003122003222'])
      assert.ok(isCardNumber(pan), pan);
    assert.ok(
      isCardNumber('378282246310005') && isCardNumber('6011111111111117') && isCardNumber('3530111333300000'),
    );
    assert.ok(!isCardNumber('4111111111111112'), 'Luhn');
    assert.ok(!isCardNumber('1234567812345670'), 'no issuer starts with 1 (Luhn-valid all the same)');
    assert.ok(!isCardNumber('41111111111111111'), 'Visa has no 17-digit numbers');
    assert.ok(!isCardNumber('37828224631000'), 'Amex is 15 digits');
    assert.ok(!isCardNumber('4111-1111'), 'digits only');
  });

  it('groups: one kind of separator, 3 to 6 digits each', async () => {
    assert.deepEqual(await kinds('4111 1111 1111 1111'), ['credit_card']);
    assert.deepEqual(await kinds('4111-1111-1111-1111'), ['credit_card']);
    assert.deepEqual(await kinds('4111 1111-1111 1111'), []);
    assert.deepEqual(await kinds('41 11 11 11 11 11 11 11'), []);
  });

  it('a card number inside a longer number, a word or a decimal is none', async () => {
    for (const text of ['x4111111111111111', '4111111111111111x', '14111111111111111', '0.4111111111111111'])
      assert.deepEqual(await kinds(text), [], text);
  });
});

describe('JWTs', () => {
  const header = b64url({ alg: 'RS256', typ: 'JWT', kid: 'k1' });
  const payload = b64url({ sub: 'u1', aud: 'api', exp: 1900000000 });

  it('a token with a JSON header naming its alg, a JSON payload and a signature', async () => {
    assert.deepEqual(await kinds(`token=${header}.${payload}.${sig('s')}`), ['jwt']);
  });

  it('near misses are not tokens', async () => {
    const noAlg = b64url({ typ: 'JWT' });
    const notJson = Buffer.from('{"alg":"HS256"').toString('base64url');
    const arrayPayload = b64url([1, 2, 3]);
    for (const text of [
      `${noAlg}.${payload}.${sig('a')}`,
      `${notJson}.${payload}.${sig('b')}`,
      `${header}.${arrayPayload}.${sig('c')}`,
      `${header}.${payload}.`, // alg: none style, unsigned
      `${header}.${payload}.abc`,
      `${header}.${payload}`,
      'eyJhbGciOi.eyJzdWIiOi.not-a-token-at-all',
    ])
      assert.deepEqual(await kinds(text), [], text);
  });
});

describe('the preset as vigil configures it', () => {
  it('access key ids are scanned; account ids are not reported', async () => {
    assert.deepEqual(await kinds('AKIAZ3Q5W7E9R2T4Y6U8'), ['aws_access_key_id']);
    assert.deepEqual(await kinds('aws_account_id = 1234-5678-9012'), []);
  });

  it('nothing reads a file, whatever the text says', async () => {
    // The GCP rule reads .p12 files and parses .json ones; with the empty path it does neither.
    const text = JSON.stringify({ private_key_id: 'x', private_key: '-----BEGIN PRIVATE KEY-----' });
    assert.deepEqual(await kinds(text), []);
  });

  it('a byte-order mark does not shift the offsets', async () => {
    const token = `glpat-${sig('bom').slice(0, 20)}`;
    const text = `\uFEFFtoken: ${token}`;
    const [f] = (await scanText(text)).findings;
    assert.equal(text.slice(f?.start, f?.end), token);
  });

  it("Stripe's publishable keys are public", async () => {
    assert.deepEqual(await kinds(`pk_live_${sig('pk').replace(/[-_]/g, 'a')}`), []);
  });
});

describe('connection URLs', () => {
  it('placeholder passwords are none, literal ones are', () => {
    for (const url of [
      'postgres://u:${PASSWORD}@h',
      'postgres://u:$PASSWORD@h',
      'postgres://u:{{password}}@h',
      'mysql://u:<password>@h',
      'mysql://u:%DB_PASS%@h',
      'redis://:****@h',
      'amqp://u:xxx@h',
      'redis://:@h',
    ])
      assert.ok(hasPlaceholderPassword(url), url);
    for (const url of ['postgres://u:pass@h', 'postgres://u:Zx9!kq@h', 'redis://:s3cret@h'])
      assert.ok(!hasPlaceholderPassword(url), url);
  });

  it('the preset and vigil do not both report one URL', async () => {
    const found = (await scanText('postgres://app:Zx9kq2LpWm@db.internal/app')).findings;
    assert.deepEqual(
      found.map((f) => f.rule),
      ['@secretlint/secretlint-rule-database-connection-string'],
    );
  });
});

describe('names and values of secret-looking variables', () => {
  it('names', () => {
    for (const name of [
      'GITHUB_TOKEN',
      'DB_PASSWORD',
      'OPENAI_API_KEY',
      'SECRET_KEY_BASE',
      'clientSecret',
      'apiKey',
    ])
      assert.ok(isSecretName(name), name);
    for (const name of [
      'PATH',
      'HOME',
      'LS_COLORS',
      'PWD',
      'GPG_KEY',
      'NEXT_PUBLIC_KEY',
      'MONKEY',
      'TOKEN_TTL',
      'KEYS',
    ])
      assert.ok(!isSecretName(name), name);
  });

  it('values', () => {
    for (const value of ['Zx9kq2LpWm4R', sig('v'), createHash('sha1').update('x').digest('hex')])
      assert.ok(looksRandom(value), value);
    for (const value of [
      'changeme',
      'keyboard cat',
      '/run/secrets/token',
      'https://vault.internal',
      'node-modules-v2',
      '${TOKEN}',
      'aaaaaaaaaaaaaaaa',
      '1111111111111111',
    ])
      assert.ok(!looksRandom(value), value);
  });
});

it('documented examples compare with and without card separators', () => {
  assert.ok(isDocumentedExample('AKIAIOSFODNN7EXAMPLE'));
  assert.ok(isDocumentedExample('4242 4242 4242 4242'));
  assert.ok(!isDocumentedExample('AKIAIOSFODNN7EXAMPLF'));
});

it("a preset rule vigil's table does not know still gets a kind", () => {
  assert.deepEqual(secretlintKind('@secretlint/secretlint-rule-github', 'GITHUB_TOKEN'), {
    kind: 'github_token',
    severity: 'high',
  });
  assert.deepEqual(secretlintKind('@secretlint/secretlint-rule-slack', 'IncomingWebhook'), {
    kind: 'slack_webhook',
    severity: 'medium',
  });
  assert.deepEqual(secretlintKind('@secretlint/secretlint-rule-new-thing', 'NewThingAPIKey'), {
    kind: 'new_thing_apikey',
    severity: 'high',
  });
});
