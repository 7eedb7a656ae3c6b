// A node:test reporter used inside the VM: one JSON object per line for each finished test,
// diagnostic and output line, so the host can rebuild the tree and report every test as its own
// subtest (src/vmtest/guest-results.ts reads it). TAP would need a parser; this needs JSON.parse.
import { inspect } from 'node:util';

import type { TestEvent } from 'node:test/reporters';

/** One line of results.jsonl. */
export type GuestRecord =
  | {
      type: 'pass' | 'fail';
      name: string;
      nesting: number;
      file: string | null;
      suite: boolean;
      skip: string | null;
      todo: string | null;
      durationMs: number;
      error: SerializedError | null;
    }
  | { type: 'stdout' | 'stderr' | 'diagnostic'; file: string | null; message: string };

export interface SerializedError {
  message: string;
  /** The error as node's spec reporter would show it: stack, expected/actual, causes. */
  text: string;
  failureType: string | null;
}

const LOG_TAIL_LINES = 40;

function serializeError(err: unknown): SerializedError {
  const e = err as { message?: unknown; failureType?: unknown; cause?: unknown };
  // node wraps what the test threw in an ERR_TEST_FAILURE whose cause is the real error
  const inner = e.failureType === 'testCodeFailure' && e.cause !== undefined ? e.cause : err;
  const { message, log } = inner as { message?: unknown; log?: unknown };
  // a BpfError's verifier log says why at its end, past what inspect() prints of a long string
  const logTail =
    typeof log === 'string' && log.length > 2000
      ? `\n--- log (last ${LOG_TAIL_LINES} lines) ---\n${log.trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n')}`
      : '';
  return {
    message: typeof message === 'string' ? message : inspect(inner),
    text: inspect(inner, { depth: 6, breakLength: 110, maxStringLength: 600 }) + logTail,
    failureType: typeof e.failureType === 'string' ? e.failureType : null,
  };
}

function reason(v: string | boolean | undefined): string | null {
  if (v === undefined || v === false) return null;
  return v === true ? '' : v;
}

export function toRecord(event: TestEvent): GuestRecord | null {
  switch (event.type) {
    case 'test:pass':
    case 'test:fail': {
      const d = event.data;
      return {
        type: event.type === 'test:pass' ? 'pass' : 'fail',
        name: d.name,
        nesting: d.nesting,
        file: d.file ?? null,
        suite: d.details.type === 'suite',
        skip: reason(d.skip),
        todo: reason(d.todo),
        durationMs: d.details.duration_ms,
        error: 'error' in d.details ? serializeError(d.details.error) : null,
      };
    }
    case 'test:stdout':
    case 'test:stderr':
      return {
        type: event.type === 'test:stdout' ? 'stdout' : 'stderr',
        file: event.data.file,
        message: event.data.message,
      };
    case 'test:diagnostic':
      return { type: 'diagnostic', file: event.data.file ?? null, message: event.data.message };
    default:
      return null;
  }
}

export default async function* jsonlReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  for await (const event of source) {
    const r = toRecord(event);
    if (r !== null) yield `${JSON.stringify(r)}\n`;
  }
}
