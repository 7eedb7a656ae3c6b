// Audit lines + a base -> the learned profile's YAML, loaded back with vigil's own loader and
// checked: every call that needed a learned rule is allowed by the result, so a generalisation
// slip is an error here, not a denial on the next run.
import { createEvaluator } from '../policy/evaluate.js';
import { loadProfileText } from '../policy/load-profile.js';
import type { Profile } from '../policy/profile-types.js';
import { InternalError } from '../errors.js';
import type { Places } from './generalise.js';
import { hostDecision, inputsOf, learnFromLines, targetOf, type Learning } from './learn.js';
import { learnDiff } from './learn-diff.js';
import { learnedYaml, type BaseRef } from './learned-yaml.js';

export interface LearnedProfile {
  readonly yaml: string;
  readonly profile: Profile;
  readonly learning: Learning;
  readonly diff: string;
}

export interface LearnRequest {
  readonly lines: readonly unknown[];
  readonly base: Profile;
  readonly baseRef: BaseRef;
  readonly places: Places;
  readonly name: string;
  /** where the YAML will be written (messages and rule origins) */
  readonly file: string;
  readonly session?: string;
}

export function learnProfile(req: LearnRequest): LearnedProfile {
  const learning = learnFromLines(req.lines, req.base, req.places, req.session);
  const yaml = learnedYaml(learning, req.baseRef, req.name);
  const profile = loadProfileText(yaml, req.file, req.places);
  const decide = createEvaluator(profile);
  const missed = learning.learnedCalls.filter((o) =>
    o.kind === 'connect' && o.host !== null
      ? hostDecision(profile, o) !== 'allowed'
      : inputsOf(o).some((i) => decide(i).action === 'BLOCK'),
  );
  const first = missed[0];
  if (first !== undefined) {
    throw new InternalError(
      `the learned profile does not allow ${missed.length} call(s) it was learned from, e.g. ${first.kind} ${targetOf(first)}`,
    );
  }
  return { yaml, profile, learning, diff: learnDiff(learning, req.base) };
}
