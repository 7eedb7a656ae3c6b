// `vigil hook claude-code` as Claude Code runs it: inside the agent's own session, as the agent's
// user, fed the hook JSON Claude Code documents (PreToolUse, PostToolUse with tool_use_id); the
// same kill reported through Gemini CLI's AfterTool and Codex's PostToolUse. A
// tool's `cat ~/.ssh/id_rsa` is killed by the kernel; the PostToolUse answer is hook JSON naming
// the rule and the explain line; --precheck denies the same command before it runs; with no
// daemon answering, the hook says so to the user and lets the call go on (exit 0).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { repoRoot } from '../support/paths.js';
import { requires } from '../support/requires.js';
import { homeSandbox } from '../support/sandbox.js';

const VIGIL = join(repoRoot, 'dist/src/cli/main.js');

/** Hook input as Claude Code sends it for a Bash tool call. */
function hookInput(event: string, id: string, command: string): string {
  return JSON.stringify({
    session_id: 'b5f2c1e0-test',
    transcript_path: '/tmp/transcript.jsonl',
    cwd: '/tmp',
    permission_mode: 'default',
    hook_event_name: event,
    tool_name: 'Bash',
    tool_input: { command, description: 'Read the key' },
    tool_use_id: id,
    ...(event === 'PostToolUse'
      ? { tool_response: { stdout: '', stderr: 'Killed', interrupted: false } }
      : {}),
  });
}

/** Gemini CLI's input for a run_shell_command call (docs/hooks/reference.md). */
function geminiInput(event: string, command: string): string {
  return JSON.stringify({
    session_id: 'gemini-test',
    transcript_path: '/tmp/chat.json',
    cwd: '/tmp',
    hook_event_name: event,
    timestamp: '2026-12-06T10:00:00.000Z',
    tool_name: 'run_shell_command',
    tool_input: { command },
    ...(event === 'AfterTool' ? { tool_response: { llmContent: 'Killed', returnDisplay: 'Killed' } } : {}),
  });
}

/** Codex's input for a shell call (pre/post-tool-use.command.input.schema.json). */
function codexInput(event: string, command: string): string {
  return JSON.stringify({
    session_id: 'codex-test',
    turn_id: 'turn-1',
    transcript_path: null,
    cwd: '/tmp',
    hook_event_name: event,
    model: 'gpt-5-codex',
    permission_mode: 'default',
    tool_name: 'Bash',
    tool_input: { command },
    tool_use_id: 'call_1',
    ...(event === 'PostToolUse' ? { tool_response: 'Killed' } : {}),
  });
}

/** The hook's stdout lines between `== name` and the next marker, parsed. */
function answer(out: string, name: string): unknown {
  const at = out.indexOf(`== ${name}\n`);
  assert.ok(at >= 0, out);
  const rest = out.slice(at + name.length + 4);
  const end = rest.search(/^== /m);
  const text = (end < 0 ? rest : rest.slice(0, end)).trim();
  return text === '' ? null : (JSON.parse(text) as unknown);
}

test('vigil hook reports the kernel kill of a tool call in Claude Code, Gemini CLI and Codex terms, and denies it early with --precheck', async (t) => {
  if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
  const { dir, home } = homeSandbox(t, 'vigil-hook-');
  const user = spawnSync('id', ['-u', 'nobody']).status === 0 ? 'nobody' : 'root';
  chmodSync(home, 0o755);
  mkdirSync(join(home, '.claude'), { recursive: true });
  const inputs = join(dir, 'inputs');
  mkdirSync(inputs);
  const cat = `cat ${home}/.ssh/id_rsa`; // the agent's user's HOME is not the test's
  writeFileSync(join(inputs, 'pre1.json'), hookInput('PreToolUse', 'toolu_01', cat));
  writeFileSync(join(inputs, 'pre2.json'), hookInput('PreToolUse', 'toolu_02', cat));
  writeFileSync(join(inputs, 'post2.json'), hookInput('PostToolUse', 'toolu_02', cat));
  writeFileSync(join(inputs, 'pre3.json'), hookInput('PreToolUse', 'toolu_03', 'ls /tmp'));
  writeFileSync(join(inputs, 'post3.json'), hookInput('PostToolUse', 'toolu_03', 'ls /tmp'));
  writeFileSync(join(inputs, 'gpre.json'), geminiInput('BeforeTool', cat));
  writeFileSync(join(inputs, 'gpost.json'), geminiInput('AfterTool', cat));
  writeFileSync(join(inputs, 'cpre.json'), codexInput('PreToolUse', cat));
  writeFileSync(join(inputs, 'cpost.json'), codexInput('PostToolUse', cat));
  // the agent runs as another user, whose ~ is not this home: the profile names the key itself
  const profile = join(dir, 'agent.yaml');
  writeFileSync(profile, `name: hook-test\nextends: claude-code\ndenied_paths:\n  - ${home}/.ssh/**\n`);
  const vigilHook = `${process.execPath} ${VIGIL} hook`;
  const hook = `${vigilHook} claude-code`;
  const script = join(dir, 'agent.sh');
  writeFileSync(
    script,
    [
      `echo "== precheck"; ${hook} --precheck < ${inputs}/pre1.json`,
      `echo "== mark"; ${hook} < ${inputs}/pre2.json`,
      `sh -c '${cat}' >/dev/null 2>&1; echo "== cat $?"`,
      `echo "== post"; ${hook} < ${inputs}/post2.json`,
      `echo "== quiet"; ${hook} < ${inputs}/pre3.json; ls /tmp >/dev/null; ${hook} < ${inputs}/post3.json`,
      `echo "== gmark"; ${vigilHook} gemini-cli < ${inputs}/gpre.json`,
      `sh -c '${cat}' >/dev/null 2>&1`,
      `echo "== gpost"; ${vigilHook} gemini-cli < ${inputs}/gpost.json`,
      `echo "== cprecheck"; ${vigilHook} codex --precheck < ${inputs}/cpre.json`,
      `sh -c '${cat}' >/dev/null 2>&1`,
      `echo "== cpost"; ${vigilHook} codex < ${inputs}/cpost.json`,
      `echo "== down"; ${hook} --socket ${dir}/none/vigil.sock < ${inputs}/post3.json; echo "== rc $?"`,
      '',
    ].join('\n'),
  );
  const r = spawnSync(
    process.execPath,
    [
      VIGIL,
      'run',
      '--profile',
      profile,
      '--user',
      user,
      '--audit-log',
      join(dir, 'a.jsonl'),
      '--',
      '/bin/sh',
      script,
    ],
    { encoding: 'utf8', cwd: dir, env: { ...process.env, HOME: home }, timeout: 120_000 },
  );
  const out = r.stdout;
  assert.match(out, /== cat 137/, `the kernel killed cat\n${out}${r.stderr}`);

  const pre = answer(out, 'precheck') as { hookSpecificOutput: Record<string, string> };
  assert.equal(pre.hookSpecificOutput.hookEventName, 'PreToolUse');
  assert.equal(pre.hookSpecificOutput.permissionDecision, 'deny');
  assert.match(
    pre.hookSpecificOutput.permissionDecisionReason ?? '',
    /profile 'hook-test'.*denied_paths\[\d+\]/,
  );

  assert.equal(answer(out, 'mark'), null, 'PreToolUse without --precheck says nothing');
  const post = answer(out, 'post') as {
    decision: string;
    reason: string;
    hookSpecificOutput: { hookEventName: string; additionalContext: string };
  };
  assert.equal(post.decision, 'block');
  assert.equal(post.hookSpecificOutput.hookEventName, 'PostToolUse');
  assert.equal(post.hookSpecificOutput.additionalContext, post.reason);
  assert.match(post.reason, /refused 1 action\(s\) during this tool call/);
  assert.match(post.reason, /KILL file_open \(cat, pid \d+\): .*denied_paths\[\d+\]/);
  assert.match(post.reason, new RegExp(`vigil profile explain ${profile} --path ${home}/\\.ssh/id_rsa`));
  assert.equal(answer(out, 'quiet'), null, 'a tool call with no refusal: no output');

  assert.equal(answer(out, 'gmark'), null, 'BeforeTool without --precheck says nothing');
  const gpost = answer(out, 'gpost') as {
    hookSpecificOutput: { hookEventName: string; additionalContext: string };
  };
  assert.deepEqual(Object.keys(gpost), ['hookSpecificOutput'], "Gemini CLI: the tool's result is kept");
  assert.equal(gpost.hookSpecificOutput.hookEventName, 'AfterTool');
  assert.match(
    gpost.hookSpecificOutput.additionalContext,
    /KILL file_open \(cat, pid \d+\): .*denied_paths\[\d+\]/,
  );
  const cpre = answer(out, 'cprecheck') as { hookSpecificOutput: Record<string, string> };
  assert.equal(cpre.hookSpecificOutput.permissionDecision, 'deny');
  const cpost = answer(out, 'cpost') as {
    hookSpecificOutput: { hookEventName: string; additionalContext: string };
  };
  assert.deepEqual(Object.keys(cpost), ['hookSpecificOutput'], "Codex: the tool's output is kept");
  assert.match(cpost.hookSpecificOutput.additionalContext, /refused 1 action\(s\) during this tool call/);

  const down = answer(out, 'down') as { systemMessage: string };
  assert.match(down.systemMessage, /no vigil daemon is running .*enforcement does not depend on this hook/);
  assert.match(out, /== rc 0/);
});
