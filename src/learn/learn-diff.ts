// The learned profile against its base, for people: the defaults that changed, each rule added
// with what it was learned from, and what the base refused (which the learned profile still
// refuses). Printed by `vigil learn` and `vigil profile learn`, shown by the UI.
import type { Profile } from '../policy/profile-types.js';
import { ruleComment } from './learned-yaml.js';
import type { Learning } from './learn.js';

const KINDS = ['paths', 'networks', 'commands', 'unlinks', 'renames'] as const;

export function learnDiff(learning: Learning, base: Profile): string {
  const out: string[] = [
    `learned from ${learning.sessions.join(', ') || 'no session'} against '${base.name}': ` +
      `${learning.calls} calls, ${learning.coveredByBase} allowed by its rules, ${learning.rules.length} rules added`,
  ];
  const changed = KINDS.filter((k) => base.defaults[k] !== 'deny').map(
    (k) => `${k} ${base.defaults[k]} -> deny`,
  );
  if (changed.length > 0) out.push(`~ default_policy: ${changed.join(', ')}`);
  for (const r of learning.rules) {
    const access = r.access === null ? '' : ` [${r.access.join(', ')}]`;
    out.push(`+ ${r.list}: ${r.pattern}${access}`, `    ${ruleComment(r)}`);
  }
  if (learning.refused.length > 0) {
    out.push('', 'refused by the base, not learned (the learned profile refuses them too):');
    for (const r of learning.refused) {
      const times = r.count === 1 ? '' : ` (${r.count} times)`;
      out.push(`! ${r.event} ${r.target}: ${r.verdict} by ${r.rule} '${r.written}'${times}`);
    }
  }
  if (learning.unlearnable.length > 0) {
    out.push('', 'not learned:');
    for (const u of learning.unlearnable) out.push(`? ${u.event} ${u.target}: ${u.why}`);
  }
  return out.join('\n');
}
