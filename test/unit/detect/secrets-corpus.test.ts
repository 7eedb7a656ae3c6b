// The credential scanner against a corpus: every kind vigil must report, in the shapes it turns up
// in (a config line, a command, a JSON string, a URL), with the providers' published example keys
// and fake tokens made here at run time in the providers' formats; and ordinary texts that must
// give nothing (test/fixtures/secrets). Every positive is also checked for masking: its raw secret
// is in no finding and not in the masked text.
import assert from 'node:assert/strict';
import { createHash, createHmac, generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { maskFindings, scanEnviron, scanText } from '../../../src/detect/secrets/scan-secrets.js';
import type { SecretSeverity } from '../../../src/detect/secrets/secret-finding.js';
import { repoRoot } from '../../support/paths.js';

const FIXTURES = join(repoRoot, 'test/fixtures/secrets');

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ALNUM = `${UPPER}abcdefghijklmnopqrstuvwxyz0123456789`;
const BASE64URL = `${ALNUM}-_`;

/** `n` characters of `alphabet`, the same for the same seed (a failure can be replayed). */
function fake(seed: string, n: number, alphabet = ALNUM): string {
  let out = '';
  for (let block = 0; out.length < n; block++) {
    for (const byte of createHash('sha256').update(`${seed}/${block}`).digest()) {
      out += alphabet[byte % alphabet.length] ?? '';
      if (out.length === n) break;
    }
  }
  return out;
}

function hs256Jwt(payload: object): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}`;
  return `${unsigned}.${createHmac('sha256', 'not-a-real-signing-key').update(unsigned).digest('base64url')}`;
}

function luhnComplete(prefix: string): string {
  for (let d = 0; d <= 9; d++) {
    const digits = `${prefix}${d}`;
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
      let v = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 1) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
      sum += v;
    }
    if (sum % 10 === 0) return digits;
  }
  throw new Error('unreachable');
}

const pemBody = (pem: string): string => pem.split('\n').slice(1, -2).join('\n');
const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const ecSec1Pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'sec1', format: 'pem' })
  .toString();
const ed25519Pem = generateKeyPairSync('ed25519')
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const rsaLines = rsaPem.split('\n');

interface Positive {
  name: string;
  text: string;
  /** must be inside a finding's span, and in no finding nor masked text */
  secret: string;
  kind: string;
  rule?: string;
  severity?: SecretSeverity;
}

const PRESET = '@secretlint/secretlint-rule-';
const awsId = `AKIA${fake('aws-id', 16, `${UPPER}234567`)}`;
const awsSecret = fake('aws-secret', 40, `${ALNUM}/+`);
const ghp = `ghp_${fake('ghp', 36)}`;
const githubPat = `github_pat_${fake('github-pat', 22)}_${fake('github-pat-2', 59)}`;
const glpat = `glpat-${fake('glpat', 20, BASE64URL)}`;
const openai = `sk-proj-${fake('openai-1', 74, BASE64URL)}T3BlbkFJ${fake('openai-2', 73, BASE64URL)}x`;
const anthropic = `sk-ant-api03-${fake('anthropic', 93, BASE64URL)}AA`;
const anthropicAdmin = `sk-ant-admin01-${fake('anthropic-admin', 93, BASE64URL)}AA`;
const claudeOauth = `sk-ant-oat01-${fake('claude-oauth', 93, BASE64URL)}AA`;
const slackWebhook = `https://hooks.slack.com/services/T${fake('slack-t', 8, UPPER)}/B${fake('slack-b', 10, UPPER)}/${fake('slack', 24)}`;
const slackBot = `xoxb-${fake('xoxb-1', 12, '0123456789')}-${fake('xoxb-2', 13, '0123456789')}-${fake('xoxb-3', 24)}`;
const npmToken = `npm_${fake('npm', 36)}`;
const stripeLive = `sk_live_${fake('stripe', 99)}`;
const dbPassword = fake('db-password', 18, `${ALNUM}!*`);
const jwt = hs256Jwt({ sub: 'agent-7', scope: 'repo:write', iat: 1765000000, exp: 1765003600 });
const visa = luhnComplete(`4${fake('visa', 14, '0123456789')}`);
const JWT_IO =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

const POSITIVES: Positive[] = [
  // AWS: the documented pair (which secretlint skips and vigil reports, at low), then fakes
  {
    name: 'AWS documented example access key id',
    text: 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE',
    secret: 'AKIAIOSFODNN7EXAMPLE',
    kind: 'aws_access_key_id',
    rule: 'vigil/aws-documented-example',
    severity: 'low',
  },
  {
    name: 'AWS documented example secret key in a credentials file',
    text: '[default]\naws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n',
    secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    kind: 'aws_secret_access_key',
    rule: 'vigil/aws-documented-example',
    severity: 'low',
  },
  {
    name: 'AWS access key id',
    text: `export AWS_ACCESS_KEY_ID=${awsId}`,
    secret: awsId,
    kind: 'aws_access_key_id',
    rule: `${PRESET}aws`,
    severity: 'high',
  },
  {
    name: 'AWS secret access key',
    text: `AWS_SECRET_ACCESS_KEY: "${awsSecret}"`,
    secret: awsSecret,
    kind: 'aws_secret_access_key',
    rule: `${PRESET}aws`,
    severity: 'critical',
  },
  // GitHub, GitLab (the rules check the shape only: a prefix and the length)
  {
    name: 'GitHub classic token',
    text: `git clone https://oauth2:${ghp}@github.com/acme/app.git`,
    secret: ghp,
    kind: 'github_token',
    rule: `${PRESET}github`,
  },
  {
    name: 'GitHub fine-grained token',
    text: `{"token": "${githubPat}"}`,
    secret: githubPat,
    kind: 'github_token',
  },
  {
    name: 'GitLab personal access token',
    text: `PRIVATE-TOKEN: ${glpat}`,
    secret: glpat,
    kind: 'gitlab_token',
    rule: `${PRESET}gitlab`,
  },
  // model providers
  {
    name: 'OpenAI project key',
    text: `OPENAI_API_KEY=${openai}`,
    secret: openai,
    kind: 'openai_api_key',
    rule: `${PRESET}openai`,
  },
  {
    name: 'Anthropic API key',
    text: `client = Anthropic(api_key="${anthropic}")`,
    secret: anthropic,
    kind: 'anthropic_api_key',
    rule: `${PRESET}anthropic`,
  },
  {
    name: 'Anthropic admin key',
    text: `x-api-key: ${anthropicAdmin}`,
    secret: anthropicAdmin,
    kind: 'anthropic_api_key',
    rule: 'vigil/anthropic',
    severity: 'critical',
  },
  {
    name: 'Claude Code OAuth token',
    text: `CLAUDE_CODE_OAUTH_TOKEN=${claudeOauth}`,
    secret: claudeOauth,
    kind: 'anthropic_oauth_token',
    rule: 'vigil/anthropic',
  },
  // private keys
  {
    name: 'RSA private key (PKCS#8 PEM)',
    text: `here is the key:\n${rsaPem}`,
    secret: rsaLines[5] ?? '',
    kind: 'private_key',
    rule: `${PRESET}privatekey`,
    severity: 'critical',
  },
  {
    name: 'RSA private key in a JSON string',
    text: JSON.stringify({ type: 'service_account', private_key: rsaPem }),
    secret: rsaLines[7] ?? '',
    kind: 'private_key',
  },
  {
    name: 'P-256 private key (SEC1 PEM), which the preset misses',
    text: ecSec1Pem,
    secret: pemBody(ecSec1Pem),
    kind: 'private_key',
    rule: 'vigil/private-key',
  },
  {
    name: 'Ed25519 private key (PKCS#8 PEM), which the preset misses',
    text: ed25519Pem,
    secret: pemBody(ed25519Pem),
    kind: 'private_key',
    rule: 'vigil/private-key',
  },
  // JWTs
  {
    name: "jwt.io's example token",
    text: `Authorization: Bearer ${JWT_IO}`,
    secret: JWT_IO,
    kind: 'jwt',
    rule: 'vigil/jwt',
    severity: 'low',
  },
  {
    name: 'a signed JWT',
    text: `curl -H "Authorization: Bearer ${jwt}" https://api.example.com/`,
    secret: jwt,
    kind: 'jwt',
    rule: 'vigil/jwt',
    severity: 'medium',
  },
  // Slack
  {
    name: 'Slack incoming webhook',
    text: `SLACK_WEBHOOK_URL=${slackWebhook}`,
    secret: slackWebhook.split('/').at(-1) ?? '',
    kind: 'slack_webhook',
    rule: `${PRESET}slack`,
    severity: 'medium',
  },
  { name: 'Slack bot token', text: `token: ${slackBot}`, secret: slackBot, kind: 'slack_token' },
  // database URLs
  {
    name: 'PostgreSQL URL with a password the preset takes for a placeholder',
    text: 'psql postgres://user:pass@host/db',
    secret: 'user:pass@',
    kind: 'database_url_password',
    rule: 'vigil/database-url',
    severity: 'medium',
  },
  {
    name: 'PostgreSQL URL with a password',
    text: `DATABASE_URL=postgresql://app:${dbPassword}@db.internal:5432/app?sslmode=require`,
    secret: dbPassword,
    kind: 'database_url_password',
    rule: `${PRESET}database-connection-string`,
    severity: 'high',
  },
  {
    name: 'MongoDB SRV URL with a password',
    text: `mongodb+srv://svc:${dbPassword}@cluster0.example.mongodb.net/app`,
    secret: dbPassword,
    kind: 'database_url_password',
  },
  {
    name: 'Redis URL with a password, which the preset does not know',
    text: `REDIS_URL=redis://:${dbPassword}@cache.internal:6379/0`,
    secret: dbPassword,
    kind: 'database_url_password',
    rule: 'vigil/database-url',
    severity: 'high',
  },
  {
    name: 'basic-auth URL',
    text: `curl https://deploy:${fake('basic', 20)}@ci.example.com/hook`,
    secret: fake('basic', 20),
    kind: 'basic_auth_url',
  },
  // payment data
  {
    name: 'test card number in groups',
    text: 'card: 4111 1111 1111 1111 exp 12/34',
    secret: '4111 1111 1111 1111',
    kind: 'credit_card',
    rule: 'vigil/credit-card',
    severity: 'low',
  },
  {
    name: 'test card number, one group',
    text: '{"number":"5555555555554444","cvc":"123"}',
    secret: '5555555555554444',
    kind: 'credit_card',
    severity: 'low',
  },
  {
    name: 'Amex test number in 4-6-5 groups',
    text: 'Amex 3782-822463-10005',
    secret: '3782-822463-10005',
    kind: 'credit_card',
  },
  {
    name: 'a Luhn-valid Visa number',
    text: `pay --card ${visa}`,
    secret: visa,
    kind: 'credit_card',
    severity: 'high',
  },
  {
    name: "Stripe's documented test key",
    text: "stripe.api_key = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc'",
    secret: 'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
    kind: 'stripe_secret_key',
    rule: 'vigil/stripe',
    severity: 'low',
  },
  {
    name: 'Stripe live key',
    text: `STRIPE_SECRET_KEY=${stripeLive}`,
    secret: stripeLive,
    kind: 'stripe_secret_key',
    severity: 'critical',
  },
  {
    name: 'npm token',
    text: `//registry.npmjs.org/:_authToken=${npmToken}`,
    secret: npmToken,
    kind: 'npm_token',
  },
];

describe('every kind is found', () => {
  for (const p of POSITIVES) {
    it(p.name, async () => {
      assert.ok(p.secret.length >= 8, 'the sample names its secret');
      const { findings, truncated } = await scanText(p.text);
      assert.equal(truncated, false);
      const hit = findings.find((f) => f.kind === p.kind && p.text.slice(f.start, f.end).includes(p.secret));
      assert.ok(hit, `no ${p.kind} over the secret in ${JSON.stringify(findings)}`);
      if (p.rule !== undefined) assert.equal(hit.rule, p.rule);
      if (p.severity !== undefined) assert.equal(hit.severity, p.severity);
      assert.ok(!JSON.stringify(findings).includes(p.secret), 'a finding carries the raw secret');
      assert.ok(!maskFindings(p.text, findings).includes(p.secret), 'the masked text shows the secret');
    });
  }
});

it('a secretlint-disable comment in the text hides nothing: the agent does not choose', async () => {
  const text = `// secretlint-disable\nconst t = '${ghp}';\n// secretlint-disable-next-line\nconst k = '${glpat}';\n`;
  const kinds = (await scanText(text)).findings.map((f) => f.kind);
  assert.deepEqual(kinds, ['github_token', 'gitlab_token']);
});

it('a secret access key is spanned exactly (secretlint 12.0.0 reports a shifted range)', async () => {
  const text = `  aws_secret_access_key = "${awsSecret}"\n`;
  const [f, ...rest] = (await scanText(text)).findings;
  assert.equal(rest.length, 0);
  assert.equal(text.slice(f?.start, f?.end), awsSecret);
  assert.equal(
    maskFindings(text, (await scanText(text)).findings),
    `  aws_secret_access_key = "${awsSecret.slice(0, 4)}…${awsSecret.slice(-4)}"\n`,
  );
});

it('all positives in one text: each found once, in order, none in the masked text', async () => {
  const text = POSITIVES.map((p) => p.text).join('\n\n');
  const { findings } = await scanText(text);
  const masked = maskFindings(text, findings);
  for (const p of POSITIVES) {
    assert.ok(!masked.includes(p.secret), `${p.name} shows in the masked text`);
    assert.ok(!JSON.stringify(findings).includes(p.secret), `${p.name} is in a finding`);
  }
  assert.deepEqual(
    findings.map((f) => f.start),
    [...findings.map((f) => f.start)].sort((a, b) => a - b),
  );
  const keys = findings.map((f) => `${f.rule} ${f.start} ${f.end}`);
  assert.equal(new Set(keys).size, keys.length, 'a duplicate finding');
});

describe('ordinary texts give no finding', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.txt'));
  it('the fixtures are there', () => {
    assert.ok(files.length >= 8, files.join(', '));
  });
  for (const file of files) {
    it(file, async () => {
      const text = readFileSync(join(FIXTURES, file), 'utf8');
      const { findings, truncated } = await scanText(text);
      assert.equal(truncated, false);
      assert.deepEqual(
        findings.map((f) => `${f.kind} ${f.rule} ${JSON.stringify(text.slice(f.start, f.end))}`),
        [],
      );
    });
  }
  it('an ordinary environment, as /proc/PID/environ has it', async () => {
    const lines = readFileSync(join(FIXTURES, 'environ.txt'), 'utf8').trim().split('\n');
    assert.ok(lines.some((l) => l.startsWith('LS_COLORS=')) && lines.some((l) => l.startsWith('PATH=')));
    const environ = Buffer.from(`${lines.join('\0')}\0`, 'utf8').toString('latin1');
    assert.deepEqual(await scanEnviron(environ), []);
  });
});
