// Real agent CLIs from npm under their built-in profiles: each offline command (--version, --help,
// a prompt that fails for want of credentials) must behave under `vigil run` exactly as without
// vigil: same exit status, same stdout, same stderr once vigil's own `vigil:` lines are removed,
// and not one BLOCK or KILL in the session's audit log (but for codex's own sandbox, which vigil
// refuses by design: ownSandboxRefused).
//
// No packet leaves the machine: every agent command, the plain run and the whole `vigil run`
// alike, runs in a network namespace of its own with only loopback up (cgroup-BPF hooks and the
// daemon's unix socket work across network namespaces). The daemon is started beforehand,
// outside those namespaces, by the test (test/support/daemon-env.ts gives it private folders).
//
// The packages are installed once, pinned, into $VIGIL_AGENT_CACHE (default
// /var/cache/vigil-test-agents) and reused while the installed version matches. An install that
// fails (no registry) fails the tests, unless VIGIL_TEST_OFFLINE=1 says to skip them.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { before, test, type TestContext } from 'node:test';
import { promisify } from 'node:util';

import type { AuditLine } from '../../src/sinks/audit-schema.js';
import { readAuditLog } from '../support/audit-log.js';
import { startTestDaemon, testDaemon, VIGIL, type TestDaemon } from '../support/daemon-env.js';
import { doctorFacts, missingReason, requires, type Capability } from '../support/requires.js';

const execFileAsync = promisify(execFile);

// Current in the npm registry when this test was written (`npm view <pkg> version`).
const CLAUDE_CODE_VERSION = '2.1.332';
const GEMINI_CLI_VERSION = '0.61.0';
const CODEX_VERSION = '0.171.0';

const CACHE = process.env.VIGIL_AGENT_CACHE ?? '/var/cache/vigil-test-agents';
const OFFLINE = process.env.VIGIL_TEST_OFFLINE === '1';
const NEEDS: Capability[] = ['root', 'tp_btf'];
/** Seconds a command may take (coreutils `timeout`, in both runs alike; 124 when it fires). */
const COMMAND_TIMEOUT_S = 60;

/**
 * Codex runs shell commands in a bubblewrap sandbox of its own (the system's bwrap, else a
 * bundled one); bwrap starts with clone(CLONE_NEWUSER|CLONE_NEWNS|...), which `vigil run`'s
 * hardening refuses, on purpose: namespaces are where bind mounts give a denied file another
 * path. Codex then goes on without it, under vigil. That refusal, and only it, is expected.
 */
function ownSandboxRefused(l: AuditLine): boolean {
  return (
    l.event === 'syscall' &&
    l.rule === 'hardening' &&
    (l.syscall === 'clone' || l.syscall === 'unshare') &&
    // exe is null when bwrap was gone before its exec was enriched: its comm says the same
    ((l.exe ?? '').endsWith('bwrap') || (l.exe === null && l.comm === 'bwrap'))
  );
}

interface Command {
  /** the agent starts a bubblewrap sandbox of its own, which vigil refuses (ownSandboxRefused) */
  ownSandbox?: boolean;
  args: string[];
  /** the subtest's name when the command line is too long for one */
  name?: string;
  /** seconds before `timeout` ends it (a command that waits for the network forever) */
  timeoutS?: number;
  /**
   * How stderr is compared: `exact` (after normalising paths, times and ids), or `lines`: the
   * set of distinct normalised lines, for output whose repetitions depend on timing.
   */
  stderr?: 'exact' | 'lines';
}

interface Agent {
  pkg: string;
  version: string;
  bin: string;
  profile: string;
  /** the install prefix under CACHE */
  folder: string;
  commands: Command[];
}

const AGENTS: Agent[] = [
  {
    pkg: '@anthropic-ai/claude-code',
    version: CLAUDE_CODE_VERSION,
    bin: 'claude',
    profile: 'claude-code',
    folder: 'claude-code',
    // -p without a login: "Not logged in · Please run /login", exit 1, at once
    commands: [{ args: ['--version'] }, { args: ['--help'] }, { args: ['-p', 'hi'] }],
  },
  {
    pkg: '@google/gemini-cli',
    version: GEMINI_CLI_VERSION,
    bin: 'gemini',
    profile: 'gemini-cli',
    folder: 'gemini-cli',
    // -p without an auth method: "Please set an Auth method ...", exit 41, at once
    commands: [{ args: ['--version'] }, { args: ['--help'] }, { args: ['-p', 'hi'] }],
  },
  {
    pkg: '@openai/codex',
    version: CODEX_VERSION,
    bin: 'codex',
    profile: 'codex',
    folder: 'codex',
    commands: [
      { args: ['--version'] },
      { args: ['--help'] },
      // `codex exec` with the built-in provider does not fail without credentials: it tries the
      // API unauthenticated and then waits for the network for ever. Through a provider that
      // reads its key from OPENAI_API_KEY (unset) it fails at once: "Missing environment
      // variable". The header it prints holds a fresh session id (normalised).
      {
        name: 'codex exec hi (a provider keyed by OPENAI_API_KEY)',
        args: [
          'exec',
          '--skip-git-repo-check',
          '-c',
          'model_provider=vigil-test',
          '-c',
          'model_providers.vigil-test.name=vigil-test',
          '-c',
          'model_providers.vigil-test.base_url=https://api.openai.com/v1',
          '-c',
          'model_providers.vigil-test.env_key=OPENAI_API_KEY',
          'hi',
        ],
        ownSandbox: true,
      },
      // The built-in provider as a user without a login meets it: timestamped websocket errors
      // and "Reconnecting... n/5" lines, as many as fit before `timeout` ends it (20 s is well
      // before its fall-back to HTTPS at about 35 s), so only the set of lines is stable.
      { args: ['exec', '--skip-git-repo-check', 'hi'], timeoutS: 20, stderr: 'lines', ownSandbox: true },
    ],
  },
];

// ---------------------------------------------------------------------------------------------
// Installing

type Installed = { ok: true; binDir: string; how: string } | { ok: false; error: string };

const installed = new Map<string, Installed>();

function installedVersion(prefix: string, pkg: string): string | undefined {
  const manifest = join(prefix, 'node_modules', pkg, 'package.json');
  if (!existsSync(manifest)) return undefined;
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version?: string }).version;
}

async function install(a: Agent): Promise<Installed> {
  const prefix = join(CACHE, a.folder);
  const binDir = join(prefix, 'node_modules', '.bin');
  const present = (): boolean =>
    installedVersion(prefix, a.pkg) === a.version && existsSync(join(binDir, a.bin));
  if (present()) return { ok: true, binDir, how: `reused ${prefix}` };
  const spec = `${a.pkg}@${a.version}`;
  const started = Date.now();
  try {
    mkdirSync(prefix, { recursive: true });
    await execFileAsync(
      'npm',
      ['install', '--no-audit', '--no-fund', '--no-save', '--prefix', prefix, spec],
      {
        timeout: 600_000,
        maxBuffer: 16 << 20,
      },
    );
  } catch (err) {
    const e = err as Error & { code?: unknown; stderr?: string };
    // npm's first error lines say what failed (code, the request, its reason); not its stack
    const npmSays = (e.stderr ?? '')
      .split('\n')
      .filter((l) => l.startsWith('npm error') && !/^npm error\s+at /.test(l))
      .slice(0, 8)
      .join('\n');
    const why = typeof e.code === 'number' ? `exit ${e.code}` : (e.message.split('\n')[0] ?? '');
    return { ok: false, error: `npm install ${spec} into ${prefix} failed (${why}):\n${npmSays}` };
  }
  if (!present()) {
    return {
      ok: false,
      error: `npm install ${spec} into ${prefix} succeeded, yet ${a.pkg} is not there at ${a.version} with bin ${a.bin}`,
    };
  }
  return {
    ok: true,
    binDir,
    how: `installed into ${prefix} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  };
}

before(async () => {
  // Without what the tests need they skip (requires() says why): nothing to install for them.
  if (missingReason(await doctorFacts(), NEEDS) !== null) return;
  for (const a of AGENTS) installed.set(a.pkg, await install(a));
});

/** The agent's .bin folder; undefined (the test skipped) offline; throws when the install failed. */
function agentBinDir(t: TestContext, a: Agent): string | undefined {
  const r = installed.get(a.pkg);
  if (r === undefined) throw new Error(`${a.pkg}: not installed (the before hook did not run)`);
  if (r.ok) {
    t.diagnostic(`${a.pkg}@${a.version}: ${r.how}`);
    return r.binDir;
  }
  if (OFFLINE) {
    t.skip(
      `VIGIL_TEST_OFFLINE=1 and ${a.pkg}@${a.version} is not installed: ${r.error.split('\n')[0] ?? ''}`,
    );
    return undefined;
  }
  throw new Error(
    `${r.error}\nThe agent CLIs come from the npm registry; with no registry set VIGIL_TEST_OFFLINE=1 to skip these tests.`,
  );
}

// ---------------------------------------------------------------------------------------------
// Running

/** The test's environment without credentials, other users' folders or the test runner's own. */
function agentEnv(d: TestDaemon, binDir: string, home: string): NodeJS.ProcessEnv {
  const secret = /API_KEY|ACCESS_KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL/i;
  const agentOwn = /^(ANTHROPIC_|CLAUDE|OPENAI_|CODEX_|GEMINI_|GOOGLE_|VERTEX|AZURE_|AWS_)/;
  // XDG_* would point at the caller's folders; SUDO_USER would make `vigil run` switch users
  const other = /^(XDG_|SUDO_|NODE_TEST_|NODE_OPTIONS$|PWD$|OLDPWD$|VIGIL_)/;
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(d.env)) {
    if (secret.test(k) || agentOwn.test(k) || other.test(k)) continue;
    env[k] = v;
  }
  // the daemon's private socket, pin root and log folder, for both runs alike
  for (const k of ['VIGIL_SOCKET', 'VIGIL_PIN_ROOT', 'VIGIL_LOG_DIR'] as const) env[k] = d.env[k];
  env.HOME = home;
  env.PATH = `${binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`;
  return env;
}

interface Ran {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** argv in a new network namespace with only loopback up, stdin /dev/null, bounded by `timeout`. */
function inNetns(argv: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutS: number): Ran {
  const started = Date.now();
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
      String(timeoutS),
      ...argv,
    ],
    {
      cwd,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: (timeoutS + 30) * 1000,
      killSignal: 'SIGKILL',
      maxBuffer: 32 << 20,
    },
  );
  if (r.error !== undefined) throw new Error(`unshare ${argv.join(' ')}: ${r.error.message}`);
  if (r.status === 97)
    throw new Error(`could not bring loopback up in a new network namespace:\n${r.stderr}`);
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

/** A fresh HOME and workspace for one run, removed after the test. */
function freshDirs(t: TestContext): { base: string; home: string; work: string } {
  // Under /var/tmp, not /tmp: a real HOME is not inside the profiles' allowed /tmp/** tree, and
  // codex refuses to set up its helper binaries under the temporary folder (a warning it prints).
  const base = mkdtempSync('/var/tmp/vigil-agent-');
  t.after(() => {
    rmSync(base, { recursive: true, force: true });
  });
  const home = join(base, 'home');
  const work = join(base, 'work');
  mkdirSync(home);
  mkdirSync(work);
  return { base, home, work };
}

/** What may differ between two runs of the same command: the fresh folders, times and ids. */
function normalise(text: string, base: string): string {
  return text
    .replaceAll(base, '<BASE>')
    .replaceAll(base.replace(/[^A-Za-z0-9]/g, '-'), '<BASE->')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<TIME>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<UUID>')
    .replace(/Reconnecting\.\.\. \d+\/\d+/g, 'Reconnecting... <n>/<m>');
}

/** stderr of `vigil run` without vigil's own lines (`vigil: ...` and the `hint:` that follows one). */
function withoutVigilLines(stderr: string): string {
  const kept: string[] = [];
  let afterVigil = false;
  for (const line of stderr.split('\n')) {
    if (line.startsWith('vigil: ') || (afterVigil && line.startsWith('hint: '))) {
      afterVigil = true;
      continue;
    }
    afterVigil = false;
    kept.push(line);
  }
  return kept.join('\n');
}

function distinctLines(text: string): string {
  return [...new Set(text.split('\n').filter((l) => l !== ''))].sort().join('\n');
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined ? 'undefined' : JSON.stringify(v);
}

/** One line per distinct denial: what was denied, by which rule, to which process; then one raw line. */
function describeDenials(lines: AuditLine[]): string {
  const groups = new Map<string, { n: number; raw: AuditLine }>();
  for (const l of lines) {
    const r = l as unknown as Record<string, unknown>;
    const target =
      r.path !== undefined
        ? `path=${str(r.path)}`
        : r.dest_ip !== undefined
          ? `dest=${str(r.dest_ip)}:${str(r.dest_port)}/${str(r.protocol)}`
          : r.syscall !== undefined
            ? `syscall=${str(r.syscall)} result=${str(r.result)}`
            : r.family !== undefined
              ? `socket=${str(r.family)}/${str(r.type)}`
              : '';
    const key = `${l.action} ${l.event} ${target} rule=${str(l.rule)} comm=${str(r.comm)} exe=${str(r.exe)} reason=${str(l.reason)}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { n: 1, raw: l });
    else g.n += 1;
  }
  return [...groups].map(([key, g]) => `  ${g.n}x ${key}\n     e.g. ${JSON.stringify(g.raw)}`).join('\n');
}

function differs(what: string, plain: string, vigil: string): string | undefined {
  if (plain === vigil) return undefined;
  const a = plain.split('\n');
  const b = vigil.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return (
    `${what} differs from line ${i + 1}:\n` +
    `  without vigil: ${JSON.stringify(a.slice(i, i + 5).join('\n'))}\n` +
    `  under vigil:   ${JSON.stringify(b.slice(i, i + 5).join('\n'))}\n` +
    `--- ${what} without vigil ---\n${plain}\n--- ${what} under vigil ---\n${vigil}\n---`
  );
}

function checkCommand(t: TestContext, d: TestDaemon, a: Agent, binDir: string, c: Command): void {
  const timeoutS = c.timeoutS ?? COMMAND_TIMEOUT_S;
  const argv = [a.bin, ...c.args];

  const p = freshDirs(t);
  const plain = inNetns(argv, p.work, agentEnv(d, binDir, p.home), timeoutS);

  const v = freshDirs(t);
  const log = join(v.base, 'audit.jsonl');
  const vigilArgv = [
    process.execPath,
    VIGIL,
    'run',
    '--framework',
    a.profile,
    '--audit-log',
    log,
    '--',
    ...argv,
  ];
  const under = inNetns(vigilArgv, v.work, agentEnv(d, binDir, v.home), timeoutS);
  const lines = readAuditLog(log);

  t.diagnostic(
    `${c.name ?? argv.join(' ')}: exit ${str(plain.status ?? plain.signal)} in ${plain.ms} ms without vigil, ` +
      `exit ${str(under.status ?? under.signal)} in ${under.ms} ms under vigil; ${lines.length} audit lines`,
  );

  const problems: string[] = [];
  if (!lines.some((l) => l.event === 'session_start' && l.profile === a.profile)) {
    problems.push(`no session_start line for profile ${a.profile} in ${log}: was the command watched?`);
  }
  const denials = lines.filter(
    (l) => (l.action === 'BLOCK' || l.action === 'KILL') && !(c.ownSandbox === true && ownSandboxRefused(l)),
  );
  if (c.ownSandbox === true && !lines.some(ownSandboxRefused))
    t.diagnostic(`${argv.join(' ')}: the agent did not try its bubblewrap sandbox this time`);
  if (denials.length > 0) {
    problems.push(
      `${denials.length} BLOCK/KILL audit line(s) under profile ${a.profile}:\n${describeDenials(denials)}`,
    );
  }
  if (plain.status !== under.status || plain.signal !== under.signal) {
    problems.push(
      `exit status: ${str(plain.status ?? plain.signal)} without vigil, ${str(under.status ?? under.signal)} under vigil`,
    );
  }
  const out = differs('stdout', normalise(plain.stdout, p.base), normalise(under.stdout, v.base));
  if (out !== undefined) problems.push(out);
  let errPlain = normalise(plain.stderr, p.base);
  let errVigil = normalise(withoutVigilLines(under.stderr), v.base);
  if (c.stderr === 'lines') {
    errPlain = distinctLines(errPlain);
    errVigil = distinctLines(errVigil);
  }
  const err = differs(c.stderr === 'lines' ? 'stderr (distinct lines)' : 'stderr', errPlain, errVigil);
  if (err !== undefined) problems.push(err);
  if (problems.length > 0) {
    throw new Error(`${argv.join(' ')} under vigil (profile ${a.profile}):\n\n${problems.join('\n\n')}`);
  }
}

for (const a of AGENTS) {
  test(`${a.bin} (${a.pkg}@${a.version}) runs its offline commands under profile ${a.profile} as without vigil`, async (t) => {
    if (!(await requires(t, ...NEEDS))) return;
    const binDir = agentBinDir(t, a);
    if (binDir === undefined) return;
    const d = testDaemon(t, a.folder);
    await startTestDaemon(d);
    for (const c of a.commands) {
      await t.test(c.name ?? `${a.bin} ${c.args.join(' ')}`, (st) => {
        checkCommand(st, d, a, binDir, c);
      });
    }
  });
}
