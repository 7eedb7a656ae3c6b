// vigil hook for each agent, fed the hook JSON each agent documents and answered by a stand-in
// feedback socket (the daemon's side is tested in test/unit/daemon): the call is read in the
// agent's terms (phase, the key pairing start and end, the shell line), the answer is in the
// agent's own output fields, nothing is printed when there is nothing to say, and no answer from
// a daemon still exits 0 with a note for the user.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { claudeHook } from '../../../src/agents/claude-hook.js';
import { codexHook } from '../../../src/agents/codex-hook.js';
import { geminiHook } from '../../../src/agents/gemini-hook.js';
import { repoRoot } from '../../support/paths.js';
import { KILL_LINE, SESSION } from './fixtures.js';

const VIGIL = join(repoRoot, 'dist/src/cli/main.js');

/** Gemini CLI's hook input (docs/hooks/reference.md, hookEventHandler.createBaseInput). */
function geminiInput(event: string, tool: string, toolInput: object, extra: object = {}): string {
  return JSON.stringify({
    session_id: '5c1c6a52-gemini',
    transcript_path: '/home/dev/.gemini/tmp/chats/session.json',
    cwd: '/home/dev/project',
    hook_event_name: event,
    timestamp: '2026-12-06T10:00:00.000Z',
    tool_name: tool,
    tool_input: toolInput,
    ...extra,
  });
}

/** Codex's hook input (pre/post-tool-use.command.input.schema.json: every field required). */
function codexInput(event: string, tool: string, toolInput: object, extra: object = {}): string {
  return JSON.stringify({
    session_id: '019a-codex-thread',
    turn_id: 'turn-7',
    transcript_path: null,
    cwd: '/home/dev/project',
    hook_event_name: event,
    model: 'gpt-5-codex',
    permission_mode: 'default',
    tool_name: tool,
    tool_input: toolInput,
    tool_use_id: 'call_abc123',
    ...extra,
  });
}

const ssh = { command: 'cat ~/.ssh/id_rsa' };

describe('hook input, per agent', () => {
  it('Gemini CLI: BeforeTool and AfterTool of one call share a key; the shell tool gives its line', () => {
    const pre = geminiHook.parse(geminiInput('BeforeTool', 'run_shell_command', ssh));
    const post = geminiHook.parse(
      geminiInput('AfterTool', 'run_shell_command', ssh, {
        tool_response: { llmContent: 'Killed', returnDisplay: 'Killed' },
      }),
    );
    assert.ok(typeof pre === 'object' && typeof post === 'object');
    assert.equal(pre.phase, 'before');
    assert.equal(post.phase, 'after');
    assert.equal(pre.shellCommand, 'cat ~/.ssh/id_rsa');
    assert.match(pre.callKey ?? '', /^gemini:[0-9a-f]{32}$/);
    assert.equal(pre.callKey, post.callKey);
    const other = geminiHook.parse(geminiInput('BeforeTool', 'run_shell_command', { command: 'ls' }));
    assert.ok(typeof other === 'object' && other.callKey !== pre.callKey, 'another call, another key');
    const read = geminiHook.parse(geminiInput('BeforeTool', 'read_file', { file_path: '/etc/passwd' }));
    assert.ok(typeof read === 'object' && read.shellCommand === undefined);
    const start = geminiHook.parse(JSON.stringify({ hook_event_name: 'SessionStart', source: 'startup' }));
    assert.deepEqual(start, { phase: 'other', event: 'SessionStart' });
  });

  it('Codex: tool_use_id is the key; Bash and the exec tools are shell tools; no failure event', () => {
    assert.deepEqual(codexHook.parse(codexInput('PreToolUse', 'Bash', ssh)), {
      phase: 'before',
      event: 'PreToolUse',
      callKey: 'call_abc123',
      shellCommand: 'cat ~/.ssh/id_rsa',
    });
    const exec = codexHook.parse(
      codexInput('PreToolUse', 'exec_command', { command: ['cat', '/etc/shadow'] }),
    );
    assert.ok(typeof exec === 'object' && exec.shellCommand === 'cat /etc/shadow');
    const patch = codexHook.parse(codexInput('PreToolUse', 'apply_patch', { command: '*** Begin Patch' }));
    assert.ok(typeof patch === 'object' && patch.shellCommand === undefined);
    const post = codexHook.parse(codexInput('PostToolUse', 'Bash', ssh, { tool_response: 'Killed' }));
    assert.ok(typeof post === 'object' && post.phase === 'after');
    const failure = codexHook.parse(codexInput('PostToolUseFailure', 'Bash', ssh));
    assert.ok(typeof failure === 'object' && failure.phase === 'other');
  });

  it('Claude Code: the failure event reports too; input that is not a hook call says why', () => {
    const failure = claudeHook.parse(
      JSON.stringify({ hook_event_name: 'PostToolUseFailure', tool_name: 'Bash', tool_use_id: 'toolu_1' }),
    );
    assert.deepEqual(failure, { phase: 'after', event: 'PostToolUseFailure', callKey: 'toolu_1' });
    for (const p of [claudeHook, codexHook, geminiHook]) {
      assert.equal(p.parse('nope'), 'the hook input is not JSON');
      assert.equal(p.parse('[]'), 'the hook input is not a JSON object');
      assert.equal(p.parse('{}'), 'the hook input has no hook_event_name');
    }
  });
});

describe('hook answers, per agent', () => {
  const after = (event: string) => ({ phase: 'after' as const, event });
  it("Gemini CLI: deny with reason before; additionalContext after (the tool's result kept)", () => {
    assert.deepEqual(geminiHook.deny('r'), { decision: 'deny', reason: 'r' });
    assert.deepEqual(geminiHook.report(after('AfterTool'), 'x'), {
      hookSpecificOutput: { hookEventName: 'AfterTool', additionalContext: 'x' },
    });
    assert.equal(geminiHook.report(after('AfterTool'), ''), null);
  });

  it('Codex: permissionDecision deny before; additionalContext alone after (a block would replace the output)', () => {
    assert.deepEqual(codexHook.deny('r'), {
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: 'deny',
        permissionDecisionReason: 'r',
      },
    });
    assert.deepEqual(codexHook.report(after('PostToolUse'), 'x'), {
      hookSpecificOutput: { hookEventName: 'PostToolUse', additionalContext: 'x' },
    });
    assert.equal(codexHook.report(after('PostToolUse'), ''), null);
  });
});

/** A stand-in for the daemon's feedback socket: records the questions, answers from `answer`. */
function feedbackStandIn(dir: string, answer: (q: Record<string, unknown>) => unknown) {
  const questions: Record<string, unknown>[] = [];
  const server: Server = createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const q = JSON.parse(buf.slice(0, nl)) as Record<string, unknown>;
      questions.push(q);
      sock.end(`${JSON.stringify({ id: q.id, ok: true, result: answer(q) })}\n`);
    });
  });
  return { server, questions, path: join(dir, 'feedback.sock') };
}

function runHook(
  agent: string,
  input: string,
  ...args: string[]
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  // asynchronous: the stand-in socket answers from this process's event loop
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [VIGIL, 'hook', agent, ...args], { stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => {
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

describe('vigil hook, against a stand-in feedback socket', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-hook-'));
  let quiet = false;
  const standIn = feedbackStandIn(dir, (q) => {
    if (q.op === 'mark') return SESSION;
    if (q.op === 'toolCall') return { ...SESSION, lines: quiet ? [] : [KILL_LINE] };
    if (q.op === 'explain')
      return {
        ...SESSION,
        answers: [
          { target: {}, action: 'KILL', rule: 'denied_paths[0]', reason: 'denied by denied_paths[0]' },
        ],
      };
    return { session: null };
  });
  const socket = join(dir, 'vigil.sock'); // the feedback socket is its neighbour
  before(() => new Promise<void>((resolve) => standIn.server.listen(standIn.path, resolve)));
  after(() => {
    standIn.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('Gemini CLI: marks BeforeTool, reports on AfterTool by the same key, denies with --precheck', async () => {
    quiet = false;
    const pre = await runHook(
      'gemini-cli',
      geminiInput('BeforeTool', 'run_shell_command', ssh),
      '--socket',
      socket,
    );
    assert.deepEqual(
      pre,
      { status: 0, stdout: '', stderr: '' },
      'nothing to say: nothing on stdout or stderr',
    );
    const mark = standIn.questions.at(-1) as { op: string; toolUseId: string };
    assert.equal(mark.op, 'mark');
    const post = await runHook(
      'gemini-cli',
      geminiInput('AfterTool', 'run_shell_command', ssh, { tool_response: { llmContent: 'Killed' } }),
      '--socket',
      socket,
    );
    assert.equal(post.status, 0);
    assert.equal(post.stderr, '');
    assert.deepEqual(standIn.questions.at(-1), {
      id: 1,
      op: 'toolCall',
      hook: 'gemini-cli',
      toolUseId: mark.toolUseId,
    });
    const answer = JSON.parse(post.stdout) as { hookSpecificOutput: Record<string, string> };
    assert.deepEqual(Object.keys(answer), ['hookSpecificOutput']);
    assert.equal(answer.hookSpecificOutput.hookEventName, 'AfterTool');
    assert.match(
      answer.hookSpecificOutput.additionalContext ?? '',
      /KILL file_open \(cat, pid 42\): .*denied_paths\[0\]/,
    );
    assert.match(answer.hookSpecificOutput.additionalContext ?? '', /do not retry them/);

    const denied = await runHook(
      'gemini-cli',
      geminiInput('BeforeTool', 'run_shell_command', { command: 'cat /etc/hostname' }),
      '--socket',
      socket,
      '--precheck',
    );
    const deny = JSON.parse(denied.stdout) as { decision: string; reason: string };
    assert.equal(deny.decision, 'deny');
    assert.match(
      deny.reason,
      /profile 'claude-code'\) would refuse this command: KILL denied by denied_paths\[0\]/,
    );
  });

  it('Codex: PostToolUse gets additionalContext only; a call with nothing refused prints nothing', async () => {
    const postToolUse = (response: string) =>
      runHook(
        'codex',
        codexInput('PostToolUse', 'Bash', ssh, { tool_response: response }),
        '--socket',
        socket,
      );
    quiet = false;
    const post = await postToolUse('Killed');
    assert.deepEqual(standIn.questions.at(-1), {
      id: 1,
      op: 'toolCall',
      hook: 'codex',
      toolUseId: 'call_abc123',
    });
    const answer = JSON.parse(post.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(answer), ['hookSpecificOutput']);
    quiet = true;
    const none = await postToolUse('');
    assert.deepEqual(none, { status: 0, stdout: '', stderr: '' });
  });

  it('no daemon: exit 0 and a systemMessage for the user, for every agent; bad input too', async () => {
    const gone = join(dir, 'none', 'vigil.sock');
    for (const [agent, input] of [
      ['gemini-cli', geminiInput('AfterTool', 'read_file', { file_path: '/x' })],
      ['codex', codexInput('PostToolUse', 'Bash', ssh)],
      ['claude-code', JSON.stringify({ hook_event_name: 'PostToolUse', tool_use_id: 't' })],
    ] as const) {
      const r = await runHook(agent, input, '--socket', gone);
      assert.equal(r.status, 0);
      const o = JSON.parse(r.stdout) as { systemMessage: string };
      assert.match(o.systemMessage, /no vigil daemon is running .*enforcement does not depend on this hook/);
      const bad = await runHook(agent, 'not json', '--socket', gone);
      assert.equal(bad.status, 0);
      assert.match(bad.stdout, /"systemMessage":"vigil hook: the hook input is not JSON; nothing to report"/);
    }
    const start = await runHook(
      'gemini-cli',
      JSON.stringify({ hook_event_name: 'SessionStart' }),
      '--socket',
      gone,
    );
    assert.deepEqual(start, { status: 0, stdout: '', stderr: '' }, 'an event vigil does not answer');
  });
});
