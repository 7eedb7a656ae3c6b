// `vigil mcp` with the official MCP SDK's own client, from inside a `vigil run` session as an
// agent starts it: initialize, list the tools, call each. The session's kernel kill of a `cat`
// of a denied key shows in recent_denials; explain answers by the profile's rule; the summary is
// the session's profile. Every tool is read-only.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { repoRoot } from '../support/paths.js';
import { requires } from '../support/requires.js';
import { homeSandbox } from '../support/sandbox.js';

const VIGIL = join(repoRoot, 'dist/src/cli/main.js');

/** The agent: kills itself a cat, then asks vigil's MCP server through the SDK client. */
function client(key: string): string {
  return `
import { execFileSync } from 'node:child_process';
import { Client } from '${repoRoot}/node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.js';
import { StdioClientTransport } from '${repoRoot}/node_modules/@modelcontextprotocol/sdk/dist/esm/client/stdio.js';
try { execFileSync('/bin/cat', [${JSON.stringify(key)}], { stdio: 'ignore' }); } catch {}
const c = new Client({ name: 'vigil-test', version: '1.0.0' });
await c.connect(new StdioClientTransport({ command: process.execPath, args: [${JSON.stringify(VIGIL)}, 'mcp'], env: process.env }));
const out = { server: c.getServerVersion(), tools: (await c.listTools()).tools };
out.explain = await c.callTool({ name: 'explain', arguments: { path: ${JSON.stringify(key)}, host: 'evil.example' } });
out.denials = await c.callTool({ name: 'recent_denials', arguments: { limit: 5 } });
out.summary = await c.callTool({ name: 'profile_summary', arguments: {} });
await c.close();
console.log(JSON.stringify(out));
`;
}

interface ToolResult {
  content: { type: string; text: string }[];
  isError?: boolean;
}

test('vigil mcp answers the SDK client about its own session: explain, recent_denials, profile_summary', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
  const { dir, home } = homeSandbox(t, 'vigil-mcp-');
  const key = join(home, '.ssh', 'id_rsa');
  const profile = join(dir, 'agent.yaml');
  writeFileSync(
    profile,
    `name: mcp-test\nextends: claude-code\ndenied_paths:\n  - ${join(home, '.ssh')}/**\n`,
  );
  const script = join(dir, 'agent.mjs');
  writeFileSync(script, client(key));
  const r = spawnSync(
    process.execPath,
    [VIGIL, 'run', '--profile', profile, '--audit-log', join(dir, 'a.jsonl'), '--', process.execPath, script],
    { encoding: 'utf8', cwd: dir, env: { ...process.env, HOME: home }, timeout: 120_000 },
  );
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as {
    server: { name: string };
    tools: { name: string; annotations?: { readOnlyHint?: boolean } }[];
    explain: ToolResult;
    denials: ToolResult;
    summary: ToolResult;
  };
  assert.equal(out.server.name, 'vigil');
  assert.deepEqual(out.tools.map((x) => x.name).sort(), ['explain', 'profile_summary', 'recent_denials']);
  assert.ok(out.tools.every((x) => x.annotations?.readOnlyHint === true));
  const body = (res: ToolResult) => {
    assert.notEqual(res.isError, true, res.content[0]?.text);
    return JSON.parse(res.content[0]?.text ?? '') as Record<string, unknown>;
  };
  const explain = body(out.explain) as { answers: { action: string; rule: string; reason: string }[] };
  const [path, host] = explain.answers;
  assert.ok(path && host, JSON.stringify(explain));
  assert.equal(path.action, 'BLOCK');
  assert.match(path.rule, /^denied_paths\[\d+\]$/);
  assert.equal(host.action, 'BLOCK', 'evil.example does not resolve under claude-code');
  assert.match(host.reason, /no allowed_hosts rule names it/);
  const denials = body(out.denials) as { denials: { action: string; event: string; reason: string }[] };
  const kill = denials.denials.find((d) => d.event === 'file_open');
  assert.equal(kill?.action, 'KILL', JSON.stringify(denials));
  assert.match(kill.reason, /id_rsa/);
  const summary = body(out.summary) as { name: string; verifySni: boolean; allowedHosts: string[] };
  assert.equal(summary.name, 'mcp-test');
  assert.equal(summary.verifySni, true);
  assert.ok(summary.allowedHosts.includes('api.anthropic.com:443'));
});
