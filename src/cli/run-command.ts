// vigil run [options] -- CMD [ARGS...]: starts CMD in its own cgroup, watched from its first
// instruction, as the invoking user; writes the session's audit lines; exits with CMD's status.
import { constants } from 'node:os';

import { connectOrStartDaemon, type ConnectionEvents, type DaemonHandle } from '../daemon/control-client.js';
import type { LandlockState, ProfileRef } from '../daemon/control-protocol.js';
import type { LauncherCreds } from '../targeting/launch.js';
import type { FailClosed } from '../policy/profile-types.js';
import { SystemError, UsageError } from '../errors.js';
import { LANDLOCK_MAX_RULES, type LandlockMode } from '../policy/landlock-rights.js';
import { encodeLandlockPlan, planLandlock, type LandlockPlan } from '../policy/landlock-plan.js';
import { launch, hardeningText, launcherCreds, type LauncherReport } from '../targeting/launch.js';
import { UI_FLAGS, UI_HELP, startUi, uiOptionsFrom } from '../ui/cli-ui.js';
import { fileEventsFlag, landlockFlag, parseVerbArgs, requireRoot, SESSION_FLAGS } from './args.js';
import { openSessionOutput, type SessionOutput } from './audit-output.js';
import { START_TIMEOUT_MS } from '../daemon/daemon-spawn.js';
import { SessionSummary } from './session-summary.js';
import { errnoName } from '../enrich/linux-names.js';
import { hardeningArgs } from '../targeting/hardening.js';
import { planReadonly } from '../policy/readonly-plan.js';
import { makeUndumpable } from '../system/undumpable.js';
import { connectWithProfile, profileChoice } from './profile-arg.js';
import { targetUser } from './target-user.js';

const HELP = `usage: vigil run [options] -- CMD [ARGS...]

Runs CMD watched by vigil from its first instruction, in its own cgroup, as the user who
called sudo (or --user). vigil exits with CMD's exit status (128+N if a signal N ended it), but
never 0 when the connection to the daemon was lost during the session: then 75 (the kernel
kept enforcing; the profile's fail_closed says what it did meanwhile).

options:
  --profile FILE        the behavioral profile (YAML)
  --framework NAME      a built-in profile instead (vigil profile list); default: generic
  --user NAME           run CMD as this user (default: $SUDO_USER, else root)
  --audit-log FILE      append audit lines to FILE; - for stdout (default: a file of its own
                        under /var/log/vigil/sessions/, named on stderr; at the end stderr
                        lists the session's denials)
  --file-events MODE    allowed file opens to log: first (default: once per file and access
                        per session, repeats and failed lookups counted in the kernel),
                        all, none (counted only)
  --audit-only          decide and log, but refuse nothing: every BLOCK or KILL becomes AUDIT
  --capture-transcript  write the agent's logged tool input and output into tool_call lines
                        (secrets masked); without it, only each call's name, command and
                        linked kernel lines are written
  --landlock MODE       the Landlock layer on file opens (docs/backends.md): auto (default;
                        default-deny profiles: their allowed trees), strict (also carves denied
                        paths out of allowed trees; entries created later directly in those
                        folders are refused too), off
  --keep-caps           leave CMD the capabilities that defeat confinement (mounts, BPF,
                        ptrace, raw I/O...; docs/backends.md, "Hardening"); not recommended
${UI_HELP}
  -h, --help            this help`;

export async function runCommand(argv: string[]): Promise<number> {
  const dash = argv.indexOf('--');
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const command = dash < 0 ? [] : argv.slice(dash + 1);
  const { values } = parseVerbArgs('run', own, {
    ...SESSION_FLAGS,
    user: { type: 'string' },
    landlock: { type: 'string' },
    'keep-caps': { type: 'boolean' },
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
  const landlockMode = landlockFlag('run', values.landlock);
  const auditOnly = values['audit-only'] === true;
  const uiOptions = uiOptionsFrom('run', values);
  requireRoot('run');
  makeUndumpable(); // the agent's root cannot read this process's memory either
  const user = targetUser('run', values.user);
  const cwd = process.cwd();
  // ${HOME}: the home of the user CMD runs as; as root without sudo, the environment's.
  const home = user?.home ?? process.env.HOME ?? '/root';
  const choice = profileChoice('run', values, { home, workspace: cwd }, 'generic');
  const sessionName = { value: 'the session' };
  const failClosed = { value: 'deny' as FailClosed };
  const { daemon, profile } = await connectWithProfile(choice, (beforeStart) =>
    connectOrStartDaemon({
      events: connectionNotices(
        () => sessionName.value,
        () => failClosed.value,
      ),
      beforeStart,
    }),
  );
  failClosed.value = profile.profile.failClosed;
  let ui: Awaited<ReturnType<typeof startUi>> | undefined;
  let output: SessionOutput | undefined;
  try {
    const plan = landlockPlan(landlockMode, profile, auditOnly);
    const readonly = planReadonly(profile.profile, auditOnly);
    output = openSessionOutput(values['audit-log']);
    const summary = new SessionSummary();
    const keepCaps = values['keep-caps'] === true;
    if (keepCaps) {
      console.error(
        'vigil: --keep-caps: the agent keeps the capabilities that defeat confinement (mounts, BPF, ptrace, raw I/O); a root agent can undo what vigil enforces',
      );
    }
    // before the session exists, so the UI sees its session_start
    if (uiOptions !== undefined) ui = await startUi(daemon, uiOptions, [profile]);
    const state = { ended: false, endLine: false };
    // this process and the daemon
    const protect = [process.pid, await daemon.pid()];
    const launched = await launch(command, {
      user,
      cwd,
      protect,
      harden: hardeningArgs(keepCaps, profile.profile.rawSockets === 'allow', auditOnly),
      readonly: readonly.paths,
      ...(plan?.install === true ? { landlockPlan: encodeLandlockPlan(plan) } : {}),
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      launched.child.once('exit', (code, signal) => {
        resolve({ code, signal });
      });
    });
    try {
      const report = await launched.ready;
      // no report: the launcher could not become the user or apply the plan, and said why
      if (report === undefined) return (await exited).code ?? 126;
      if (typeof report.hardening.pidns === 'number') {
        console.error(
          `vigil: the agent shares vigil's PID namespace (unshare: ${errnoName(-report.hardening.pidns)}): vigil's own PIDs are shielded by the seccomp filter only`,
        );
      }
      const session = await daemon.createRunSession(
        profile,
        true,
        {
          auditOnly,
          hardened: report.hardening.seccomp,
          captureTranscript: values['capture-transcript'] === true,
          ...(fileEvents === undefined ? {} : { fileEvents }),
        },
        {
          line: (line) => {
            output?.writer.write(line);
            summary.add(line);
            if (line.event === 'session_end') state.endLine = true;
          },
          ended: () => {
            state.ended = true;
          },
        },
      );
      sessionName.value = session.name;
      const landlock = {
        ...landlockState(landlockMode, plan, report, launcherCreds(launched.pid)),
        // the launcher said how many it made; a path it could not mount it named on stderr
        ...(report.hardening.readonly > 0 ? { readonly: [...readonly.paths] } : {}),
        hardening: hardeningText(report.hardening),
      };
      await daemon.adoptRoot(session.id, launched.pid, landlock);
    } catch (err) {
      launched.abort();
      throw err;
    }
    const forward = relaySignals(launched.child.pid ?? launched.pid);
    launched.go();
    const { code, signal } = await exited;
    forward.stop();
    await awaitSessionEnd(daemon, state);
    const status = code ?? 128 + (signal === null ? 0 : constants.signals[signal]);
    // stdout carries the lines when asked: the summary is for a log written elsewhere
    if (output.path !== undefined) {
      for (const l of summary.text(sessionName.value, output.path, user?.home ?? process.env.HOME))
        console.error(l);
    }
    return statusAfterGaps(daemon, sessionName.value, status, state.ended);
  } finally {
    await ui?.close();
    await daemon.close();
    output?.writer.close();
  }
}

/** Exit status when the daemon was lost during the session (docs/backends.md#when-the-daemon-dies). */
export const EXIT_DAEMON_LOST = 75;

/**
 * The session's last lines (its end) come once the daemon has read the exit events (its ring
 * readers deliver within 50 ms): waits for them, and for a daemon that is coming back (at most as
 * long as a daemon may take to start, plus 10 s). After session_end, the lines of the session's
 * last scans (tool calls, alerts) may follow for a few seconds before the daemon says it ended.
 */
async function awaitSessionEnd(
  daemon: DaemonHandle,
  state: { ended: boolean; endLine: boolean },
): Promise<void> {
  const start = Date.now();
  const ended = () => state.ended;
  while (!ended()) {
    // a daemon being started again (daemon-spawn.ts) has the session's last lines
    const limit =
      daemon.gaps === 0 && daemon.connected ? (state.endLine ? 5000 : 1000) : START_TIMEOUT_MS + 10_000;
    if (Date.now() - start >= limit) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * The agent's status, unless the daemon was lost during the session: then never 0, and stderr
 * says what the audit may lack.
 */
function statusAfterGaps(daemon: DaemonHandle, name: string, status: number, ended: boolean): number {
  if (daemon.gaps === 0) return status;
  const end = ended ? 'its end was recorded' : 'its end was not recorded: no daemon answered';
  console.error(
    `vigil: the connection to the daemon dropped ${daemon.gaps} time(s) during ${name} (${end}); the agent exited with ${status}, vigil exits ${status === 0 ? EXIT_DAEMON_LOST : status} (audit lines of the gap: the daemon's log, and loss lines where the kernel's ring overflowed)`,
  );
  return status === 0 ? EXIT_DAEMON_LOST : status;
}

/** What a session's client prints when its daemon goes and comes back. */
export function connectionNotices(name: () => string, failClosed: () => FailClosed): ConnectionEvents {
  return {
    lost: (why, stopping) => {
      const pinned =
        stopping?.kept === false
          ? 'its state was unloaded: the session is no longer enforced'
          : `the kernel keeps enforcing ${name()}'s profile and, once no daemon has read its events for the deadline (1 s by default), applies its fail-closed action (${failClosed()})`;
      console.error(`vigil: ${why}; ${pinned}; looking for a daemon again`);
    },
    back: (pid, downMs) => {
      console.error(
        `vigil: daemon ${pid} took ${name()} over after ${downMs} ms; its lines since then follow`,
      );
    },
    resumeFailed: (err) => {
      console.error(`vigil: the new daemon could not take ${name()} over: ${err.message}`);
    },
  };
}

/** The plan for --landlock auto|strict; strict never quietly becomes less than it says. */
function landlockPlan(mode: LandlockMode, profile: ProfileRef, auditOnly: boolean): LandlockPlan | undefined {
  if (mode === 'off') return undefined;
  if (mode === 'strict' && (auditOnly || profile.profile.mode === 'audit')) {
    throw new UsageError(
      'vigil run: --landlock strict refuses opens in the kernel, which audit mode must not do',
      {
        hint: "drop --audit-only (or the profile's mode: audit), or use --landlock auto",
      },
    );
  }
  const plan = planLandlock(profile.profile, mode, { auditOnly });
  if (plan.install && plan.grants.length > LANDLOCK_MAX_RULES) {
    if (mode === 'strict') {
      throw new SystemError(
        'VIGIL_LANDLOCK_TOO_BIG',
        `the Landlock plan has ${plan.grants.length} rules, over ${LANDLOCK_MAX_RULES}: a denied path sits in a folder too large to carve out`,
        { hint: 'use --landlock auto, or move the denied path out of the large folder' },
      );
    }
    return { ...plan, install: false, summary: `${plan.grants.length} rules is over ${LANDLOCK_MAX_RULES}` };
  }
  return plan;
}

/** What the session records: the launcher's report (the kernel's word) with the plan's grants. */
function landlockState(
  mode: LandlockMode,
  plan: LandlockPlan | undefined,
  report: LauncherReport,
  creds: LauncherCreds | null,
): LandlockState {
  const base = { mode, abi: null, rules: 0, skipped: 0, left: 0, grants: [], creds };
  if (plan === undefined) return { ...base, inForce: false, note: '--landlock off' };
  if (report.landlock === 'unavailable')
    return { ...base, inForce: false, note: `this kernel has no Landlock (errno ${report.errno})` };
  if (report.landlock === 'off') return { ...base, inForce: false, note: plan.summary };
  const left = [...new Set(plan.left.map((l) => l.rule))];
  return {
    mode,
    inForce: true,
    abi: report.abi,
    rules: report.rules,
    skipped: report.skipped,
    note: planNote(plan, left),
    left: left.length,
    grants: [...plan.grants],
    handled: plan.handled,
    creds,
  };
}

function planNote(plan: LandlockPlan, left: string[]): string {
  const carved =
    plan.chains.length === 0
      ? ''
      : `${plan.chains.length} folder(s) carved (entries created in them later are refused); `;
  const rest =
    left.length === 0
      ? 'no denied pattern left to the other layers'
      : `left to the other layers: ${left.join(', ')}`;
  return carved + rest;
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
