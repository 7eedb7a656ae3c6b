// Gemini CLI (0.61; docs/reference/configuration.md, docs/hooks/ in its package):
// ~/.gemini/settings.json (user), a project's .gemini/settings.json (project) and
// /etc/gemini-cli/settings.json (system, which overrides both), low to high. tools.sandbox (the
// older top-level `sandbox` too), tools.sandboxNetworkAccess, general.defaultApprovalMode
// (default, auto_edit, plan: YOLO only from the command line), tools.allowed,
// security.folderTrust.enabled, hooksConfig.enabled, hooks.BeforeTool/AfterTool/..., and
// mcpServers (command/args/env, url, httpUrl, headers, trust).
import { join } from 'node:path';

import type { AgentScan } from './agent-scan.js';
import { hookReasons, type HookEvents } from './hooks.js';
import { effective, where, type Layer } from './layers.js';
import { mcpReasons, mcpServers } from './mcp.js';
import { reason } from './rubric.js';
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
    s.add(
      reason(
        'no_sandbox',
        s.agent,
        sandbox.layer?.file ?? null,
        sandbox.layer === null
          ? 'tools.sandbox is not set: Gemini CLI runs tools without a sandbox (unless started with --sandbox or GEMINI_SANDBOX)'
          : `${where(sandbox, 'tools.sandbox')}: tools run without a sandbox`,
        sandbox.line,
      ),
    );
  } else {
    const net = effective(layers, 'tools', 'sandboxNetworkAccess');
    if (net.value === true)
      s.add(
        reason(
          'sandbox_network_open',
          s.agent,
          net.layer?.file ?? null,
          where(net, 'tools.sandboxNetworkAccess'),
          net.line,
        ),
      );
  }
  const modernMode = effective(layers, 'general', 'defaultApprovalMode');
  const mode = modernMode.layer === null ? effective(layers, 'tools', 'approvalMode') : modernMode;
  if (mode.value === 'auto_edit')
    s.add(
      reason(
        'auto_approve_edits',
        s.agent,
        mode.layer?.file ?? null,
        where(mode, 'general.defaultApprovalMode'),
        mode.line,
      ),
    );
  const trust = effective(layers, 'security', 'folderTrust', 'enabled');
  if (trust.value === false)
    s.add(
      reason(
        'folder_trust_disabled',
        s.agent,
        trust.layer?.file ?? null,
        where(trust, 'security.folderTrust.enabled'),
        trust.line,
      ),
    );
  const hooksOn = effective(layers, 'hooksConfig', 'enabled');
  if (hooksOn.value === false)
    s.add(
      reason(
        'hooks_disabled',
        s.agent,
        hooksOn.layer?.file ?? null,
        where(hooksOn, 'hooksConfig.enabled'),
        hooksOn.line,
      ),
    );

  for (const l of layers) {
    allowListReasons(s, l, ['tools', 'allowed'], { allShell, anyFetch });
    s.add(
      ...hookReasons({
        agent: s.agent,
        file: l.file,
        scope: l.scope,
        doc: l.doc,
        path: ['hooks'],
        events: EVENTS,
        ctx: s.place,
        readScript: s.readScript,
      }),
    );
    for (const server of mcpServers(l.doc.value.mcpServers, ['mcpServers']))
      s.add(...mcpReasons(s.agent, l.file, l.doc, server, s.place));
  }
}
