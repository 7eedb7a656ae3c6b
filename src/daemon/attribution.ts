// A refusal the kernel made without naming a rule (Landlock's EACCES, a read-only mount's
// EROFS): the line states the kernel's verdict, BLOCK inline, and marks the profile rule vigil
// names as its inference. Nothing is done to the process, whatever the rule's action.
import type { Decision as RuleDecision } from '../policy/evaluate.js';
import type { Decision } from '../sinks/audit-line.js';

/** `what`: the call and who refused it, e.g. "open of /x refused by Landlock (EACCES)". */
export function attributedBlock(backend: string, what: string, rule: RuleDecision): Decision {
  const notKilled =
    rule.action === 'KILL'
      ? "; the rule's action is kill, but the process was not killed: the kernel refused the call"
      : '';
  return {
    action: 'BLOCK',
    enforcement: 'inline',
    rule: rule.rule,
    reason: `${what}; attributed by vigil to ${rule.rule}: ${rule.reason}${notKilled}`,
    backend,
    attribution: 'inferred',
  };
}
