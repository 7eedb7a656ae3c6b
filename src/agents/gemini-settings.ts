// Where and how vigil's hook goes in Gemini CLI's settings (docs/hooks/index.md, reference.md):
// ~/.gemini/settings.json (under $GEMINI_CLI_HOME when set, as Gemini CLI reads it) or a
// project's .gemini/settings.json, a named command hook for every tool (`matcher: "*"`) on
// BeforeTool and AfterTool, its timeout in milliseconds. Project hooks run only in a folder the
// user trusts, and Gemini CLI asks before it runs a project hook it has not seen.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

import type { HookSettingsSpec } from './hook-settings.js';

export const geminiSettings: HookSettingsSpec = {
  agent: 'gemini-cli',
  title: 'Gemini CLI',
  file: (project) =>
    join(
      project === undefined
        ? process.env.GEMINI_CLI_HOME || (process.env.HOME ?? homedir())
        : resolve(project),
      '.gemini',
      'settings.json',
    ),
  events: ['BeforeTool', 'AfterTool'],
  group: (command) => ({
    matcher: '*',
    hooks: [
      {
        // the name /hooks shows, and `/hooks disable vigil` takes
        name: 'vigil',
        type: 'command',
        command,
        timeout: 10_000,
        description: "the kernel's refusals of this tool call, from vigil",
      },
    ],
  }),
  notes: (project) =>
    project === undefined
      ? []
      : ['Gemini CLI runs project hooks only in a trusted folder, and asks before it runs a new one.'],
};
