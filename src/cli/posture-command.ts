// vigil posture: how exposed each agent's own guard leaves it (Claude Code, Codex, Gemini CLI,
// Cursor), scored by the rubric of docs/posture.md, with vigil's own coverage looked up here
// (the running daemon's watch rules, systemd units that run vigil watch); --watch prints a
// posture_change line for each change of those files until Ctrl-C.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

import { connectDaemon, defaultSocketPath } from '../daemon/control-client.js';
import { EXIT_CODES, UsageError } from '../errors.js';
import { postureHome } from '../posture/posture-home.js';
import { PostureWatcher } from '../posture/posture-watch.js';
import { postureChangeLine } from '../daemon/posture-line.js';
import { renderPostureText } from '../posture/render-posture.js';
import { scanPosture } from '../posture/scan-posture.js';
import { systemdCoverage } from '../posture/systemd-units.js';
import type { VigilCoverage } from '../posture/types.js';
import { parseVerbArgs } from './args.js';

const HELP = `usage: vigil posture [--json] [--user U | --home DIR] [--project DIR] [--fail-above N] [--watch]

Reads the guard of each coding agent (Claude Code, Codex, Gemini CLI, Cursor): its settings,
hooks and hook scripts, MCP servers, sandbox and approval settings, and whether vigil confines
it. Each agent gets a score from 0 (well guarded) to 100 with every reason that added to it
(docs/posture.md has the rubric).

options:
  --json          the report as JSON
  --user U        the home of user U (from the password database)
  --home DIR      the home folder DIR
                  (default: the invoking user's home; the sudo caller's under sudo)
  --project DIR   the project whose .claude/, .codex/, .gemini/, .cursor/ and .mcp.json count
                  (default: the current folder)
  --fail-above N  exit 1 when the worst score is above N (0..100)
  --watch         print a posture_change JSON line for each change of those files until Ctrl-C
  -h, --help      this help

vigil's coverage: the running daemon's watch rules (its socket is root-only: run with sudo to
count them) and the systemd units in /etc/systemd/system and /lib/systemd/system/vigil*.service
that run \`vigil watch --framework NAME\` or \`--profile FILE\`.`;

function failAbove(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) > 100)
    throw new UsageError(`vigil posture: --fail-above needs a score from 0 to 100, got '${value}'`);
  return Number(value);
}

/** The running daemon's watch rules and the systemd units, and a note when the daemon did not answer. */
async function lookUpCoverage(): Promise<{ coverage: VigilCoverage; note: string | null }> {
  const systemdUnits = systemdCoverage();
  const socket = defaultSocketPath();
  let note: string | null = null;
  let watchRules: string[] = [];
  const daemon = await connectDaemon(socket).catch(() => undefined);
  if (daemon === undefined) {
    note =
      existsSync(socket) && process.getuid?.() !== 0
        ? `the daemon's socket ${socket} is root-only: its watch rules were not counted (run with sudo)`
        : `no vigil daemon answered on ${socket}: no watch rules`;
  } else {
    try {
      watchRules = (await daemon.status()).watchRules.map((w) => w.basename);
    } catch (err) {
      note = `the daemon did not give its watch rules: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      await daemon.close();
    }
  }
  return { coverage: { watchRules, systemdUnits }, note };
}

export async function postureCommand(argv: string[]): Promise<number> {
  const { values } = parseVerbArgs('posture', argv, {
    json: { type: 'boolean' },
    user: { type: 'string' },
    home: { type: 'string' },
    project: { type: 'string' },
    'fail-above': { type: 'string' },
    watch: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    console.log(HELP);
    return EXIT_CODES.ok;
  }
  const limit = failAbove(values['fail-above']);
  const home = postureHome({ user: values.user, home: values.home });
  const project = resolve(values.project ?? process.cwd());
  const first = await lookUpCoverage();
  if (first.note !== null) console.error(`vigil posture: ${first.note}`);
  if (values.watch === true) return watchPosture(home, project, first.coverage);
  const report = scanPosture({ home, project, coverage: first.coverage });
  console.log(values.json === true ? JSON.stringify(report, null, 2) : renderPostureText(report));
  return limit !== undefined && report.worst > limit ? EXIT_CODES.failure : EXIT_CODES.ok;
}

async function watchPosture(home: string, project: string, initial: VigilCoverage): Promise<number> {
  let coverage = initial;
  const refresh = setInterval(() => {
    void lookUpCoverage().then((c) => {
      coverage = c.coverage;
    });
  }, 30_000);
  refresh.unref();
  const watcher = new PostureWatcher({ home, project, coverage: () => coverage }, (change) => {
    console.log(JSON.stringify(postureChangeLine(change, home)));
  });
  const report = watcher.start();
  const files = report.agents.reduce((n, a) => n + a.files.length, 0);
  console.error(
    `vigil posture: watching the ${files} file(s) of the report for ${home} and ${project}, worst score ${report.worst} (Ctrl-C to stop)`,
  );
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  clearInterval(refresh);
  watcher.close();
  return EXIT_CODES.ok;
}
