// Credential-leak scanning of what an agent's session handles: a file's content, a transcript
// message, an exec's argv, a process's environment. Two rule sets run on every text: secretlint's
// recommended preset (secretlint-engine.ts) and vigil's rules for the kinds the preset lacks
// (extra-rules.ts, credit-card.ts); environment variables named like secrets are checked by name
// and entropy on top (secret-env-name.ts). Every finding leaves here masked.
//
// Work is bounded: a text is scanned up to `maxBytes`, in windows a few KB to 256 KB long with the
// event loop free between them, and at most MAX_FINDINGS findings are kept. The windows bound more
// than latency: secretlint's core removes duplicate messages by comparing each with all after it,
// so one call over 256 KB of packed tokens takes seconds. Small windows where findings are dense,
// large ones where there are none, keep every call short.
import { setImmediate as nextTurn } from 'node:timers/promises';

import { InternalError } from '../../errors.js';
import { extraMatches } from './extra-rules.js';
import { maskSecret } from './mask-secret.js';
import type { SecretFinding, SecretMatch } from './secret-finding.js';
import { secretEnvMatch } from './secret-env-name.js';
import { secretlintMatches } from './secretlint-engine.js';
import { overlaps, settleMatches } from './settle-matches.js';

// The daemon takes the masker of whole texts from here, with the scanners.
export { maskFindings } from './mask-secret.js';

/** The most UTF-8 bytes of one text scanned unless the caller says otherwise. */
const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;
/** The most findings kept for one text: past it the scan stops and says it was cut. */
const MAX_FINDINGS = 1000;
/**
 * How far a window reaches past the part it answers for: longer than any match a rule makes, so a
 * secret that starts in one window's part is whole in that window. The longest are secretlint's
 * private keys (up to 10,000 base64 characters between the PEM markers).
 */
const OVERLAP = 12 * 1024;
/** The first window's part, and the part again after a window dense with findings. */
const FIRST_STRIDE = 4 * 1024;
const MAX_STRIDE = 256 * 1024;
/** More matches than this in one window: the next part is FIRST_STRIDE long again. */
const DENSE = 64;
/** At most this many matches in one window: the next part is twice as long. */
const SPARSE = 16;

interface MatchScan {
  matches: SecretMatch[];
  /** not every byte was scanned by every rule */
  truncated: boolean;
}

/** The longest prefix of `text` that is at most `maxBytes` long in UTF-8, cut between characters. */
function prefixWithin(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text; // a UTF-16 unit is at most 3 bytes of UTF-8
  const { read } = new TextEncoder().encodeInto(text, new Uint8Array(maxBytes));
  return text.slice(0, read);
}

/** Where the part that starts at `from` ends: at a line's start if one is near, never in a pair. */
function partEnd(text: string, from: number, stride: number): number {
  const nominal = from + stride;
  if (nominal >= text.length) return text.length;
  const half = from + stride / 2;
  const newline = text.slice(half, nominal).lastIndexOf('\n');
  if (newline >= 0) return half + newline + 1;
  const c = text.charCodeAt(nominal);
  return c >= 0xdc00 && c <= 0xdfff ? nominal - 1 : nominal;
}

/** Every rule's matches in `text`, window by window. Never rejects. */
async function scanMatches(text: string, maxBytes: number): Promise<MatchScan> {
  const scanned = prefixWithin(text, maxBytes);
  let truncated = scanned.length < text.length;
  const matches: SecretMatch[] = [];
  let stride = FIRST_STRIDE;
  for (let from = 0; from < scanned.length;) {
    const to = partEnd(scanned, from, stride);
    const window = scanned.slice(from, Math.min(scanned.length, to + OVERLAP));
    let found = extraMatches(window);
    try {
      found = found.concat(await secretlintMatches(window));
    } catch {
      // a preset rule threw on this text: what the other rules found still counts
      truncated = true;
    }
    // a window answers for matches that start in its part; the next window has the rest whole
    for (const m of found)
      if (m.start < to - from) matches.push({ ...m, start: m.start + from, end: m.end + from });
    if (matches.length >= MAX_FINDINGS) {
      truncated = true;
      break;
    }
    if (found.length > DENSE) stride = FIRST_STRIDE;
    else if (found.length <= SPARSE) stride = Math.min(MAX_STRIDE, stride * 2);
    from = to;
    if (from < scanned.length) await nextTurn();
  }
  return { matches: settleMatches(scanned, matches).slice(0, MAX_FINDINGS), truncated };
}

function finding(text: string, m: SecretMatch): SecretFinding {
  return {
    kind: m.kind,
    rule: m.rule,
    severity: m.severity,
    masked: maskSecret(text.slice(m.start, m.end)),
    start: m.start,
    end: m.end,
  };
}

/**
 * Scans one text (a file's content, a transcript message). Never throws on odd input (binary,
 * broken surrogates, megabytes on one line). At most `maxBytes` (UTF-8; default 4 MiB) are scanned
 * and at most 1000 findings kept; `truncated` says when either cut the scan short (or, should a
 * preset rule ever throw, that its rules did not see the whole text). Offsets are UTF-16 indices
 * into `text`.
 */
export async function scanText(
  text: string,
  options?: { maxBytes?: number },
): Promise<{ findings: SecretFinding[]; truncated: boolean }> {
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0)
    throw new InternalError(`scanText: maxBytes must be a whole number of bytes, not ${maxBytes}`);
  const { matches, truncated } = await scanMatches(text, maxBytes);
  return { findings: matches.map((m) => finding(text, m)), truncated };
}

/** `NAME=value` as `env`, `docker run -e` or a shell prefix passes it: [name, value] or null. */
function assignment(entry: string): [string, string] | null {
  const eq = entry.indexOf('=');
  const name = entry.slice(0, eq);
  return eq > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? [name, entry.slice(eq + 1)] : null;
}

/**
 * Scans an exec's argv. The elements are scanned as `argv.join(' ')`, the text offsets refer to,
 * so a secret split over elements by the shell's word splitting (a PEM key passed unquoted, a card
 * number typed in groups) is found whole. An element of the form `NAME=value` (`env`,
 * `docker run -e`) is also checked as an environment variable would be (generic_secret_env).
 */
export async function scanArgv(argv: readonly string[]): Promise<SecretFinding[]> {
  const text = argv.join(' ');
  const { matches } = await scanMatches(text, DEFAULT_MAX_BYTES);
  let at = 0;
  const generic: SecretMatch[] = [];
  for (const element of argv) {
    const pair = assignment(element);
    const m = pair && secretEnvMatch(pair[0], pair[1], at + pair[0].length + 1);
    if (m && !matches.some((s) => overlaps(s, m))) generic.push(m);
    at += element.length + 1;
  }
  return settleMatches(text, matches.concat(generic)).map((m) => finding(text, m));
}

interface EnvEntry {
  name: string;
  start: number;
  valueStart: number;
  end: number;
}

function envEntries(environ: string): EnvEntry[] {
  const entries: EnvEntry[] = [];
  let start = 0;
  for (const entry of environ.split('\0')) {
    const end = start + entry.length;
    const eq = entry.indexOf('=');
    const name = eq < 0 ? entry : entry.slice(0, eq);
    if (entry !== '') entries.push({ name, start, valueStart: eq < 0 ? end : start + eq + 1, end });
    start = end + 1;
  }
  return entries;
}

/** The entry that holds offset `at` (entries are in text order). */
function entryAt(entries: readonly EnvEntry[], at: number): EnvEntry | undefined {
  let lo = 0;
  let hi = entries.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((entries[mid]?.start ?? 0) <= at) lo = mid;
    else hi = mid - 1;
  }
  return entries[lo];
}

/**
 * Scans an environment, as read from /proc/PID/environ (`NAME=value` entries separated by NULs) or
 * as a record. Each finding names its variable; offsets refer to the environ string, or for a
 * record to its entries joined the same way (`NAME=value\0…`, in the record's order). A finding
 * never reaches past its variable. A variable named like a secret (`*_TOKEN`, `*_SECRET`,
 * `*_PASSWORD`, `*_KEY`, ...) whose value looks random and matched no rule is reported as
 * generic_secret_env; PATH, HOME, LS_COLORS and their like never are.
 */
export async function scanEnviron(
  environ: string | Record<string, string>,
): Promise<Array<SecretFinding & { variable: string }>> {
  const text =
    typeof environ === 'string'
      ? environ
      : Object.entries(environ)
          .map(([name, value]) => `${name}=${value}`)
          .join('\0');
  const entries = envEntries(text);
  // NULs become line breaks for the rules (same offsets): a URL or a token ends at its variable's end
  const { matches } = await scanMatches(text.replaceAll('\0', '\n'), DEFAULT_MAX_BYTES);
  const found: Array<SecretMatch & { variable: string }> = [];
  for (const m of matches) {
    const entry = entryAt(entries, m.start);
    if (entry === undefined) continue;
    found.push({ ...m, end: Math.min(m.end, entry.end), variable: entry.name });
  }
  for (const entry of entries) {
    const m = secretEnvMatch(entry.name, text.slice(entry.valueStart, entry.end), entry.valueStart);
    if (m && !found.some((s) => overlaps(s, m))) found.push({ ...m, variable: entry.name });
  }
  return found
    .sort((a, b) => a.start - b.start || a.end - b.end)
    .map((m) => ({ ...finding(text, m), variable: m.variable }));
}
