// vigil attach --pid N: adopts a running process and all its current and future descendants
// into a new session, and prints its audit lines until the tree exits or Ctrl-C.
import { connectOrStartDaemon } from '../daemon/control-client.js';
import { connectionNotices } from './run-command.js';
import { UsageError } from '../errors.js';
import { readStat } from '../system/proc-fs.js';
import { fileEventsFlag, intFlag, parseVerbArgs, requireRoot, SESSION_FLAGS } from './args.js';
import { openAuditOutput } from './audit-output.js';
import type { AuditWriter } from '../sinks/audit-writer.js';
import type { ProfileRef } from '../daemon/control-protocol.js';
import { connectWithProfile, profileChoice } from './profile-arg.js';
import { untilSignal } from './watch-command.js';
import { lookupUser } from '../targeting/launch.js';
import { readFileSync, readlinkSync } from 'node:fs';

const HELP = `usage: vigil attach --pid N [options]

Adopts process N and every descendant, present and future, into a new session.

options:
  --pid N               the process to attach to
  --profile FILE        the behavioral profile (YAML)
  --framework NAME      a built-in profile instead; default: generic
  --audit-log FILE      append audit lines to FILE instead of stdout
  --file-events MODE    allowed file opens to log: first (default: once per file and access
                        per session, repeats and failed lookups counted in the kernel),
                        all, none (counted only)
  --audit-only          decide and log, but refuse nothing: every BLOCK or KILL becomes AUDIT
  --capture-transcript  write the agent's logged tool input and output into tool_call lines
                        (secrets masked); without it, only each call's name, command and
                        linked kernel lines are written
  -h, --help            this help`;

export async function attachCommand(argv: string[]): Promise<number> {
  const { values } = parseVerbArgs('attach', argv, {
    pid: { type: 'string' },
    ...SESSION_FLAGS,
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    console.log(HELP);
    return 0;
  }
  const pid = intFlag('attach', 'pid', values.pid);
  if (pid === undefined) throw new UsageError('vigil attach: --pid N is required');
  const fileEvents = fileEventsFlag('attach', values['file-events']);
  requireRoot('attach');
  if (readStat(pid) === undefined) throw new UsageError(`vigil attach: no process ${pid}`);
  const owner = processOwner(pid);
  const home = owner === undefined ? '/root' : (lookupUser(String(owner))?.home ?? '/root');
  const cwd = processCwd(pid) ?? process.cwd();
  const choice = profileChoice('attach', values, { home, workspace: cwd }, 'generic');
  const known: { profile?: ProfileRef } = {};
  const { daemon, profile } = await connectWithProfile(choice, (beforeStart) =>
    connectOrStartDaemon({
      events: connectionNotices(
        () => `the session of ${pid}`,
        () => known.profile?.profile.failClosed ?? 'deny',
      ),
      beforeStart,
    }),
  );
  known.profile = profile;
  let output: AuditWriter | undefined;
  try {
    output = openAuditOutput(values['audit-log']);
    let endResolve: () => void = () => undefined;
    const ended = new Promise<void>((r) => {
      endResolve = r;
    });
    const session = await daemon.attach(
      pid,
      profile,
      {
        auditOnly: values['audit-only'] === true,
        captureTranscript: values['capture-transcript'] === true,
        ...(fileEvents === undefined ? {} : { fileEvents }),
      },
      {
        line: (line) => {
          output?.write(line);
        },
        ended: () => {
          endResolve();
        },
      },
    );
    console.error(
      `vigil: ${session.name} attached to ${pid} with ${session.processes.length} process(es) (profile ${profile.name}); Ctrl-C to detach`,
    );
    await untilSignal(ended);
    return 0;
  } finally {
    await daemon.close();
    output?.close();
  }
}

function processOwner(pid: number): number | undefined {
  try {
    const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] === undefined ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

function processCwd(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}
