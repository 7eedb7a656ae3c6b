// vigil run [options] -- CMD [ARGS...]: starts CMD in its own cgroup, watched from its first
// instruction, as the invoking user; writes the session's audit lines; exits with CMD's status.
import { constants } from 'node:os';

import { connectOrStartDaemon } from '../daemon/control-client.js';
import { UsageError } from '../errors.js';
import { launch, lookupUser, type UserEntry } from '../targeting/launch.js';
import { UI_FLAGS, UI_HELP, startUi, uiOptionsFrom } from '../ui/cli-ui.js';
import { fileEventsFlag, parseVerbArgs, requireRoot, SESSION_FLAGS } from './args.js';
import { openAuditOutput } from './audit-output.js';
import { resolveProfile } from './profile-arg.js';

const HELP = `usage: vigil run [options] -- CMD [ARGS...]

Runs CMD watched by vigil from its first instruction, in its own cgroup, as the user who
called sudo (or --user). vigil exits with CMD's exit status (128+N if a signal N ended it).

options:
  --profile FILE        the behavioral profile (YAML)
  --framework NAME      a built-in profile instead (vigil profile list); default: generic
  --user NAME           run CMD as this user (default: $SUDO_USER, else root)
  --audit-log FILE      append audit lines to FILE (default: stdout; use a file for
                        interactive agents)
  --file-events MODE    allowed file opens to log: all, first (per path per session), none
  --audit-only          decide and log, but refuse nothing: every BLOCK or KILL becomes AUDIT
${UI_HELP}
  -h, --help            this help`;

export async function runCommand(argv: string[]): Promise<number> {
  const dash = argv.indexOf('--');
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const command = dash < 0 ? [] : argv.slice(dash + 1);
  const { values } = parseVerbArgs('run', own, {
    ...SESSION_FLAGS,
    user: { type: 'string' },
    ...UI_FLAGS,
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    console.log(HELP);
    return 0;
  }
  if (command.length === 0) {
    throw new UsageError('vigil run: give the command after --', {
      hint: 'vigil run [options] -- CMD [ARGS...]',
    });
  }
  const fileEvents = fileEventsFlag('run', values['file-events']);
  const uiOptions = uiOptionsFrom('run', values);
  requireRoot('run');
  const user = targetUser(values.user);
  const cwd = process.cwd();
  // ${HOME}: the home of the user CMD runs as; as root without sudo, the environment's.
  const home = user?.home ?? process.env.HOME ?? '/root';
  const profile = resolveProfile('run', values, { home, workspace: cwd }, 'generic');
  const output = openAuditOutput(values['audit-log']);

  const daemon = await connectOrStartDaemon(fileEvents === undefined ? {} : { fileEvents });
  let ui: Awaited<ReturnType<typeof startUi>> | undefined;
  try {
    // before the session exists, so the UI sees its session_start
    if (uiOptions !== undefined) ui = await startUi(daemon, uiOptions, [profile]);
    const state = { ended: false };
    const session = await daemon.createRunSession(
      profile,
      true,
      { auditOnly: values['audit-only'] === true },
      {
        line: (line) => {
          output.write(line);
        },
        ended: () => {
          state.ended = true;
        },
      },
    );
    const launched = await launch(command, user, cwd);
    try {
      await daemon.adoptRoot(session.id, launched.pid);
    } catch (err) {
      launched.abort();
      throw err;
    }
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      launched.child.once('exit', (code, signal) => {
        resolve({ code, signal });
      });
    });
    const forward = relaySignals(launched.child.pid ?? launched.pid);
    launched.go();
    const { code, signal } = await exited;
    forward.stop();
    // Let the exit events of the tree arrive, so the session's last lines are written.
    for (let i = 0; i < 20 && !state.ended; i++) {
      await daemon.flush();
      await new Promise((r) => setTimeout(r, state.ended ? 0 : 50));
    }
    if (!state.ended && daemon.inProcess) {
      const left = (await daemon.status()).sessions.find((s) => s.id === session.id)?.processes ?? [];
      if (left.length > 0) {
        console.error(
          `vigil: ${left.length} process(es) of ${session.name} still run (${left.join(', ')}); they are no longer watched once vigil exits`,
        );
      }
    }
    return code ?? 128 + (signal === null ? 0 : constants.signals[signal]);
  } finally {
    await ui?.close();
    await daemon.close();
    output.close();
  }
}

function targetUser(flag: string | undefined): UserEntry | undefined {
  const name =
    flag ??
    (process.env.SUDO_UID !== undefined && process.env.SUDO_UID !== '0' ? process.env.SUDO_USER : undefined);
  if (name === undefined) return undefined;
  const user = lookupUser(name);
  if (user === undefined) throw new UsageError(`vigil run: no such user '${name}'`);
  return user.uid === 0 ? undefined : user;
}

/**
 * Passes SIGTERM and SIGHUP on to the command. SIGINT and SIGQUIT from a terminal already
 * reach the command (it is in the terminal's foreground group); they are passed on only when
 * vigil has no terminal, so an agent never gets a Ctrl-C twice.
 */
function relaySignals(pid: number): { stop(): void } {
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP'];
  const fromTerminalToo: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT'];
  const relay = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  const handlers = new Map<NodeJS.Signals, () => void>();
  for (const sig of [...signals, ...fromTerminalToo]) {
    const tty = process.stdin.isTTY && fromTerminalToo.includes(sig);
    const h = () => {
      if (!tty) relay(sig);
    };
    handlers.set(sig, h);
    process.on(sig, h);
  }
  return {
    stop: () => {
      for (const [sig, h] of handlers) process.off(sig, h);
    },
  };
}
