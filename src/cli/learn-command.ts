// vigil learn [--base PROFILE] -o FILE -- CMD: runs CMD under vigil run in audit mode (the base
// profile with every default `audit`), then writes the smallest profile that allows what CMD did,
// and prints on stderr what it added to the base. `vigil profile learn AUDIT.jsonl` does the
// same from lines already written.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { EXIT_CODES, SystemError, UsageError } from '../errors.js';
import type { Places } from '../learn/generalise.js';
import { learnProfile } from '../learn/learn-profile.js';
import type { BaseRef } from '../learn/learned-yaml.js';
import { learningProfileYaml } from '../learn/learning-profile.js';
import { isBuiltinProfile } from '../policy/builtin-profiles.js';
import type { Profile } from '../policy/profile-types.js';
import { isNeuronTraceText, readProfileText } from '../policy/load-any-profile.js';
import { BUILTIN_PREFIX, loadProfileSource } from '../policy/load-source.js';
import { lookupUser } from '../targeting/launch.js';
import { parseVerbArgs, requireRoot } from './args.js';
import { writeOutputFile } from './output-file.js';
import { targetUser } from './target-user.js';

const LEARN_HELP = `usage: vigil learn [--base PROFILE] -o FILE [options] -- CMD [ARGS...]

Runs CMD watched by vigil in audit mode (nothing refused: the base profile with every default
set to audit), then writes to FILE the smallest profile that allows everything CMD did: the base
with every default deny and an allowed rule for each thing only a default let through,
generalised (home -> ~, the working directory -> \${WORKSPACE}/**, version and hash folders -> *,
per-run temporary names -> their tree, many files of one folder -> the folder). What the base's
denied rules refuse is never learned; it is listed. What was added is printed on stderr.

options:
  --base PROFILE     a built-in name or a profile file (default: generic)
  -o, --output FILE  where to write the learned profile (not over an existing file)
  --force            replace FILE if it exists
  --name NAME        the learned profile's name (default: FILE's name without .yaml)
  --user NAME        run CMD as this user (default: $SUDO_USER, else root)
  --audit-log FILE   keep the run's audit lines in FILE (default: a temporary file, removed)
  -h, --help         this help`;

const PROFILE_LEARN_HELP = `usage: vigil profile learn AUDIT.jsonl... [--session ID] [--base PROFILE] [-o FILE]

Writes the smallest profile that allows what a session did, from its audit lines (see vigil
learn). Without -o the profile goes to stdout; what was added is printed on stderr.

options:
  --session ID       the session to learn from (default: the only one in the lines)
  --base PROFILE     a built-in name or a profile file (default: the session's profile when it
                     is a built-in, else generic)
  --workspace DIR    the session's working directory (default: the current directory)
  --home DIR         the agent user's home (default: the home of the session's user)
  -o, --output FILE  where to write it (not over an existing file)
  --force            replace FILE if it exists
  --name NAME        the learned profile's name
  -h, --help         this help`;

/** --base as a built-in name or a file; a NeuronTrace policy must be imported first. */
function baseRef(verb: string, given: string): BaseRef {
  if (!given.includes('/') && !given.endsWith('.yaml') && isBuiltinProfile(given)) return { builtin: given };
  const file = resolve(given);
  const text = readProfileText(file);
  if (isNeuronTraceText(text)) {
    throw new UsageError(`vigil ${verb}: ${given} is a NeuronTrace policy; import it first`, {
      hint: `vigil profile import --from neurontrace ${given} -o base.yaml`,
    });
  }
  return { file, text };
}

function learnedName(name: string | undefined, out: string | undefined, base: BaseRef): string {
  if (name !== undefined) return name;
  if (out !== undefined) return basename(out, extname(out));
  return `${'builtin' in base ? base.builtin : basename(base.file, extname(base.file))}-learned`;
}

interface Written {
  out: string | undefined;
  force: boolean;
  name: string | undefined;
}

/** The base loaded with the session's variables; a broken one is a ProfileError. */
function loadBase(base: BaseRef, places: Places): Profile {
  return loadProfileSource('builtin' in base ? `${BUILTIN_PREFIX}${base.builtin}` : base.file, places)
    .profile;
}

/** Learns from lines, writes or prints the YAML, prints the diff on stderr. */
function learnAndWrite(
  verb: string,
  lines: unknown[],
  base: { ref: BaseRef; profile: Profile },
  places: Places,
  written: Written,
  session?: string,
): void {
  const file = written.out === undefined ? '<stdout>' : resolve(written.out);
  const learned = learnProfile({
    lines,
    base: base.profile,
    baseRef: base.ref,
    places,
    name: learnedName(written.name, written.out, base.ref),
    file,
    ...(session === undefined ? {} : { session }),
  });
  if (written.out === undefined) process.stdout.write(learned.yaml);
  else writeOutputFile(verb, written.out, learned.yaml, written.force);
  console.error(learned.diff);
  if (written.out !== undefined) {
    console.error(
      `wrote ${written.out}: vigil profile '${learned.profile.name}' (vigil profile show ${written.out})`,
    );
  }
}

function readLines(file: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`vigil profile learn: cannot read ${file}: ${(e as Error).message}`);
  }
  const out: unknown[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line));
    } catch {
      throw new UsageError(`vigil profile learn: ${file}:${i + 1}: not a JSON audit line`);
    }
  });
  return out;
}

export function learnCommand(argv: string[]): number {
  const dash = argv.indexOf('--');
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const command = dash < 0 ? [] : argv.slice(dash + 1);
  const { values } = parseVerbArgs('learn', own, {
    base: { type: 'string' },
    output: { type: 'string', short: 'o' },
    force: { type: 'boolean' },
    name: { type: 'string' },
    user: { type: 'string' },
    'audit-log': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    console.log(LEARN_HELP);
    return EXIT_CODES.ok;
  }
  if (command.length === 0)
    throw new UsageError('vigil learn: give the command after --', { hint: LEARN_HELP.split('\n')[0] });
  if (values.output === undefined) {
    throw new UsageError('vigil learn: say where to write the learned profile: -o FILE', {
      hint: LEARN_HELP.split('\n')[0],
    });
  }
  requireRoot('learn');
  const base = baseRef('learn', values.base ?? 'generic');
  const user = targetUser('learn', values.user);
  const places: Places = { home: user?.home ?? process.env.HOME ?? '/root', workspace: process.cwd() };
  // the base is loaded before CMD runs, so a broken one costs nothing
  const loaded = { ref: base, profile: loadBase(base, places) };
  const dir = mkdtempSync(join(tmpdir(), 'vigil-learn-'));
  try {
    const profile = join(dir, 'learning.yaml');
    writeFileSync(profile, learningProfileYaml(base), { mode: 0o600 });
    const log = values['audit-log'] === undefined ? join(dir, 'audit.jsonl') : resolve(values['audit-log']);
    const main = fileURLToPath(new URL('./main.js', import.meta.url));
    const runArgs = ['run', '--profile', profile, '--audit-only', '--audit-log', log];
    if (values.user !== undefined) runArgs.push('--user', values.user);
    const r = spawnSync(process.execPath, [main, ...runArgs, '--', ...command], { stdio: 'inherit' });
    if (r.error !== undefined)
      throw new SystemError('VIGIL_INTERNAL', `vigil learn: cannot start vigil run: ${r.error.message}`);
    let lines: unknown[];
    try {
      lines = readLines(log);
    } catch {
      lines = [];
    }
    const started = lines.some((l) => (l as { event?: unknown }).event === 'session_start');
    if (!started) {
      console.error('vigil learn: the session did not start (see the error above); nothing learned');
      return r.status ?? EXIT_CODES.failure;
    }
    learnAndWrite('learn', lines, loaded, places, {
      out: values.output,
      force: values.force === true,
      name: values.name,
    });
    if (r.status !== 0) {
      console.error(
        `vigil learn: the command exited with status ${r.status ?? r.signal}; the profile covers what it did until then`,
      );
      return r.status ?? EXIT_CODES.failure;
    }
    return EXIT_CODES.ok;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The one session in the lines, or the one asked for. */
function pickSession(
  lines: unknown[],
  asked: string | undefined,
): { session: string; profile: string; uid: number | null } {
  const starts = lines
    .map((l) => l as { event?: unknown; session?: unknown; profile?: unknown; uid?: unknown })
    .filter((l) => typeof l.session === 'string' && l.session !== '');
  const sessions = [...new Set(starts.map((l) => l.session as string))];
  const session = asked ?? (sessions.length === 1 ? sessions[0] : undefined);
  if (session === undefined) {
    throw new UsageError(
      sessions.length === 0
        ? 'vigil profile learn: the lines name no session'
        : `vigil profile learn: the lines hold ${sessions.length} sessions; pick one with --session (${sessions.slice(0, 8).join(', ')})`,
    );
  }
  const mine = starts.filter((l) => l.session === session);
  if (mine.length === 0) throw new UsageError(`vigil profile learn: no line of session '${session}'`);
  const withUid = mine.find((l) => typeof l.uid === 'number' && l.event === 'exec');
  return {
    session,
    profile: typeof mine[0]?.profile === 'string' ? mine[0].profile : '',
    uid: withUid === undefined ? null : (withUid.uid as number),
  };
}

export function profileLearn(args: string[]): number {
  const { values, positionals } = parseVerbArgs(
    'profile learn',
    args,
    {
      session: { type: 'string' },
      base: { type: 'string' },
      workspace: { type: 'string' },
      home: { type: 'string' },
      output: { type: 'string', short: 'o' },
      force: { type: 'boolean' },
      name: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help === true) {
    console.log(PROFILE_LEARN_HELP);
    return EXIT_CODES.ok;
  }
  if (positionals.length === 0)
    throw new UsageError(`vigil profile learn: give an audit log\n${PROFILE_LEARN_HELP}`);
  if (values.force === true && values.output === undefined) {
    throw new UsageError('vigil profile learn: --force only applies with -o OUT');
  }
  const lines = positionals.flatMap(readLines);
  const picked = pickSession(lines, values.session);
  const baseName = values.base ?? (isBuiltinProfile(picked.profile) ? picked.profile : 'generic');
  const home =
    values.home ??
    (picked.uid === null ? undefined : lookupUser(String(picked.uid))?.home) ??
    process.env.HOME ??
    '/root';
  const places: Places = { home: resolve(home), workspace: resolve(values.workspace ?? process.cwd()) };
  const ref = baseRef('profile learn', baseName);
  learnAndWrite(
    'profile learn',
    lines,
    { ref, profile: loadBase(ref, places) },
    places,
    { out: values.output, force: values.force === true, name: values.name },
    picked.session,
  );
  return EXIT_CODES.ok;
}
