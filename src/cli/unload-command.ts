// vigil unload: removes vigil from the kernel. Stops the running daemon with --unload, or, when
// none runs, removes the pinned state a dead daemon left (this build's, or with --all every
// build's): every watched process stops being watched and enforced, and says how many.
import { defaultSocketPath, stopDaemon } from '../daemon/control-client.js';
import { removeState, statePathFor } from '../daemon/daemon-state.js';
import { defaultPinRoot, pinnedStates, removeEmptyPinRoot, removePinFolder } from '../loader/pinned-state.js';
import { parseVerbArgs, requireRoot } from './args.js';

const HELP = `usage: vigil unload [--socket PATH]

Removes vigil's hooks and tables from the kernel: stops the running daemon (as
\`vigil daemon stop --unload\` does) or, when no daemon runs, removes the state pinned under
$VIGIL_PIN_ROOT (default /sys/fs/bpf/vigil), of every vigil build. Sessions still running are
no longer watched or enforced afterwards: vigil says how many processes that concerns.`;

export async function unloadCommand(argv: string[]): Promise<number> {
  const { values } = parseVerbArgs('unload', argv, {
    socket: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    console.log(HELP);
    return 0;
  }
  requireRoot('unload');
  const socket = values.socket ?? defaultSocketPath();
  if (await stopDaemon(socket, true)) console.error(`vigil: the daemon at ${socket} stopped and unloaded`);
  const root = defaultPinRoot();
  const left = pinnedStates(root);
  for (const { dir, watched } of left) {
    removePinFolder(dir);
    console.error(
      `vigil: removed ${dir}${watched > 0 ? `: ${watched} process(es) are no longer watched or enforced` : ''}`,
    );
  }
  removeState(statePathFor(socket));
  removeEmptyPinRoot(root);
  if (left.length === 0) console.error(`vigil: nothing pinned under ${root}`);
  return 0;
}
