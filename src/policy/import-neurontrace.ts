// `vigil profile import --from neurontrace`: a NeuronTrace policy (YAML) -> a vigil profile (YAML
// text) deciding the same on every event, or an error listing every rule that has no exact vigil
// form. Stages: read and check the policy (neurontrace-policy.ts), convert first-match rules into
// vigil's lists and defaults (neurontrace-convert.ts), write YAML (profile-yaml.ts), and load the
// result with vigil's own loader, so what is printed is what `vigil run --profile` would enforce.
import { loadProfileText } from './load-profile.js';
import { convertNeuronTrace } from './neurontrace-convert.js';
import { NeuronTraceImportError } from './neurontrace-errors.js';
import { readNeuronTracePolicy } from './neurontrace-policy.js';
import { ProfileError } from './profile-errors.js';
import type { Profile } from './profile-types.js';
import { writeProfileYaml } from './profile-yaml.js';
import { parseYamlSource } from './yaml-source.js';

export interface NeuronTraceImport {
  /** the vigil profile, as YAML text with comments */
  readonly yaml: string;
  /** the same profile, loaded */
  readonly profile: Profile;
  /** what changed form, one line each */
  readonly notes: readonly string[];
}

/** Imports a NeuronTrace policy's text; `file` names it in messages and in the header comment. */
export function importNeuronTrace(text: string, file: string): NeuronTraceImport {
  const read = readNeuronTracePolicy(parseYamlSource(text, file));
  if (read.policy === undefined) {
    throw new NeuronTraceImportError(file, 'not a valid NeuronTrace policy:', read.problems);
  }
  const { draft, notes, problems } = convertNeuronTrace(read.policy, file);
  if (problems.length > 0) {
    const n = new Set(problems.map((p) => p.rule)).size;
    throw new NeuronTraceImportError(
      file,
      `cannot be imported exactly: ${n} rule${n === 1 ? '' : 's'} ha${n === 1 ? 's' : 've'} no exact vigil form:`,
      problems,
    );
  }
  const yaml = writeProfileYaml(draft);
  let profile: Profile;
  try {
    // the profile's file names where it came from, for messages and rule origins
    profile = loadProfileText(yaml, `${file} (imported from NeuronTrace)`);
  } catch (e) {
    if (!(e instanceof ProfileError)) throw e;
    // a pattern vigil's loader refuses (e.g. longer than the path bound): nothing half-imported
    throw new NeuronTraceImportError(file, 'the vigil profile it becomes does not load:', [
      { where: { file }, message: e.message },
    ]);
  }
  return { yaml, profile, notes };
}
