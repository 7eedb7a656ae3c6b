// A profile's YAML with the position of every node (src/yaml-source.ts); a document that is not
// YAML is VIGIL_PROFILE_YAML.
import { parseYamlSource as parseWithPositions, type NodePath, type YamlSource } from '../yaml-source.js';
import { ProfileError } from './profile-errors.js';

export type { NodePath, YamlSource };

/** Parses one YAML document; throws VIGIL_PROFILE_YAML with the first problem's position. */
export function parseYamlSource(text: string, file: string): YamlSource {
  return parseWithPositions(
    text,
    file,
    (where, detail, cause) => new ProfileError('VIGIL_PROFILE_YAML', where, detail, { cause }),
    { maxAliasCount: 1000 },
  );
}
