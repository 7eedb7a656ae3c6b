// The daemon's configuration file: /etc/vigil/vigil.yaml, or the file VIGIL_CONFIG names instead.
// A default file that does not exist is an empty configuration (no exporters, no metrics endpoint);
// a file named on the command line must exist. Read at start and again on SIGHUP (docs/config.md).
import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from './config-errors.js';
import { DEFAULT_SPOOL_DIR } from './config-defaults.js';
import { normaliseConfig, type NormaliseOptions } from './normalise-config.js';
import type { VigilConfig } from './config-types.js';
import { validateConfig } from './config-validate.js';
import { parseConfigYaml } from './config-yaml.js';
import { exposureWarning } from './secret-exposure.js';

export const DEFAULT_CONFIG_PATH = '/etc/vigil/vigil.yaml';

/** Every default, nothing configured: what a missing default file gives. */
export const EMPTY_CONFIG: VigilConfig = Object.freeze({
  version: 1,
  metrics: null,
  spool: Object.freeze({ dir: DEFAULT_SPOOL_DIR }),
  exporters: Object.freeze([]),
});

export interface LoadedVigilConfig {
  /** the file read, or looked for */
  readonly path: string;
  /** false: the default file does not exist and `config` is EMPTY_CONFIG */
  readonly found: boolean;
  readonly config: VigilConfig;
  /** for the daemon's log: problems that do not stop it (secrets in a file others can read) */
  readonly warnings: readonly string[];
}

/**
 * Reads and checks the configuration: `path` if given (it must exist), else VIGIL_CONFIG's file
 * or /etc/vigil/vigil.yaml (either may be missing). Throws a ConfigError (VIGIL_CONFIG_READ,
 * _YAML, _INVALID) whose message starts `file:line:column:`.
 */
export function loadVigilConfig(path?: string): LoadedVigilConfig {
  const fromEnv = process.env.VIGIL_CONFIG;
  const file = path ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_CONFIG_PATH);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && path === undefined)
      return { path: file, found: false, config: EMPTY_CONFIG, warnings: [] };
    throw new ConfigError(
      'VIGIL_CONFIG_READ',
      { file },
      `cannot read the configuration: ${code ?? String(err)}`,
      {
        cause: err,
        hint:
          code === 'ENOENT'
            ? `create it (docs/config.md), or leave out the option to use ${DEFAULT_CONFIG_PATH}`
            : undefined,
      },
    );
  }
  const config = parseVigilConfig(text, file);
  const warning = exposureWarning(file, config, statSync(file));
  return { path: file, found: true, config, warnings: warning === undefined ? [] : [warning] };
}

/**
 * The configuration in `text` (`file` names it in errors); an empty document is EMPTY_CONFIG.
 * `checkFiles: false` leaves out the one check that reads the disk (the TLS files exist).
 */
export function parseVigilConfig(
  text: string,
  file: string,
  options: NormaliseOptions = { checkFiles: true },
): VigilConfig {
  const src = parseConfigYaml(text, file);
  if (src.value === null || src.value === undefined) return EMPTY_CONFIG;
  return normaliseConfig(validateConfig(src), src, options);
}
