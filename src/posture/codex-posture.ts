// Codex (0.171; developers.openai.com/codex/config-reference, /hooks, /mcp): ~/.codex/config.toml
// (user), a project's .codex/config.toml (project; Codex loads it when the project is trusted)
// and /etc/codex/managed_config.toml (managed), low to high. sandbox_mode (read-only,
// workspace-write, danger-full-access), approval_policy (untrusted, on-failure, on-request,
// never), a selected [profiles.NAME] over the top-level keys, [sandbox_workspace_write]
// network_access, [mcp_servers.NAME], and hooks from hooks.json next to a config or inline
// [[hooks.EVENT]] tables. Unset, Codex runs read-only, or workspace-write in a trusted project
// ([projects."PATH"] trust_level = "trusted").
import { join } from 'node:path';

import { at } from './config-doc.js';
import type { AgentScan } from './agent-scan.js';
import type { HookEvents } from './hooks.js';
import { effective, type Layer, type Setting } from './layers.js';
import { mcpReasons, mcpServers } from './mcp.js';
import { reason } from './rubric.js';

const EVENTS: HookEvents = {
  gates: ['PreToolUse', 'PermissionRequest'],
  tools: ['PreToolUse', 'PostToolUse', 'PermissionRequest'],
};

/** A key's value: the managed layer's, else the selected profile's, else the top-level one. */
function setting(layers: Layer[], profile: string | null, ...path: string[]): Setting {
  const managed = layers.filter((l) => l.scope === 'managed');
  const m = effective(managed, ...path);
  if (m.layer !== null) return m;
  if (profile !== null) {
    const p = effective(layers, 'profiles', profile, ...path);
    if (p.layer !== null) return p;
  }
  return effective(layers, ...path);
}

function said(s: Setting, key: string): string {
  return s.layer === null
    ? `${key} is not set`
    : `${key} = ${JSON.stringify(s.value)} (${s.layer.scope} scope)`;
}

export function scanCodex(s: AgentScan): void {
  const { home, project, etc } = s.place;
  const configs: Layer[] = [];
  const dirs: { dir: string; scope: Layer['scope'] }[] = [{ dir: join(home, '.codex'), scope: 'user' }];
  if (project !== null) dirs.push({ dir: join(project, '.codex'), scope: 'project' });
  for (const { dir, scope } of dirs) {
    const file = join(dir, 'config.toml');
    const doc = s.doc(file, scope, 'config', 'toml');
    if (doc !== null) configs.push({ file, scope, doc });
  }
  if (etc !== null) {
    const file = join(etc, 'codex', 'managed_config.toml');
    const doc = s.doc(file, 'managed', 'config', 'toml');
    if (doc !== null) configs.push({ file, scope: 'managed', doc });
  }

  const selected = effective(configs, 'profile').value;
  const profile = typeof selected === 'string' ? selected : null;
  const sandbox = setting(configs, profile, 'sandbox_mode');
  const file = sandbox.layer?.file ?? null;
  const trusted =
    project !== null &&
    configs.some(
      (l) => l.scope === 'user' && at(l.doc.value, 'projects', project, 'trust_level') === 'trusted',
    );
  if (sandbox.value === 'danger-full-access') {
    s.add(
      reason(
        'no_sandbox',
        s.agent,
        file,
        `${said(sandbox, 'sandbox_mode')}: commands run without a sandbox`,
        sandbox.line,
      ),
    );
  } else if (sandbox.value === 'workspace-write' || (sandbox.layer === null && trusted)) {
    s.add(
      reason(
        'sandbox_workspace_write',
        s.agent,
        file,
        sandbox.layer === null
          ? 'sandbox_mode is not set and the project is trusted: Codex runs workspace-write'
          : `${said(sandbox, 'sandbox_mode')}: commands may write the workspace`,
        sandbox.line,
      ),
    );
    const net = setting(configs, profile, 'sandbox_workspace_write', 'network_access');
    if (net.value === true)
      s.addSetting('sandbox_network_open', net, said(net, 'sandbox_workspace_write.network_access'));
  }
  const approval = setting(configs, profile, 'approval_policy');
  if (approval.value === 'never')
    s.addSetting('approval_never', approval, `${said(approval, 'approval_policy')}: no command asks`);

  for (const l of configs) {
    for (const server of mcpServers(l.doc.value.mcp_servers, ['mcp_servers']))
      s.add(...mcpReasons(s.agent, l.file, l.doc, server, s.place));
    s.addHooks(l, EVENTS);
  }
  for (const { dir, scope } of dirs) {
    const file = join(dir, 'hooks.json');
    const doc = s.doc(file, scope, 'settings');
    if (doc === null) continue;
    s.addHooks({ file, scope, doc }, EVENTS);
  }
}
