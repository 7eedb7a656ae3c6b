// vigil.yaml parsed with the position of every node (src/yaml-source.ts), so that every later
// check can point at the line and column of the key or value it is about; a document that is
// not YAML is VIGIL_CONFIG_YAML.
import { parseYamlSource, type NodePath, type YamlSource } from '../yaml-source.js';
import { ConfigError } from './config-errors.js';

export type KeyPath = NodePath;
export type ConfigSource = YamlSource;

/** One YAML document; VIGIL_CONFIG_YAML at the first problem. */
export function parseConfigYaml(text: string, file: string): ConfigSource {
  return parseYamlSource(
    text,
    file,
    (where, detail, cause) => new ConfigError('VIGIL_CONFIG_YAML', where, detail, { cause }),
  );
}
