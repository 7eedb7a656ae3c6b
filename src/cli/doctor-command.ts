// `vigil doctor [--json]`: probes the running kernel and prints, per protection, the backend
// vigil will use. Exit 0: vigil can enforce (maybe with fallbacks); 1: it cannot; 2: bad flags.
import { parseArgs } from 'node:util';

import { DEFAULT_SOCKET } from '../daemon/control-protocol.js';
import { defaultSocketPath } from '../daemon/control-client.js';
import { runDoctor } from '../doctor/doctor.js';
import { queryLiveDaemon } from '../doctor/live-daemon.js';
import { renderJson } from '../doctor/render-json.js';
import { renderText } from '../doctor/render-text.js';
import { EXIT_CODES } from '../errors.js';

const USAGE = `usage: vigil doctor [--json] [--socket PATH]

Probes what this kernel really allows (by loading tiny BPF programs) and prints, per
protection, the backend vigil will use and whether it is inline or reactive; then, when a
vigil daemon runs, what it has actually attached.

  --json         print one JSON document (schema_version 1) instead of the report
  --socket PATH  the daemon's control socket (default: ${DEFAULT_SOCKET})
  -h, --help     print this help

exit status: 0 vigil can enforce here (maybe with fallbacks), 1 it cannot, 2 bad flags
`;

/** Where the command writes; tests pass their own. */
export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const processIo: CommandIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

export async function doctorCommand(args: string[], io: CommandIo = processIo): Promise<number> {
  let json: boolean;
  let socket: string;
  try {
    const { values } = parseArgs({
      args,
      options: {
        json: { type: 'boolean', default: false },
        socket: { type: 'string', default: defaultSocketPath() },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.out(USAGE);
      return EXIT_CODES.ok;
    }
    json = values.json;
    socket = values.socket;
  } catch (err) {
    io.err(`vigil doctor: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return EXIT_CODES.usage;
  }
  const [{ facts, verdict }, live] = await Promise.all([runDoctor(), queryLiveDaemon(socket)]);
  io.out(json ? renderJson(facts, verdict, live) : renderText(facts, verdict, live));
  return verdict.exitCode;
}
