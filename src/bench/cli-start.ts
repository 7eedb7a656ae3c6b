// `vigil run`'s own start as a user sees it: the wall time of `vigil run -- CMD` against CMD
// alone, in pairs, alternating which goes first, with a daemon already running (the client
// path: connect, the profile loaded by the daemon, the session, the launcher, the end); and the
// first run with no daemon, which starts one (object load with the verifier included). CMD is
// /bin/true, and an agent's CLI start-up (`claude --version` from the test agents' cache) when
// it is there. A daemon of its own (socket, pin root, logs), unloaded at the end.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface CliStartRow {
  /** what ran: `/bin/true`, `claude --version` */
  command: string;
  /** wall ms, one per pair */
  aloneMs: number[];
  underVigilMs: number[];
}

export interface CliStartResult {
  /** the first `vigil run -- /bin/true` with no daemon running (it starts one) */
  coldMs: number;
  rows: CliStartRow[];
  /** why a command was left out */
  skipped: string[];
}

const CLAUDE = '/var/cache/vigil-test-agents/claude-code/node_modules/.bin/claude';

function wallMs(argv: string[], env: NodeJS.ProcessEnv): number {
  const [cmd, ...args] = argv;
  const t = performance.now();
  const r = spawnSync(cmd as string, args, { env, stdio: 'ignore' });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`cli-start bench: ${argv.join(' ')} exited ${r.status}`);
  return ms;
}

export function measureCliStart(repo: string, work: string, pairs: number): CliStartResult {
  const vigil = join(repo, 'dist/src/cli/main.js');
  const dir = join(work, 'cli-start');
  mkdirSync(dir, { recursive: true });
  const env = {
    ...process.env,
    VIGIL_SOCKET: join(dir, 'run', 'vigil.sock'),
    VIGIL_PIN_ROOT: `/sys/fs/bpf/vigil-bench-cli-${process.pid}`,
    VIGIL_LOG_DIR: join(dir, 'log'),
  };
  const underVigil = (cmd: string[]) => [process.execPath, vigil, 'run', '--', ...cmd];
  const commands: string[][] = [['/bin/true']];
  const skipped: string[] = [];
  if (existsSync(CLAUDE)) commands.push([CLAUDE, '--version']);
  else skipped.push(`claude --version: ${CLAUDE} is not installed (npm test installs it)`);
  try {
    const coldMs = wallMs(underVigil(['/bin/true']), env);
    const rows = commands.map((cmd) => {
      const row: CliStartRow = {
        command: cmd.join(' ').replace(CLAUDE, 'claude'),
        aloneMs: [],
        underVigilMs: [],
      };
      wallMs(underVigil(cmd), env); // warm the page cache for both
      wallMs(cmd, env);
      for (let i = 0; i < pairs; i++) {
        if (i % 2 === 0) {
          row.aloneMs.push(wallMs(cmd, env));
          row.underVigilMs.push(wallMs(underVigil(cmd), env));
        } else {
          row.underVigilMs.push(wallMs(underVigil(cmd), env));
          row.aloneMs.push(wallMs(cmd, env));
        }
      }
      return row;
    });
    return { coldMs, rows, skipped };
  } finally {
    spawnSync(process.execPath, [vigil, 'unload'], { env, stdio: 'ignore' });
    rmSync(env.VIGIL_PIN_ROOT, { recursive: true, force: true });
  }
}
