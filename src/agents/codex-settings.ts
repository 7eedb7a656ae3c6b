// Where and how vigil's hook goes in Codex's hooks (developers.openai.com/codex/hooks): the
// hooks.json next to a config layer, ~/.codex/hooks.json (under $CODEX_HOME when set, as Codex
// reads it) or a project's .codex/hooks.json. The same shape as Claude Code's settings; its root
// holds only `description` and `hooks`, a handler's `timeout` is in seconds. Codex also reads
// inline [hooks] tables from config.toml; vigil writes hooks.json so that the user's config.toml
// is never rewritten. Codex skips a new or changed hook until the user trusts it in /hooks.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import type { HookSettingsSpec } from './hook-settings.js';

function folder(project: string | undefined): string {
  return project === undefined
    ? process.env.CODEX_HOME || join(process.env.HOME ?? homedir(), '.codex')
    : join(resolve(project), '.codex');
}

/** Whether the layer's config.toml declares hooks of its own (`[[hooks.PreToolUse]]`, ...). */
function inlineHooks(dir: string): boolean {
  const toml = join(dir, 'config.toml');
  return existsSync(toml) && /^\s*\[\[\s*hooks\.[A-Za-z]+\s*\]\]/m.test(readFileSync(toml, 'utf8'));
}

export const codexSettings: HookSettingsSpec = {
  agent: 'codex',
  title: 'Codex',
  file: (project) => join(folder(project), 'hooks.json'),
  /** no PostToolUseFailure: a failed tool call runs no hook in Codex */
  events: ['PreToolUse', 'PostToolUse'],
  group: (command) => ({ matcher: '*', hooks: [{ type: 'command', command, timeout: 10 }] }),
  notes: (project) => [
    'Codex runs a new or changed hook only once you trust it: open /hooks in Codex and trust the vigil hooks (until then Codex skips them without a word).',
    ...(project === undefined
      ? []
      : ["Codex loads a project's .codex hooks only when the project is trusted."]),
    ...(inlineHooks(dirname(codexSettings.file(project)))
      ? ['config.toml in the same folder has [hooks] tables too: Codex runs both and warns at start-up.']
      : []),
  ],
};
