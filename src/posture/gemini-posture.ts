// Gemini CLI (0.61; docs/reference/configuration.md, docs/hooks/ in its package):
// ~/.gemini/settings.json (user), a project's .gemini/settings.json (project) and
// /etc/gemini-cli/settings.json (system, which overrides both), low to high. tools.sandbox (the
// older top-level `sandbox` too), tools.sandboxNetworkAccess, general.defaultApprovalMode
// (default, auto_edit, plan: YOLO only from the command line), tools.allowed,
// security.folderTrust.enabled, hooksConfig.enabled, hooks.BeforeTool/AfterTool/..., and
// mcpServers (command/args/env, url, httpUrl, headers, trust).
import { join } from 'node:path';

import type { AgentScan } from './agent-scan.js';
import type { HookEvents } from './hooks.js';
import { effective, where, type Layer } from './layers.js';
import { mcpReasons, mcpServers } from './mcp.js';
import { allowListReasons } from './allow-list.js';

const EVENTS: HookEvents = { gates: ['BeforeTool'], tools: ['BeforeTool', 'AfterTool'] };

/** A tools.allowed entry that pre-approves every shell command. */
function allShell(tool: string): boolean {
  return /^(run_shell_command|ShellTool)(\((\*|\s*)\))?$/.test(tool.trim());
}

function anyFetch(tool: string): boolean {
  return /^(web_fetch|WebFetchTool)(\((\*|\s*)\))?$/.test(tool.trim());
}

export function scanGemini(s: AgentScan): void {
  const { home, project, etc } = s.place;
  const layers: Layer[] = [];
  const layer = (file: string, scope: Layer['scope']): void => {
    const doc = s.doc(file, scope, 'settings');
    if (doc !== null) layers.push({ file, scope, doc });
  };
  layer(join(home, '.gemini', 'settings.json'), 'user');
  if (project !== null) layer(join(project, '.gemini', 'settings.json'), 'project');
  if (etc !== null) layer(join(etc, 'gemini-cli', 'settings.json'), 'managed');

  const modern = effective(layers, 'tools', 'sandbox');
  const sandbox = modern.layer === null ? effective(layers, 'sandbox') : modern;
  const on =
    sandbox.value === true || (typeof sandbox.value === 'string' && !['', 'false'].includes(sandbox.value));
  if (!on) {
    s.addSetting(
      'no_sandbox',
      sandbox,
      sandbox.layer === null
        ? 'tools.sandbox is not set: Gemini CLI runs tools without a sandbox (unless started with --sandbox or GEMINI_SANDBOX)'
        : `${where(sandbox, 'tools.sandbox')}: tools run without a sandbox`,
    );
  } else {
    const net = effective(layers, 'tools', 'sandboxNetworkAccess');
    if (net.value === true)
      s.addSetting('sandbox_network_open', net, where(net, 'tools.sandboxNetworkAccess'));
  }
  const modernMode = effective(layers, 'general', 'defaultApprovalMode');
  const mode = modernMode.layer === null ? effective(layers, 'tools', 'approvalMode') : modernMode;
  if (mode.value === 'auto_edit')
    s.addSetting('auto_approve_edits', mode, where(mode, 'general.defaultApprovalMode'));
  const trust = effective(layers, 'security', 'folderTrust', 'enabled');
  if (trust.value === false)
    s.addSetting('folder_trust_disabled', trust, where(trust, 'security.folderTrust.enabled'));
  const hooksOn = effective(layers, 'hooksConfig', 'enabled');
  if (hooksOn.value === false) s.addSetting('hooks_disabled', hooksOn, where(hooksOn, 'hooksConfig.enabled'));

  for (const l of layers) {
    allowListReasons(s, l, ['tools', 'allowed'], { allShell, anyFetch });
    s.addHooks(l, EVENTS);
    for (const server of mcpServers(l.doc.value.mcpServers, ['mcpServers']))
      s.add(...mcpReasons(s.agent, l.file, l.doc, server, s.place));
  }
}
