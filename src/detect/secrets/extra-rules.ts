// vigil's own rules, each for a kind the secretlint preset (12.0.0) does not cover and vigil must
// report. Each is the smallest rule that is specific enough, with where its format comes from.
// Card numbers have their own file (credit-card.ts).
import { findCreditCards } from './credit-card.js';
import { AWS_EXAMPLE_ACCESS_KEY_ID, AWS_EXAMPLE_SECRET_ACCESS_KEY } from './documented-examples.js';
import type { SecretMatch, SecretSeverity } from './secret-finding.js';

/**
 * JSON Web Tokens (RFC 7519): three base64url parts, the header a JSON object with an `alg`, the
 * payload a JSON object, the signature at least 16 characters (HS256's is 43; an unsigned
 * `alg: none` token, with an empty signature, authenticates nothing and is left out). Bearer tokens
 * for many APIs and sessions; usually short-lived, hence `medium`.
 */
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{16,}(?![A-Za-z0-9_-])/g;

function jsonObject(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function findJwts(text: string): SecretMatch[] {
  const out: SecretMatch[] = [];
  for (const m of text.matchAll(JWT)) {
    const [header = '', payload = ''] = m[0].split('.');
    if (typeof jsonObject(header)?.['alg'] !== 'string' || jsonObject(payload) === null) continue;
    out.push({
      kind: 'jwt',
      rule: 'vigil/jwt',
      severity: 'medium',
      start: m.index,
      end: m.index + m[0].length,
    });
  }
  return out;
}

/**
 * Stripe secret and restricted keys (`sk_`/`rk_` + `live`/`test`, Stripe's "API keys" docs), with
 * gitleaks' stripe-access-token bounds. Publishable keys (`pk_`) are meant to be public: left out.
 * A live key moves money: `critical`; a test-mode key reaches test data only: `medium`.
 */
const STRIPE = /(?<![A-Za-z0-9_])[rs]k_(test|live|prod)_[A-Za-z0-9]{10,99}(?![A-Za-z0-9_])/g;

function findStripeKeys(text: string): SecretMatch[] {
  return Array.from(text.matchAll(STRIPE), (m) => ({
    kind: 'stripe_secret_key',
    rule: 'vigil/stripe',
    severity: m[1] === 'test' ? 'medium' : 'critical',
    start: m.index,
    end: m.index + m[0].length,
  }));
}

/**
 * Anthropic credentials the preset's anthropic rule (`sk-ant-api0N-…`) does not match: Admin API
 * keys (`sk-ant-admin01-`, gitleaks' anthropic-admin-api-key), which manage an organisation's keys
 * and members, and the OAuth access and refresh tokens Claude Code keeps and `claude setup-token`
 * prints (`sk-ant-oat01-`, `sk-ant-ort01-`; CLAUDE_CODE_OAUTH_TOKEN), which an agent's own
 * environment holds. The prefixes are specific; the bodies' lengths are not published, so any
 * 32–256 characters of base64url count.
 */
const ANTHROPIC = /(?<![A-Za-z0-9_-])sk-ant-(admin01|oat01|ort01)-[A-Za-z0-9_-]{32,256}(?![A-Za-z0-9_-])/g;

function findAnthropicTokens(text: string): SecretMatch[] {
  return Array.from(text.matchAll(ANTHROPIC), (m) => {
    const admin = m[1] === 'admin01';
    return {
      kind: admin ? 'anthropic_api_key' : 'anthropic_oauth_token',
      rule: 'vigil/anthropic',
      severity: admin ? 'critical' : 'high',
      start: m.index,
      end: m.index + m[0].length,
    };
  });
}

/**
 * Connection URLs with a literal password. The preset's database-connection-string rule covers
 * PostgreSQL, MySQL and MongoDB but skips passwords it takes for placeholders (`pass`, `secret`,
 * `root`, `admin`, `password`, shorter than 4 characters): in a repository those are documentation,
 * but in a running command they are the password being used, so vigil reports them at `medium`.
 * Redis and AMQP URLs, which the preset does not know, are reported at `high`. A password that is a
 * variable reference (`${PASSWORD}`, `$PASSWORD`, `{{password}}`, `%PASSWORD%`, `<password>`) or a
 * mask (`****`, `xxx`) is not a password.
 */
const DATABASE_URL =
  /(?<![A-Za-z0-9+.-])(postgres(?:ql)?|mysqlx?|mongodb(?:\+srv)?|rediss?|amqps?):\/\/([^:/\s@]{0,100}):([^@/\s]{1,200})@[^/\s?#@]{1,253}/gi;
const PRESET_SCHEMES = new Set(['postgres', 'postgresql', 'mysql', 'mysqlx', 'mongodb', 'mongodb+srv']);
const NOT_A_PASSWORD =
  /\$\{[^}]*\}|\{\{[^}]*\}\}|\{[^}]*\}|%[A-Za-z_]\w*%|\$[A-Za-z_(]|<[^>]*>|^(?:\*+|x+|\.+)$/i;

/** The password of a `scheme://user:password@host` URL, or null. */
const URL_PASSWORD = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^:/\s@]*:([^@/\s]*)@/;

/**
 * Whether a matched URL's password is a placeholder. Also applied to the preset's database and
 * basic-auth matches: its rules let `<password>` through, which cannot even be a URL's password
 * (RFC 3986 has no unescaped `<` or `>`) and is what documentation writes.
 */
export function hasPlaceholderPassword(url: string): boolean {
  const password = URL_PASSWORD.exec(url)?.[1];
  return password !== undefined && (password === '' || NOT_A_PASSWORD.test(password));
}

function findDatabaseUrls(text: string): SecretMatch[] {
  const out: SecretMatch[] = [];
  for (const m of text.matchAll(DATABASE_URL)) {
    const [url, scheme = '', , password = ''] = m;
    if (NOT_A_PASSWORD.test(password)) continue;
    const severity: SecretSeverity = PRESET_SCHEMES.has(scheme.toLowerCase()) ? 'medium' : 'high';
    out.push({
      kind: 'database_url_password',
      rule: 'vigil/database-url',
      severity,
      start: m.index,
      end: m.index + url.length,
    });
  }
  return out;
}

/**
 * PEM private keys the preset's privatekey rule misses. That rule wants at least 100 base64
 * characters starting `MI` (a DER length of 128 bytes or more), which leaves out every key whose
 * DER is shorter: Ed25519, X25519 and Ed448 keys in PKCS#8 (`MC4C…`, `MEcC…`; RFC 8410) and P-256
 * keys in SEC1 (`-----BEGIN EC PRIVATE KEY-----`, `MHcC…`; RFC 5915), what `openssl genpkey` and
 * `openssl ecparam -genkey` write. Here a block counts when its body decodes to a DER SEQUENCE or
 * an OpenSSH key; where both rules match, the preset's finding is kept.
 */
const PEM_PRIVATE_KEY =
  /-----BEGIN ((?:RSA |DSA |EC |OPENSSH )?PRIVATE KEY)-----([A-Za-z0-9+/=\s\\]{40,10000})-----END \1-----/g;
const OPENSSH_MAGIC = 'openssh-key-v1\0';

function findPrivateKeys(text: string): SecretMatch[] {
  const out: SecretMatch[] = [];
  for (const m of text.matchAll(PEM_PRIVATE_KEY)) {
    // a key pasted inside a JSON string has its line breaks as `\n`
    const body = (m[2] ?? '').replace(/\s|\\n|\\r/g, '');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) continue;
    const der = Buffer.from(body, 'base64');
    if (der[0] !== 0x30 && !der.subarray(0, OPENSSH_MAGIC.length).equals(Buffer.from(OPENSSH_MAGIC)))
      continue;
    out.push({
      kind: 'private_key',
      rule: 'vigil/private-key',
      severity: 'critical',
      start: m.index,
      end: m.index + m[0].length,
    });
  }
  return out;
}

/** AWS's documented example key pair, which the preset's aws rule skips on purpose (see
 * documented-examples.ts for why vigil does not). */
const AWS_EXAMPLES: readonly (readonly [RegExp, string])[] = [
  [
    new RegExp(String.raw`(?<![A-Za-z0-9])${AWS_EXAMPLE_ACCESS_KEY_ID}(?![A-Za-z0-9])`, 'g'),
    'aws_access_key_id',
  ],
  [
    new RegExp(String.raw`(?<![A-Za-z0-9/+])${AWS_EXAMPLE_SECRET_ACCESS_KEY}(?![A-Za-z0-9/+=])`, 'g'),
    'aws_secret_access_key',
  ],
];

function findAwsExamples(text: string): SecretMatch[] {
  return AWS_EXAMPLES.flatMap(([pattern, kind]) =>
    Array.from(text.matchAll(pattern), (m) => ({
      kind,
      rule: 'vigil/aws-documented-example',
      severity: 'low' as const,
      start: m.index,
      end: m.index + m[0].length,
    })),
  );
}

/** Every extra rule's matches in `text`, offsets into `text`. */
export function extraMatches(text: string): SecretMatch[] {
  return [
    ...findJwts(text),
    ...findStripeKeys(text),
    ...findAnthropicTokens(text),
    ...findDatabaseUrls(text),
    ...findPrivateKeys(text),
    ...findAwsExamples(text),
    ...findCreditCards(text),
  ];
}
