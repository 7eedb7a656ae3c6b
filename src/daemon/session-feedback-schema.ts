// The session feedback stream's messages, defined once: TypeBox gives the TypeScript types, the
// validator and the published JSON Schema (schemas/feedback.schema.json, written by
// scripts/gen-audit-schema.ts; a unit test fails when the committed file is stale). One message
// per JSON line, in the session's feedback file and on the feedback socket's `subscribe`
// (docs/feedback-stream.md). Each violation is made from one audit line of the session: the
// kernel's decision, explained; nothing here decides anything.
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';

/** Bumped when a key is removed, renamed or changes type (adding an optional key does not). */
export const FEEDBACK_SCHEMA_VERSION = 1;

/** The audit actions a violation can have: refused, killed, or recorded in audit mode. */
export const VIOLATION_ACTIONS = ['BLOCK', 'KILL', 'AUDIT'] as const;

const SchemaVersion = Type.Literal(FEEDBACK_SCHEMA_VERSION, { description: 'Version of this format.' });
const Ts = Type.String({
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$',
  description: 'RFC 3339 UTC with milliseconds.',
});
const SessionName = Type.String({ minLength: 1, description: 'The session id, as `vigil status` shows it.' });
const NullableString = (description: string) => Type.Union([Type.String(), Type.Null()], { description });

const Violation = Type.Object(
  {
    type: Type.Literal('violation'),
    schema_version: SchemaVersion,
    ts: { ...Ts, description: "The audit line's time: when the kernel saw the call." },
    session: SessionName,
    profile: Type.String({ description: "The session's profile name." }),
    seq: Type.Integer({
      minimum: 1,
      description:
        '1, 2, 3, ... per session: the same number in the file and on the socket, so a reader that saw an overflow knows which it missed (the file has them all).',
    }),
    kind: Type.String({
      minLength: 1,
      description:
        "The audit line's event: file_open, exec, net_connect, udp_send, unlink, rename, socket_create, ptrace, signal, exec_memory, syscall, dns_query, sni_check.",
    }),
    action: Type.Union(
      VIOLATION_ACTIONS.map((a) => Type.Literal(a)),
      {
        description:
          'BLOCK: the call failed, refused before it completed; KILL: the process was killed; AUDIT: a rule matched in audit mode and the call went ahead.',
      },
    ),
    refused: Type.Boolean({
      description: 'true for BLOCK and KILL (retrying gets the same answer); false for AUDIT.',
    }),
    enforcement: Type.Union([Type.Literal('inline'), Type.Literal('reactive'), Type.Literal('audit')], {
      description: "The audit line's enforcement: inline, reactive (acted on after the call) or audit.",
    }),
    backend: Type.String({ minLength: 1, description: 'The hook that decided (audit line `backend`).' }),
    target: Type.String({
      description:
        'What was refused: the path (file_open, exec, unlink), `from -> to` (rename), `host:port` (net_connect, udp_send, sni_check; the name when DNS gave one), the name (dns_query), `pid N (comm)` (ptrace, signal), the call and protection (exec_memory), the socket family and type (socket_create), the system call (syscall).',
    }),
    process: Type.Object(
      {
        pid: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], {
          description: 'The process that made the call; null when the line has none (dns_query, sni_check).',
        }),
        comm: NullableString('Its kernel task name.'),
        exe: NullableString('The program it runs, when known.'),
      },
      { additionalProperties: false },
    ),
    rule: Type.Object(
      {
        id: NullableString(
          "The deciding rule's id as in the audit line: `denied_paths[3]`, `default`, `hardening`, `ptrace`, ...",
        ),
        pattern: NullableString('The rule as written in the profile, for a rule of a list; else null.'),
        origin: NullableString('Where it is written, `file:line`, for a rule of a list; else null.'),
      },
      { additionalProperties: false },
    ),
    attribution: Type.Optional(
      Type.Literal('inferred', {
        description:
          "Present when the kernel refused without naming a rule (Landlock, a read-only mount): the rule is vigil's inference from the profile.",
      }),
    ),
    reason: Type.String({ description: "The audit line's reason: the kernel's decision explained." }),
    suggestion: Type.Object(
      {
        text: Type.String({ description: 'What to do instead, for an agent or a person.' }),
        explain: NullableString(
          'The `vigil profile explain` command that shows the rule, when the kind has one.',
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, description: "One of the session's refusals (or audited violations)." },
);

const Overflow = Type.Object(
  {
    type: Type.Literal('overflow'),
    session: SessionName,
    dropped: Type.Integer({
      minimum: 1,
      description:
        'Violations not sent to this reader because it read too slowly; the file has every one (their seq numbers are the gap).',
    }),
  },
  { additionalProperties: false, description: 'Socket only: this reader fell behind.' },
);

const End = Type.Object(
  {
    type: Type.Literal('end'),
    schema_version: SchemaVersion,
    ts: { ...Ts, description: 'When the daemon saw the session end.' },
    session: SessionName,
    violations: Type.Integer({ minimum: 0, description: 'Violations of the session (the last seq).' }),
    unwritten: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'Violations left out of the file once it reached its size limit (the audit log has them).',
      }),
    ),
  },
  { additionalProperties: false, description: 'The session ended: the last message.' },
);

export const FeedbackMessageSchema = Type.Union([Violation, Overflow, End], {
  title: 'vigil session feedback',
  description: "One JSON line of a session's feedback stream (file and socket). See docs/feedback-stream.md.",
});

export type FeedbackViolation = Static<typeof Violation>;
export type FeedbackOverflow = Static<typeof Overflow>;
export type FeedbackEnd = Static<typeof End>;
export type FeedbackMessage = Static<typeof FeedbackMessageSchema>;

const compiled: { check?: TypeCheck<typeof FeedbackMessageSchema> } = {};

/** Whether a value is a feedback message (tests, and readers in TypeScript). */
export function validateFeedbackMessage(value: unknown): value is FeedbackMessage {
  compiled.check ??= TypeCompiler.Compile(FeedbackMessageSchema);
  return compiled.check.Check(value);
}

/** The published JSON Schema: plain JSON, draft named. */
export function feedbackJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...(JSON.parse(JSON.stringify(FeedbackMessageSchema)) as Record<string, unknown>),
  };
}
