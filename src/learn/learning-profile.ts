// The profile a learning run is watched under: the base, in audit mode, with every default
// `audit`, so each call no rule names goes ahead and is written as an AUDIT line (allowed
// opens once per file and access), and what the base would refuse is written with its rule.
import { parseDocument } from 'yaml';

import type { BaseRef } from './learned-yaml.js';

const AUDIT_ALL = {
  paths: 'audit',
  networks: 'audit',
  commands: 'audit',
  unlinks: 'audit',
  renames: 'audit',
};

export function learningProfileYaml(base: BaseRef): string {
  const doc =
    'builtin' in base
      ? parseDocument(`name: ${base.builtin}-learning\nextends: ${base.builtin}\n`)
      : parseDocument(base.text);
  doc.set('mode', 'audit');
  doc.set('default_policy', doc.createNode(AUDIT_ALL));
  return doc.toString({ lineWidth: 0 });
}
