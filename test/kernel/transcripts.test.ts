// The real agent CLIs from npm (Claude Code, Gemini CLI, Codex) run under `vigil run` with their
// built-in profiles against a fake model API on loopback (test/support/fake-model-api.ts), which
// makes each do two shell tool calls: `cat ./notes.txt`, and `cat ~/.ssh/id_rsa`, which the
// kernel refuses (the profile denies ~/.ssh). The daemon finds the agent's own session log, and
// each call gets a tool_call line with the kernel lines linked to it, the denied one among them.
//
// Everything runs in a network namespace of its own with only loopback up: the fake API, `vigil
// run` and the agent; the daemon is started outside it by the test (its socket is a path). The
// CLIs are the ones test/kernel/agent-clis.test.ts installs into $VIGIL_AGENT_CACHE.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { validateAuditLine, auditLineErrors, type AuditLineOf } from '../../src/sinks/audit-schema.js';
import { readAuditLog } from '../support/audit-log.js';
import { startTestDaemon, testDaemon, VIGIL } from '../support/daemon-env.js';
import { repoRoot } from '../support/paths.js';
import { requires } from '../support/requires.js';
import { homeSandbox } from '../support/sandbox.js';

const CACHE = process.env.VIGIL_AGENT_CACHE ?? '/var/cache/vigil-test-agents';
const OFFLINE = process.env.VIGIL_TEST_OFFLINE === '1';
const WITH_FAKE_MODEL = join(repoRoot, 'dist/test/support/with-fake-model.js');
const STEPS = ['cat ./notes.txt', 'cat ~/.ssh/id_rsa'];

interface AgentCase {
  name: string;
  folder: string;
  bin: string;
  framework: string;
  args: string[];
  env: Record<string, string>;
  /** files the agent needs in its HOME */
  home?: Record<string, string>;
  /** the agent logs a call only once it ended: its kernel lines are linked late (no tool_call) */
  logsAfter: boolean;
}

const AGENTS: AgentCase[] = [
  {
    name: 'claude-code',
    folder: 'claude-code',
    bin: 'claude',
    framework: 'claude-code',
    args: ['-p', 'Show me notes.txt', '--allowedTools', 'Bash'],
    env: {
      ANTHROPIC_API_KEY: 'sk-ant-fake-key',
      ANTHROPIC_BASE_URL: '@ORIGIN@',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    },
    logsAfter: false,
  },
  {
    name: 'gemini-cli',
    folder: 'gemini-cli',
    bin: 'gemini',
    framework: 'gemini-cli',
    args: ['-p', 'Show me notes.txt', '--yolo'],
    env: {
      GEMINI_API_KEY: 'fake-key',
      GOOGLE_GEMINI_BASE_URL: '@ORIGIN@',
      GEMINI_CLI_TRUST_WORKSPACE: 'true',
    },
    home: { '.gemini/settings.json': '{"security":{"auth":{"selectedType":"gemini-api-key"}}}\n' },
    logsAfter: true,
  },
  {
    name: 'codex',
    folder: 'codex',
    bin: 'codex',
    framework: 'codex',
    // its own sandbox (bubblewrap) is off: vigil's hardening refuses the namespaces it needs
    args: [
      'exec',
      '--skip-git-repo-check',
      '--dangerously-bypass-approvals-and-sandbox',
      '-c',
      'model_provider=fake',
      '-c',
      'model_providers.fake.name=fake',
      '-c',
      'model_providers.fake.base_url=@ORIGIN@/v1',
      '-c',
      'model_providers.fake.env_key=FAKE_KEY',
      '-c',
      'model_providers.fake.wire_api=responses',
      'Show me notes.txt',
    ],
    env: { FAKE_KEY: 'sk-fake' },
    logsAfter: false,
  },
];

function binDir(t: TestContext, a: AgentCase): string | undefined {
  const dir = join(CACHE, a.folder, 'node_modules', '.bin');
  if (existsSync(join(dir, a.bin))) return dir;
  const why = `${a.bin} is not installed under ${CACHE} (test/kernel/agent-clis.test.ts installs it from npm)`;
  if (OFFLINE) {
    t.skip(`VIGIL_TEST_OFFLINE=1 and ${why}`);
    return undefined;
  }
  throw new Error(why);
}

for (const a of AGENTS) {
  test(`${a.name}: each tool call from its own session log is linked to the kernel lines it caused, the refused cat too`, async (t) => {
    if (!(await requires(t, 'root', 'tp_btf', 'cgroup2'))) return;
    const bin = binDir(t, a);
    if (bin === undefined) return;
    const d = testDaemon(t, `tx-${a.name}`);
    await startTestDaemon(d);
    const { dir, home } = homeSandbox(t, `vigil-tx-${a.name}-`);
    const ws = join(dir, 'ws');
    mkdirSync(ws);
    writeFileSync(join(ws, 'notes.txt'), 'hello notes\n');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    writeFileSync(join(home, '.ssh', 'id_rsa'), 'not a key\n');
    for (const [rel, text] of Object.entries(a.home ?? {})) {
      mkdirSync(join(home, rel, '..'), { recursive: true });
      writeFileSync(join(home, rel), text);
    }
    const log = join(dir, 'audit.jsonl');
    const env: NodeJS.ProcessEnv = {
      PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`,
      HOME: home,
      LANG: 'C.UTF-8',
      VIGIL_SOCKET: d.env.VIGIL_SOCKET,
      VIGIL_PIN_ROOT: d.env.VIGIL_PIN_ROOT,
      VIGIL_LOG_DIR: d.env.VIGIL_LOG_DIR,
      ...a.env,
    };
    const r = spawnSync(
      'unshare',
      [
        '--net',
        'sh',
        '-c',
        'ip link set lo up || exit 97; exec "$@"',
        'sh',
        'timeout',
        '--kill-after=5',
        '120',
        process.execPath,
        WITH_FAKE_MODEL,
        JSON.stringify(STEPS),
        '--',
        process.execPath,
        VIGIL,
        'run',
        '--framework',
        a.framework,
        '--audit-log',
        log,
        '--',
        a.bin,
        ...a.args,
      ],
      { cwd: ws, env, encoding: 'utf8', timeout: 150_000 },
    );
    const out = `status ${r.status}\n${r.stdout}\n${r.stderr}\ndaemon.log:\n${d.daemonLog()}`;
    assert.ok(existsSync(log), out);
    const lines = readAuditLog(log);
    for (const l of lines)
      assert.ok(validateAuditLine(l), `schema: ${auditLineErrors(l)}\n${JSON.stringify(l)}`);
    const calls = lines.filter((l): l is AuditLineOf<'tool_call'> => l.event === 'tool_call');
    const denials = lines
      .filter((l) => l.action === 'KILL' || l.action === 'BLOCK')
      .map((l) => JSON.stringify(l));
    const summary = [
      ...calls.map((c) => `${c.name} ${c.command ?? ''} ${JSON.stringify(c.linked)}`),
      ...denials,
    ].join('\n');
    const notes = calls.find((c) => c.command === 'cat ./notes.txt');
    const secret = calls.find((c) => c.command === 'cat ~/.ssh/id_rsa');
    assert.ok(notes && secret, `both calls logged and read:\n${summary}\n${out}`);
    assert.equal(notes.agent, a.name);
    assert.equal(notes.tool_kind, 'shell');
    assert.ok(notes.linked.exec >= 1, `the cat of notes.txt is linked: ${summary}`);
    assert.ok(secret.linked.denied >= 1, `the refused cat is linked to its call: ${summary}`);
    assert.equal(notes.linked.denied, 0);

    const refused = lines.find(
      (l): l is AuditLineOf<'file_open'> =>
        l.event === 'file_open' &&
        l.path.endsWith('/.ssh/id_rsa') &&
        (l.action === 'KILL' || l.action === 'BLOCK'),
    );
    assert.ok(refused, `the kernel refused ~/.ssh/id_rsa:\n${out}`);
    const catNotes = lines.find(
      (l): l is AuditLineOf<'exec'> => l.event === 'exec' && l.argv.join(' ') === 'cat ./notes.txt',
    );
    assert.ok(catNotes, 'the cat of notes.txt was executed');
    // each line is linked to its call: on the line itself when the call was logged before it was
    // written, else on the call's line (its pids; an agent may log a call only once it ended)
    assert.ok(notes.pids.includes(catNotes.pid), `the cat's process is the call's: ${summary}`);
    assert.ok(secret.pids.includes(refused.pid), `the refused open's process is the call's: ${summary}`);
    const mislinked = lines.filter((l) => {
      const ref = 'tool_call' in l ? l.tool_call : undefined;
      const pid = 'pid' in l ? l.pid : null;
      if (ref === undefined || pid === null) return false;
      return (pid === catNotes.pid && ref.id !== notes.id) || (pid === refused.pid && ref.id !== secret.id);
    });
    assert.deepEqual(mislinked, [], summary);
    if (a.logsAfter) assert.ok(secret.linked.late >= 1 && notes.linked.late >= 1, summary);
    // the log is named where the session lines are, and no transcript text was captured
    assert.ok(
      calls.every((c) => c.transcript.startsWith(home) && c.input === undefined && c.output === undefined),
    );
  });
}
