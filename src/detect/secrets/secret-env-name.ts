// A secret known only by where it is kept: an environment variable named like a secret
// (`*_TOKEN`, `*_SECRET`, `*_PASSWORD`, `*_KEY`, ...) holding a value that looks random. secretlint
// has no such rule (its no-dotenv rule flags .env files by name only), so this is vigil's, in the
// way gitleaks' generic-api-key rule works: a keyword in the name, then an entropy floor on the
// value. Reported as `generic_secret_env` at `medium`, and only where no specific rule matched.
import type { SecretMatch } from './secret-finding.js';

/** the name's last word (or any word, for `secret`) */
const SECRET_WORDS = new Set([
  'token',
  'secret',
  'password',
  'passwd',
  'passphrase',
  'key',
  'apikey',
  'credential',
  'credentials',
]);
/** `*_PUBLIC_KEY` is public; `GPG_KEY` (set in Python's official images) is the fingerprint of a
 * release-signing key, a public key's id */
const PUBLIC_BEFORE_KEY = new Set(['public', 'pub', 'gpg', 'pgp']);

/** The words of a variable name: split at `_`, `-`, `.` and camelCase humps, lower-cased. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/** `GITHUB_TOKEN`, `DB_PASSWORD`, `OPENAI_API_KEY`, `SECRET_KEY_BASE`, `npm_config__authToken`. */
export function isSecretName(name: string): boolean {
  const w = words(name);
  const last = w.at(-1);
  if (last === undefined) return false;
  if (w.includes('secret')) return true;
  if (!SECRET_WORDS.has(last)) return false;
  return !(last === 'key' && PUBLIC_BEFORE_KEY.has(w.at(-2) ?? ''));
}

/** Shannon entropy in bits per character. */
function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
  const n = value.length;
  let bits = 0;
  for (const count of counts.values()) bits -= (count / n) * Math.log2(count / n);
  return bits;
}

const MIN_LENGTH = 12;
const MAX_LENGTH = 8192;
/** Random hex reaches ~3.7 bits per character at 32 characters, base64 ~4.5; prose and slugs with
 * their repeated letters stay nearer 3. */
const MIN_BITS_PER_CHAR = 3.2;

/**
 * A value that looks like a generated secret: 12–8192 characters without spaces; not a path, a URL
 * (a URL's credentials are other rules' business), a variable reference (`${NPM_TOKEN}`) nor a
 * lower-case slug (`node-modules-v2`); two or
 * more of lower case, upper case, digits and symbols; and an entropy of at least 3.2 bits per
 * character.
 */
export function looksRandom(value: string): boolean {
  if (value.length < MIN_LENGTH || value.length > MAX_LENGTH || /\s/.test(value)) return false;
  if (/^(?:[/~.]|[A-Za-z][A-Za-z0-9+.-]*:\/\/)/.test(value)) return false;
  if (/^(?:\$\{?\w+\}?|%\w+%|\{\{[^}]*\}\})$/.test(value)) return false;
  if (/^[a-z]+(?:[-_.][a-z0-9]+)*$/.test(value)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((c) => c.test(value)).length;
  return classes >= 2 && entropy(value) >= MIN_BITS_PER_CHAR;
}

/**
 * The generic finding for one `NAME=value` entry, whose value starts at `valueStart` in the
 * scanned text; null when the name or the value does not qualify.
 */
export function secretEnvMatch(name: string, value: string, valueStart: number): SecretMatch | null {
  if (!isSecretName(name) || !looksRandom(value)) return null;
  return {
    kind: 'generic_secret_env',
    rule: 'vigil/secret-env-name',
    severity: 'medium',
    start: valueStart,
    end: valueStart + value.length,
  };
}
