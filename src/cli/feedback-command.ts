// `vigil feedback`: a session's feedback stream for a person at a terminal: the refusals the
// kernel made in the caller's own session (or, for root, the session named), one line each with
// the rule and what to do instead; --follow waits for more until the session ends.
import { defaultSocketPath } from '../daemon/control-client.js';
import { subscribeFeedback } from '../daemon/feedback-client.js';
import { feedbackSocketPath } from '../daemon/feedback-protocol.js';
import { REPLAY_MAX } from '../daemon/session-feedback.js';
import type { FeedbackMessage } from '../daemon/session-feedback-schema.js';
import { EXIT_CODES } from '../errors.js';
import { intFlag, parseVerbArgs } from './args.js';

const USAGE = `usage: vigil feedback [--session ID] [--follow] [--last N] [--json] [--socket PATH]

Shows the violations (BLOCK, KILL, AUDIT) of the session this command runs in, as the kernel
decided them, with each rule and what to do instead (docs/feedback-stream.md). Root may name any
session (vigil status lists them).

options:
  --session ID   another session (root only)
  --follow       after the latest, show each new one until the session ends
  --last N       how many of the latest to show first (default and at most ${REPLAY_MAX})
  --json         the stream's JSON lines as they come (schemas/feedback.schema.json)
  --socket PATH  the daemon's control socket (default: $VIGIL_SOCKET or /run/vigil/vigil.sock)
  -h, --help     this help`;

export async function feedbackCommand(args: string[]): Promise<number> {
  const { values } = parseVerbArgs('feedback', args, {
    session: { type: 'string' },
    follow: { type: 'boolean' },
    last: { type: 'string' },
    json: { type: 'boolean' },
    socket: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true) {
    console.log(USAGE);
    return EXIT_CODES.ok;
  }
  const replay = Math.min(intFlag('feedback', 'last', values.last) ?? REPLAY_MAX, REPLAY_MAX);
  const json = values.json === true;
  const answer = await subscribeFeedback(
    feedbackSocketPath(values.socket ?? defaultSocketPath()),
    {
      ...(values.session === undefined ? {} : { session: values.session }),
      replay,
      follow: values.follow === true,
    },
    (m) => {
      console.log(json ? JSON.stringify(m) : text(m));
    },
  );
  if (answer.session === null) {
    console.error('vigil: this command runs in no vigil session (root may name one with --session)');
    return EXIT_CODES.failure;
  }
  return EXIT_CODES.ok;
}

function text(m: FeedbackMessage): string {
  switch (m.type) {
    case 'violation': {
      const who = m.process.pid === null ? '' : ` (${m.process.comm ?? '?'}, pid ${m.process.pid})`;
      const rule =
        m.rule.pattern === null ? (m.rule.id ?? 'no rule') : `${m.rule.id ?? ''} '${m.rule.pattern}'`;
      const explain = m.suggestion.explain === null ? '' : `\n    ${m.suggestion.explain}`;
      return `${m.ts} ${m.action} ${m.kind} ${m.target}${who} [${rule}]: ${m.reason}${explain}`;
    }
    case 'overflow':
      return `vigil: ${m.dropped} violation(s) not shown: this reader fell behind (the session's feedback file has them)`;
    case 'end':
      return `vigil: session ${m.session} ended with ${m.violations} violation(s)`;
  }
}
