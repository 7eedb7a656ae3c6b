// Where and how vigil's hook goes in Claude Code's settings (code.claude.com/docs/en/hooks):
// ~/.claude/settings.json or a project's .claude/settings.json, a command hook for every tool
// (`matcher: "*"`) on each event vigil answers, its timeout in seconds.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

import type { HookSettingsSpec } from './hook-settings.js';

export const claudeSettings: HookSettingsSpec = {
  agent: 'claude-code',
  title: 'Claude Code',
  file: (project) =>
    join(
      project === undefined ? (process.env.HOME ?? homedir()) : resolve(project),
      '.claude',
      'settings.json',
    ),
  /** the mark, the report, and the report of a failed call */
  events: ['PreToolUse', 'PostToolUse', 'PostToolUseFailure'],
  group: (command) => ({ matcher: '*', hooks: [{ type: 'command', command, timeout: 10 }] }),
};
