// A rule's verdict folded into the matcher's slots (struct vigil_policy_slot, vigil_policy_agg):
// strongest denied action, then lowest index; lowest allowed index (docs/matching.md). Shared by
// the path, command and network compilers and the denied-inode table.
import { POLICY_RULE_NONE } from '../wire/wire-layout.js';
import { OP_BITS, type CommandRule, type PathRule, type RuleAction } from './profile-types.js';

type SlotName = 'read' | 'write' | 'rdwr' | 'exec' | 'unlink' | 'rename';

/** The combined verdict of the rules of one side that matched (see struct vigil_policy_slot). */
export interface SlotVerdict {
  denyAction: number;
  denyRule: number;
  allowRule: number;
}
export type AggVerdict = Record<SlotName, SlotVerdict>;

/** What one rule adds to the slots it covers. */
export interface Contribution {
  readonly slots: readonly SlotName[];
  readonly deny: boolean;
  readonly action: number; // enum vigil_policy_action, for denied rules
  readonly rule: number;
}

export const ACTION: Record<RuleAction, number> = { audit: 1, block: 2, kill: 3 };
export function emptySlot(): SlotVerdict {
  return { denyAction: 0, denyRule: POLICY_RULE_NONE, allowRule: POLICY_RULE_NONE };
}

function emptyAgg(): AggVerdict {
  return {
    read: emptySlot(),
    write: emptySlot(),
    rdwr: emptySlot(),
    exec: emptySlot(),
    unlink: emptySlot(),
    rename: emptySlot(),
  };
}

/** Strongest denied action, then lowest index; lowest allowed index (docs/matching.md). */
export function mergeSlot(into: SlotVerdict, from: SlotVerdict): void {
  if (
    from.denyAction > into.denyAction ||
    (from.denyAction === into.denyAction && from.denyAction > 0 && from.denyRule < into.denyRule)
  ) {
    into.denyAction = from.denyAction;
    into.denyRule = from.denyRule;
  }
  if (from.allowRule < into.allowRule) into.allowRule = from.allowRule;
}

function apply(agg: AggVerdict, c: Contribution): void {
  const one: SlotVerdict = c.deny
    ? { denyAction: c.action, denyRule: c.rule, allowRule: POLICY_RULE_NONE }
    : { denyAction: 0, denyRule: POLICY_RULE_NONE, allowRule: c.rule };
  for (const s of c.slots) mergeSlot(agg[s], one);
}

export function aggOf(contribs: Iterable<Contribution>): AggVerdict {
  const agg = emptyAgg();
  for (const c of contribs) apply(agg, c);
  return agg;
}

export function encodeSlot(s: SlotVerdict): { deny_action: number; deny_rule: number; allow_rule: number } {
  return { deny_action: s.denyAction, deny_rule: s.denyRule, allow_rule: s.allowRule };
}

export function encodeAgg(a: AggVerdict): Record<SlotName, ReturnType<typeof encodeSlot>> {
  return {
    read: encodeSlot(a.read),
    write: encodeSlot(a.write),
    rdwr: encodeSlot(a.rdwr),
    exec: encodeSlot(a.exec),
    unlink: encodeSlot(a.unlink),
    rename: encodeSlot(a.rename),
  };
}

/**
 * Slots a path rule covers: an open's, denied when the rule names any right asked and allowed when
 * it grants all; unlink and rename when the rule names them.
 */
export function pathContribution(r: PathRule, deny: boolean): Contribution {
  const bits = r.ops;
  const slots: SlotName[] = [];
  if (bits & OP_BITS.read) slots.push('read');
  if (bits & OP_BITS.write) slots.push('write');
  if (deny ? (bits & 3) !== 0 : (bits & 3) === 3) slots.push('rdwr');
  if (bits & OP_BITS.unlink) slots.push('unlink');
  if (bits & OP_BITS.rename) slots.push('rename');
  return { slots, deny, action: deny ? ACTION[r.action as RuleAction] : 0, rule: r.index };
}

export function commandContribution(r: CommandRule, deny: boolean): Contribution {
  return { slots: ['exec'], deny, action: deny ? ACTION[r.action as RuleAction] : 0, rule: r.index };
}
