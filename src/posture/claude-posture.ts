// Claude Code (2.1.332; code.claude.com/docs/en/settings, /hooks, /mcp): settings in
// ~/.claude/settings.json (user), .claude/settings.json (project), .claude/settings.local.json
// (local) and /etc/claude-code/managed-settings.json (managed), in that order of precedence from
// low to high for single values; permissions.allow lists and hooks of every file count. MCP
// servers: ~/.claude.json's mcpServers (user) and projects[PATH].mcpServers (local), and the
// project's .mcp.json. Keys as the 2.1.332 bundle's settings schema spells them.
import { join } from 'node:path';

import { at, isObject } from './config-doc.js';
import type { AgentScan } from './agent-scan.js';
import type { HookEvents } from './hooks.js';
import { effective, where, type Layer } from './layers.js';
import { mcpReasons, mcpServers } from './mcp.js';
import { reason } from './rubric.js';
import { allowListReasons } from './allow-list.js';

const EVENTS: HookEvents = {
  gates: ['PreToolUse', 'PermissionRequest'],
  tools: ['PreToolUse', 'PostToolUse', 'PostToolUseFailure', 'PermissionRequest'],
};

/** An allow rule that pre-approves every shell command. */
function allShell(rule: string): boolean {
  return /^Bash(\((\*|:\*|\*\*|\s*)\))?$/.test(rule.trim());
}

/** An allow rule that pre-approves fetching any URL. */
function anyFetch(rule: string): boolean {
  return /^WebFetch(\((\*|domain:\*|\s*)\))?$/.test(rule.trim());
}

export function scanClaude(s: AgentScan): void {
  const { home, project, etc } = s.place;
  const layers: Layer[] = [];
  const layer = (file: string, scope: Layer['scope']): void => {
    const doc = s.doc(file, scope, 'settings');
    if (doc !== null) layers.push({ file, scope, doc });
  };
  layer(join(home, '.claude', 'settings.json'), 'user');
  if (project !== null) {
    layer(join(project, '.claude', 'settings.json'), 'project');
    layer(join(project, '.claude', 'settings.local.json'), 'local');
  }
  if (etc !== null) layer(join(etc, 'claude-code', 'managed-settings.json'), 'managed');

  // 2.1.332 takes defaultMode "auto" from user or managed settings only: a repository cannot grant it
  const mode = effective(
    layers.filter(
      (l) =>
        !(['project', 'local'].includes(l.scope) && at(l.doc.value, 'permissions', 'defaultMode') === 'auto'),
    ),
    'permissions',
    'defaultMode',
  );
  const noBypass = effective(layers, 'permissions', 'disableBypassPermissionsMode').value === 'disable';
  const modeFile = mode.layer?.file ?? null;
  if (mode.value === 'bypassPermissions' && !noBypass)
    s.add(
      reason(
        'bypass_permissions',
        s.agent,
        modeFile,
        `${where(mode, 'permissions.defaultMode')}: no tool call asks`,
        mode.line,
      ),
    );
  else if (mode.value === 'auto')
    s.add(
      reason(
        'auto_mode',
        s.agent,
        modeFile,
        `${where(mode, 'permissions.defaultMode')}: a classifier approves calls`,
        mode.line,
      ),
    );
  else if (mode.value === 'acceptEdits')
    s.add(
      reason(
        'auto_approve_edits',
        s.agent,
        modeFile,
        `${where(mode, 'permissions.defaultMode')}: edits are not asked`,
        mode.line,
      ),
    );

  const sandbox = effective(layers, 'sandbox', 'enabled');
  if (sandbox.value !== true) {
    s.addSetting(
      'no_sandbox',
      sandbox,
      sandbox.layer === null
        ? "sandbox.enabled is not set: Claude Code's Bash commands run without its sandbox (off by default)"
        : `${where(sandbox, 'sandbox.enabled')}: Bash commands run without the sandbox`,
    );
  }
  const skip = effective(layers, 'skipDangerousModePermissionPrompt');
  if (skip.value === true)
    s.addSetting('bypass_prompt_skipped', skip, where(skip, 'skipDangerousModePermissionPrompt'));
  const allMcp = effective(layers, 'enableAllProjectMcpServers');
  if (allMcp.value === true)
    s.addSetting('mcp_project_auto_approved', allMcp, where(allMcp, 'enableAllProjectMcpServers'));
  const noHooks = effective(layers, 'disableAllHooks');
  if (noHooks.value === true) s.addSetting('hooks_disabled', noHooks, where(noHooks, 'disableAllHooks'));

  for (const l of layers) {
    allowListReasons(s, l, ['permissions', 'allow'], { allShell, anyFetch });
    s.addHooks(l, EVENTS);
  }

  const state = join(home, '.claude.json');
  s.volatile.add(state);
  const stateDoc = s.doc(state, 'user', 'mcp');
  if (stateDoc !== null) {
    for (const server of mcpServers(stateDoc.value.mcpServers, ['mcpServers']))
      s.add(...mcpReasons(s.agent, state, stateDoc, server, s.place));
    const projects = stateDoc.value.projects;
    if (project !== null && isObject(projects)) {
      for (const server of mcpServers(at(projects, project, 'mcpServers'), [
        'projects',
        project,
        'mcpServers',
      ]))
        s.add(...mcpReasons(s.agent, state, stateDoc, server, s.place));
    }
  }
  if (project !== null) {
    const mcp = join(project, '.mcp.json');
    const doc = s.doc(mcp, 'project', 'mcp');
    if (doc !== null) {
      for (const server of mcpServers(doc.value.mcpServers, ['mcpServers']))
        s.add(...mcpReasons(s.agent, mcp, doc, server, s.place));
    }
  }
}
