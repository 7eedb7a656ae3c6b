// One list out of what both rule sets matched in a text: the preset's URL matches whose password
// is a placeholder dropped; vigil's rules that only add what a preset rule leaves out dropped
// where a preset rule matched the same secret; duplicates from overlapping windows dropped; the
// providers' documented example values lowered to `low`; in text order.
import { isDocumentedExample } from './documented-examples.js';
import { hasPlaceholderPassword } from './extra-rules.js';
import type { SecretMatch } from './secret-finding.js';

const URL_KINDS = new Set(['database_url_password', 'basic_auth_url']);
/** vigil's rules that supplement a preset rule, and the kind both report (extra-rules.ts) */
const SUPPLEMENTS: ReadonlyMap<string, string> = new Map([
  ['vigil/database-url', 'database_url_password'],
  ['vigil/private-key', 'private_key'],
]);

export function overlaps(a: SecretMatch, b: SecretMatch): boolean {
  return a.start < b.end && b.start < a.end;
}

export function settleMatches(text: string, matches: readonly SecretMatch[]): SecretMatch[] {
  const kept = matches.filter(
    (m) => !(URL_KINDS.has(m.kind) && hasPlaceholderPassword(text.slice(m.start, m.end))),
  );
  const fromPreset = kept.filter((m) => !m.rule.startsWith('vigil/'));
  const seen = new Set<string>();
  const out: SecretMatch[] = [];
  for (const m of kept) {
    const supplements = SUPPLEMENTS.get(m.rule);
    if (supplements !== undefined && fromPreset.some((p) => p.kind === supplements && overlaps(p, m)))
      continue;
    const key = `${m.rule}\0${m.kind}\0${m.start}\0${m.end}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(isDocumentedExample(text.slice(m.start, m.end)) ? { ...m, severity: 'low' } : m);
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}
