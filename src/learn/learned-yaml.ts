// The learned profile as YAML. Over a built-in base it is a short profile that `extends` it; over
// a profile file it is that file (comments kept) with the learned rules appended. Either way every
// default is deny and every learned rule carries a comment saying what it was learned from.
import { isSeq, parseDocument, type Document } from 'yaml';

import { writeProfileYaml, type DraftEntry } from '../policy/profile-yaml.js';
import { DENY_ALL, type LearnedRule, type Learning } from './learn.js';

/** Where the base profile comes from. */
export type BaseRef = { readonly builtin: string } | { readonly file: string; readonly text: string };

const LISTS = ['allowed_paths', 'allowed_commands', 'allowed_networks', 'allowed_hosts'] as const;

export function ruleComment(r: LearnedRule): string {
  const what = r.list === 'allowed_commands' ? 'exec' : r.list === 'allowed_paths' ? 'call' : 'connection';
  const calls = `${r.count} ${what}${r.count === 1 ? '' : 's'}`;
  const spread = r.paths > 1 ? ` on ${r.paths} ${r.list === 'allowed_paths' ? 'paths' : 'targets'}` : '';
  return `learned: ${calls}${spread}, e.g. ${r.example}`;
}

function ruleValue(r: LearnedRule): DraftEntry['value'] {
  if (r.access === null) return r.pattern;
  const [one, ...more] = r.access;
  return { pattern: r.pattern, access: one !== undefined && more.length === 0 ? one : r.access };
}

function header(learning: Learning, base: BaseRef): string[] {
  const baseName = 'builtin' in base ? `the built-in profile '${base.builtin}'` : base.file;
  return [
    `Learned by vigil from ${learning.sessions.join(', ') || 'no session'}: ${learning.calls} calls, ` +
      `${learning.coveredByBase} allowed by the base's rules, ${learning.rules.length} rules added.`,
    `Base: ${baseName}. Its denied rules are checked first and still refuse what they name;`,
    'every default is deny, so what the session did not do is refused. Review before use.',
  ];
}

/** The learned profile over a built-in base: `extends` it. */
function overBuiltin(learning: Learning, builtin: string, name: string): string {
  return writeProfileYaml({
    header: header(learning, { builtin }),
    settings: [
      { key: 'name', value: name },
      { key: 'description', value: `Learned from ${learning.sessions.join(', ')} over ${builtin}` },
      { key: 'extends', value: builtin },
      { key: 'mode', value: 'enforce' },
      { key: 'default_policy', value: DENY_ALL, comment: 'only what was seen, and what the base allows' },
    ],
    lists: LISTS.map((key) => ({
      key,
      entries: learning.rules
        .filter((r) => r.list === key)
        .map((r) => ({ comments: [ruleComment(r)], value: ruleValue(r) })),
    })),
  });
}

/** The learned profile over a profile file: the file, its comments kept, with the rules appended. */
function overFile(learning: Learning, file: string, text: string, name: string): string {
  const doc: Document = parseDocument(text);
  doc.commentBefore = [...header(learning, { file, text }).map((h) => ` ${h}`), doc.commentBefore ?? '']
    .filter((c) => c !== '')
    .join('\n');
  doc.set('name', name);
  doc.set('mode', 'enforce');
  doc.set('default_policy', doc.createNode(DENY_ALL));
  for (const key of LISTS) {
    const rules = learning.rules.filter((r) => r.list === key);
    if (rules.length === 0) continue;
    let seq = doc.get(key);
    if (!isSeq(seq)) {
      seq = doc.createNode([]);
      doc.set(key, seq);
    }
    for (const r of rules) {
      const node = doc.createNode(ruleValue(r));
      node.commentBefore = ` ${ruleComment(r)}`;
      (seq as { items: unknown[] }).items.push(node);
    }
  }
  return doc.toString({ lineWidth: 0 });
}

export function learnedYaml(learning: Learning, base: BaseRef, name: string): string {
  return 'builtin' in base
    ? overBuiltin(learning, base.builtin, name)
    : overFile(learning, base.file, base.text, name);
}
