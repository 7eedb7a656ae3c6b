// The one error of `vigil profile import --from neurontrace`: every problem found, each with its
// place in the NeuronTrace file, so a user fixes them all in one pass.
import { VigilError } from '../errors.js';
import { formatLocation, type SourceLocation } from './profile-errors.js';

/** One reason a NeuronTrace policy is not imported: a bad value, or a rule vigil cannot express exactly. */
export interface ImportProblem {
  readonly where: SourceLocation;
  /** the index of the rule in `rules`, when the problem is one rule's */
  readonly rule?: number;
  readonly message: string;
}

export class NeuronTraceImportError extends VigilError {
  readonly file: string;
  readonly problems: readonly ImportProblem[];

  constructor(file: string, summary: string, problems: readonly ImportProblem[]) {
    const lines = problems.map((p) => `${formatLocation(p.where)}: ${p.message}`);
    super('VIGIL_PROFILE_IMPORT', [`${file}: ${summary}`, ...lines].join('\n'));
    this.file = file;
    this.problems = problems;
  }
}
