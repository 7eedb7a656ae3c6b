// vigil daemon: the long-running service (systemd runs it). Owns the kernel objects, serves the
// control socket, and writes every session's audit lines to its log.
import { ControlServer } from '../daemon/control-server.js';
import { DEFAULT_SOCKET } from '../daemon/control-protocol.js';
import { connectDaemon } from '../daemon/control-client.js';
import { Daemon } from '../daemon/daemon.js';
import { SystemError } from '../errors.js';
import { fileEventsFlag, parseVerbArgs, requireRoot } from './args.js';
import { openAuditOutput } from './audit-output.js';
import { untilSignal } from './watch-command.js';

const HELP = `usage: vigil daemon [options]

Runs the vigil daemon in the foreground (the systemd unit does this). CLI verbs reach it
through its control socket.

options:
  --audit-log FILE      append every session's audit lines to FILE (default: stdout)
  --socket PATH         the control socket (default: ${DEFAULT_SOCKET})
  --file-events MODE    allowed file opens to log: all, first (per path per session), none
  -h, --help            this help`;

export async function daemonCommand(argv: string[]): Promise<number> {
  const { values } = parseVerbArgs('daemon', argv, {
    'audit-log': { type: 'string' },
    socket: { type: 'string' },
    'file-events': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    console.log(HELP);
    return 0;
  }
  const fileEvents = fileEventsFlag('daemon', values['file-events']);
  requireRoot('daemon');
  const socket = values.socket ?? DEFAULT_SOCKET;
  const other = await connectDaemon(socket);
  if (other !== undefined) {
    await other.close();
    throw new SystemError('VIGIL_DAEMON_RUNNING', `a vigil daemon already serves ${socket}`, {
      hint: 'vigil status shows it; stop it first (systemctl stop vigil)',
    });
  }
  const output = openAuditOutput(values['audit-log']);
  const daemon = Daemon.start({
    ...(fileEvents === undefined ? {} : { fileEvents }),
    onLine: (line) => {
      output.write(line);
    },
  });
  const server = await ControlServer.listen(daemon, socket);
  console.error(`vigil: daemon ${process.pid} serving ${socket}`);
  // SIGHUP: load every profile in use again (a bad one keeps its old tables), reopen the log.
  process.on('SIGHUP', () => {
    const r = daemon.reloadProfiles();
    for (const bad of r.failed)
      console.error(`vigil: reload kept the previous ${bad.name}: ${bad.error.message}`);
    console.error(`vigil: reloaded ${r.reloaded.length} profile(s), ${r.failed.length} kept`);
    output.reopen();
  });
  try {
    await untilSignal();
    return 0;
  } finally {
    await server.close();
    daemon.stop();
    output.close();
  }
}
