// vigil watch (--framework NAME | --profile FILE): host-wide. Every exec of a program named like
// the profile's entry_comm starts a session (scripts run through a shebang included), and
// agents already running are adopted with their descendants. Prints audit lines until stopped.
import { connectOrStartDaemon } from '../daemon/control-client.js';
import { connectionNotices } from './run-command.js';
import { lookupUser } from '../targeting/launch.js';
import { UI_FLAGS, UI_HELP, startUi, uiOptionsFrom } from '../ui/cli-ui.js';
import { fileEventsFlag, parseVerbArgs, requireRoot, SESSION_FLAGS } from './args.js';
import { openAuditOutput } from './audit-output.js';
import type { AuditWriter } from '../sinks/audit-writer.js';
import type { ProfileRef } from '../daemon/control-protocol.js';
import { connectWithProfile, profileChoice } from './profile-arg.js';

const HELP = `usage: vigil watch (--framework NAME | --profile FILE) [options]

Watches the whole host for the agent the profile names (its entry_comm): each start of it
becomes a session, and agents running now are adopted with their descendants. Audit lines
go to stdout (or --audit-log FILE) until Ctrl-C.

options:
  --framework NAME      a built-in profile (vigil profile list)
  --profile FILE        a profile file
  --audit-log FILE      append audit lines to FILE instead of stdout
  --file-events MODE    allowed file opens to log: first (default: once per file and access
                        per session, repeats and failed lookups counted in the kernel),
                        all, none (counted only)
  --audit-only          decide and log, but refuse nothing: every BLOCK or KILL becomes AUDIT
  --capture-transcript  write the agent's logged tool input and output into tool_call lines
                        (secrets masked); without it, only each call's name, command and
                        linked kernel lines are written
${UI_HELP}
  -h, --help            this help

\${HOME} in the profile is the home of the user who called sudo (else root's).`;

export async function watchCommand(argv: string[]): Promise<number> {
  const { values } = parseVerbArgs('watch', argv, {
    ...SESSION_FLAGS,
    ...UI_FLAGS,
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    console.log(HELP);
    return 0;
  }
  const fileEvents = fileEventsFlag('watch', values['file-events']);
  const uiOptions = uiOptionsFrom('watch', values);
  requireRoot('watch');
  const sudoUser = process.env.SUDO_USER === undefined ? undefined : lookupUser(process.env.SUDO_USER);
  const choice = profileChoice('watch', values, {
    home: sudoUser?.home ?? '/root',
    workspace: process.cwd(),
  });
  const known: { profile?: ProfileRef } = {};
  const { daemon, profile } = await connectWithProfile(choice, (beforeStart) =>
    connectOrStartDaemon({
      events: connectionNotices(
        () => `the watch sessions of ${known.profile?.name ?? choice.given}`,
        () => known.profile?.profile.failClosed ?? 'deny',
      ),
      beforeStart,
    }),
  );
  known.profile = profile;
  let output: AuditWriter | undefined;
  let ui: Awaited<ReturnType<typeof startUi>> | undefined;
  try {
    output = openAuditOutput(values['audit-log']);
    if (uiOptions !== undefined) ui = await startUi(daemon, uiOptions, [profile]);
    await daemon.subscribe(
      { watch: true },
      (line) => {
        output?.write(line);
      },
      () => undefined,
    );
    const { rules, adopted } = await daemon.addWatch(profile, {
      auditOnly: values['audit-only'] === true,
      captureTranscript: values['capture-transcript'] === true,
      ...(fileEvents === undefined ? {} : { fileEvents }),
    });
    console.error(
      `vigil: watching for ${rules.join(', ')} (profile ${profile.name}); ${adopted.length} running agent(s) adopted; Ctrl-C to stop`,
    );
    await untilSignal();
    return 0;
  } finally {
    await ui?.close();
    await daemon.close();
    output?.close();
  }
}

/**
 * Resolves on the first SIGINT or SIGTERM, or when `until` settles. Keeps the process alive
 * meanwhile: the daemon's own handles (ring-buffer thread, socket) are unref'd so they never
 * hold a finished verb open.
 */
export function untilSignal(until?: Promise<unknown>): Promise<NodeJS.Signals | 'done'> {
  const keepAlive = setInterval(() => undefined, 1 << 30);
  return new Promise((resolve) => {
    const done = (why: NodeJS.Signals | 'done') => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      clearInterval(keepAlive);
      resolve(why);
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
    until?.then(
      () => {
        done('done');
      },
      () => {
        done('done');
      },
    );
  });
}
