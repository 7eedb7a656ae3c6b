// Rebuilds the test tree from the guest's results.jsonl (written by jsonl-reporter.ts): node
// reports a test after its subtests, so children collect at depth n+1 until their parent, at
// depth n, arrives. Output lines stay with the file that printed them.
import type { GuestRecord, SerializedError } from './jsonl-reporter.js';

export type GuestStatus = 'pass' | 'fail' | 'skip' | 'todo';

export interface GuestTest {
  name: string;
  status: GuestStatus;
  /** skip/todo reason ('' when none was given). */
  reason: string;
  suite: boolean;
  durationMs: number;
  error: SerializedError | null;
  children: GuestTest[];
}

export interface GuestFile {
  /** Path of the test file inside the VM (the host's path: the root is shared). */
  file: string;
  tests: GuestTest[];
  /** What the file printed to stdout/stderr, in order. */
  output: string[];
}

export interface GuestSummary {
  files: GuestFile[];
  /** Diagnostics not tied to a file (node's final counts). */
  diagnostics: string[];
  /** Lines that were not valid records (a truncated file after a timeout, say). */
  badLines: number;
}

type TestRecord = Extract<GuestRecord, { type: 'pass' | 'fail' }>;

function isTestRecord(r: GuestRecord): r is TestRecord {
  return r.type === 'pass' || r.type === 'fail';
}

function statusOf(r: TestRecord): GuestStatus {
  if (r.type === 'fail') return 'fail';
  if (r.skip !== null) return 'skip';
  return r.todo !== null ? 'todo' : 'pass';
}

export function parseGuestResults(text: string): GuestSummary {
  const files = new Map<string, { pending: GuestTest[][]; output: string[] }>();
  const diagnostics: string[] = [];
  let badLines = 0;
  const fileState = (file: string) => {
    let s = files.get(file);
    if (s === undefined) {
      s = { pending: [], output: [] };
      files.set(file, s);
    }
    return s;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let r: GuestRecord;
    try {
      r = JSON.parse(line) as GuestRecord;
    } catch {
      badLines++;
      continue;
    }
    if (isTestRecord(r)) {
      const s = fileState(r.file ?? '(no file)');
      const children = s.pending[r.nesting + 1] ?? [];
      s.pending[r.nesting + 1] = [];
      const node: GuestTest = {
        name: r.name,
        status: statusOf(r),
        reason: r.skip ?? r.todo ?? '',
        suite: r.suite,
        durationMs: r.durationMs,
        error: r.error,
        children,
      };
      (s.pending[r.nesting] ??= []).push(node);
    } else {
      const { file, message } = r;
      if (file === null) diagnostics.push(message);
      else fileState(file).output.push(message);
    }
  }
  return {
    files: [...files].map(([file, s]) => ({ file, tests: s.pending[0] ?? [], output: s.output })),
    diagnostics,
    badLines,
  };
}

/** Every test in the tree, depth first, with its path of names. */
export function* walkTests(
  tests: readonly GuestTest[],
  path: string[] = [],
): Generator<[string[], GuestTest]> {
  for (const t of tests) {
    const p = [...path, t.name];
    yield [p, t];
    yield* walkTests(t.children, p);
  }
}
