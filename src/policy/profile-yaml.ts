// Writes a vigil profile document as YAML text with comments: a header, a comment after each
// setting, comments before each rule. The document is plain data (a ProfileDraft); quoting is done
// here, once, so any pattern, spec or description comes out as the same string when read back.
import type { RuleListName } from './profile-types.js';

/** A rule list entry: a plain value, or a mapping of scalars and scalar lists. */
type DraftValue = string | Readonly<Record<string, string | readonly string[]>>;

export interface DraftEntry {
  /** comment lines written before the entry */
  readonly comments: readonly string[];
  readonly value: DraftValue;
}

/** A top-level setting: a scalar or a mapping of scalars, with a comment after it. */
export interface DraftSetting {
  readonly key: string;
  readonly value: string | Readonly<Record<string, string>>;
  readonly comment?: string;
  /** for a mapping: a comment after each of its keys */
  readonly keyComments?: Readonly<Record<string, string>>;
}

export interface ProfileDraft {
  readonly header: readonly string[];
  readonly settings: readonly DraftSetting[];
  readonly lists: readonly { readonly key: RuleListName; readonly entries: readonly DraftEntry[] }[];
}

const YAML_WORDS = /^(?:true|false|yes|no|on|off|y|n|null|~)$/i;

/** A YAML scalar: plain when it reads back as the same string, else double-quoted (JSON's escapes are YAML's). */
function yamlScalar(text: string): string {
  const plain =
    /^[A-Za-z0-9/_.][A-Za-z0-9/_.*?@%+=-]*$/.test(text) &&
    !YAML_WORDS.test(text) &&
    !/^[-+.]?[0-9]/.test(text) &&
    !/^\.(?:inf|nan)$/i.test(text);
  return plain ? text : JSON.stringify(text);
}

/** One comment line: no line breaks or control characters. */
function commentText(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').trim();
}

function comment(text: string | undefined): string {
  return text === undefined || text === '' ? '' : ` # ${commentText(text)}`;
}

export function writeProfileYaml(draft: ProfileDraft): string {
  const out: string[] = draft.header.map((h) => (h === '' ? '#' : `# ${commentText(h)}`));
  for (const s of draft.settings) {
    if (typeof s.value === 'string') {
      out.push(`${s.key}: ${yamlScalar(s.value)}${comment(s.comment)}`);
      continue;
    }
    out.push(`${s.key}:${comment(s.comment)}`);
    for (const [k, v] of Object.entries(s.value)) {
      out.push(`  ${k}: ${yamlScalar(v)}${comment(s.keyComments?.[k])}`);
    }
  }
  for (const list of draft.lists) {
    if (list.entries.length === 0) continue;
    out.push('', `${list.key}:`);
    for (const e of list.entries) {
      for (const c of e.comments) out.push(`  # ${commentText(c)}`);
      if (typeof e.value === 'string') {
        out.push(`  - ${yamlScalar(e.value)}`);
        continue;
      }
      Object.entries(e.value).forEach(([k, v], n) => {
        const text = typeof v === 'string' ? yamlScalar(v) : `[${v.map(yamlScalar).join(', ')}]`;
        out.push(`  ${n === 0 ? '- ' : '  '}${k}: ${text}`);
      });
    }
  }
  return out.join('\n') + '\n';
}
