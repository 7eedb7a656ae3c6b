// `subscribe` on the feedback socket: a reader in a session gets that session's violations as
// they come and `end`, and nothing of another session (the kernel names the caller: SO_PEERCRED,
// the readers here are child processes placed in sessions); root may name a session; a reader
// that does not keep up gets one `overflow` with the count and then the rest, while the file
// keeps every violation.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { createConnection, Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { FeedbackServer } from '../../../src/daemon/feedback-server.js';
import type { FeedbackMessage } from '../../../src/daemon/session-feedback-schema.js';
import { FAKE_PID as PID, GENERIC_REF } from '../../support/fake-kernel.js';
import { exitEvent } from '../sinks/fixture-events.js';
import { feedbackDaemon, refusedOpen } from './feedback-support.js';

type Received = Record<string, unknown> & { type?: string; seq?: number; dropped?: number };

/** The JSON lines read from `from`, and when `until` closes (a socket) or exits (a process). */
function collect(from: Readable, until: Socket | ChildProcess) {
  let out = '';
  from.setEncoding('utf8');
  from.on('data', (c: string) => {
    out += c;
  });
  const closed = new Promise<void>((resolve) => {
    until.once(until instanceof Socket ? 'close' : 'exit', () => {
      resolve();
    });
  });
  const messages = () =>
    out
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Received);
  return { closed, messages };
}

/** A reader process: subscribes and prints what it gets, until the daemon ends the stream. */
function reader(socket: string, request: object, options: { uid?: number } = {}) {
  const script = `const s = require('net').createConnection(process.argv[1]);
s.on('connect', () => s.write(process.argv[2] + '\\n'));
s.on('error', (e) => { console.error(e.message); process.exit(2); });
s.pipe(process.stdout);`;
  const child = spawn(process.execPath, ['-e', script, socket, JSON.stringify(request)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
  });
  const { closed: exited, messages } = collect(child.stdout, child);
  return { child, exited, messages };
}

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function pidOf(c: ChildProcess): number {
  assert.ok(c.pid !== undefined);
  return c.pid;
}

/** An in-process reader (this process is root, or is in the session). */
function connect(socket: string, request: object) {
  const sock: Socket = createConnection(socket);
  sock.on('connect', () => sock.write(`${JSON.stringify(request)}\n`));
  const { closed, messages } = collect(sock, sock);
  return { sock, closed, messages };
}

/** A daemon over the fake kernel with its feedback socket; `session(root)`: a run session of that root. */
async function setup(t: { after: (fn: () => unknown) => void }) {
  const made = feedbackDaemon();
  chmodSync(made.dir, 0o711); // a reader of another user reaches the socket's folder
  mkdirSync(join(made.dir, 'run'));
  const server = await FeedbackServer.listen(
    made.daemon.feedback,
    join(made.dir, 'run', 'vigil.sock'),
    made.daemon.feedbackStream,
  );
  t.after(async () => {
    await server.close();
    made.daemon.stop();
  });
  const session = (root: number) => {
    const s = made.daemon.createRunSession(GENERIC_REF, false, { auditOnly: false });
    made.daemon.adoptRoot(s.id, root);
    return s;
  };
  return { ...made, socket: join(made.dir, 'run', 'feedback.sock'), session };
}

type World = Awaited<ReturnType<typeof setup>>;

/** A test with its own daemon and feedback socket (each reader waits at most 30 s). */
function socketTest(name: string, fn: (w: World, t: TestContext) => Promise<void>): void {
  test(name, { timeout: 30_000 }, async (t) => {
    await fn(await setup(t), t);
  });
}

socketTest(
  "a reader gets its own session's violations and end; a reader in another session gets none of them",
  async ({ daemon, kernel, socket, session }) => {
    const a = session(PID);
    const b = session(PID + 100);
    const ra = reader(socket, { id: 1, op: 'subscribe' });
    a.live.add(pidOf(ra.child));
    const rb = reader(socket, { id: 1, op: 'subscribe' });
    b.live.add(pidOf(rb.child));
    await until('both readers subscribed', () => ra.messages().length === 1 && rb.messages().length === 1);
    assert.deepEqual(ra.messages()[0], {
      id: 1,
      ok: true,
      result: {
        session: a.name,
        profile: 'generic',
        profileSource: 'builtin:generic',
        rootPid: PID,
        file: daemon.feedbackStream.pathFor(a),
      },
    });
    assert.equal((rb.messages()[0]?.result as { session?: string }).session, b.name);

    kernel.deliver(refusedOpen(a.id, PID));
    await until("a's reader got the violation", () => ra.messages().length === 2);
    // the readers leave the sessions' processes, so their roots' exits end them
    a.live.delete(pidOf(ra.child));
    b.live.delete(pidOf(rb.child));
    kernel.deliver({ ...exitEvent(PID, 0), session: a.id }, { ...exitEvent(PID + 100, 0), session: b.id });
    await Promise.all([ra.exited, rb.exited]);

    const [, got, end] = ra.messages();
    assert.equal(got?.type, 'violation');
    assert.equal(got.session, a.name);
    assert.equal(got.target, '/home/u/.ssh/id_rsa');
    assert.deepEqual(
      got,
      JSON.parse(readFileSync(daemon.feedbackStream.pathFor(a) ?? '', 'utf8').split('\n')[0] ?? ''),
    );
    assert.equal(end?.type, 'end');
    assert.deepEqual(
      rb.messages().map((m) => m.type ?? 'answer'),
      ['answer', 'end'],
      "b's reader sees only its own session's end",
    );
    assert.equal(rb.messages()[1]?.violations, 0);
  },
);

socketTest(
  'root may read a named session, with its latest violations first; another user may not',
  async ({ kernel, socket, session }, t) => {
    if (process.getuid?.() !== 0) {
      t.skip('needs root (to be root, and to start a reader as another user)');
      return;
    }
    const a = session(PID);
    kernel.deliver(...Array.from({ length: 5 }, () => refusedOpen(a.id, PID)));

    const latest = connect(socket, { id: 7, op: 'subscribe', session: a.name, replay: 3, follow: false });
    await latest.closed;
    assert.deepEqual(
      latest.messages().map((m) => m.seq ?? m.id),
      [7, 3, 4, 5],
      'the answer, then the latest three',
    );

    const other = reader(socket, { id: 1, op: 'subscribe', session: a.name }, { uid: 65534 });
    await other.exited;
    assert.deepEqual(other.messages(), [
      { id: 1, ok: false, error: "only root may read another session's feedback" },
    ]);

    const outside = connect(socket, { id: 2, op: 'subscribe' });
    await outside.closed;
    assert.deepEqual(
      outside.messages(),
      [{ id: 2, ok: true, result: { session: null } }],
      'root in no session',
    );
  },
);

socketTest(
  'a reader that does not keep up gets one overflow with the count, then the rest; the file has every violation',
  async ({ daemon, kernel, socket, session }) => {
    const s = session(PID);
    s.live.add(process.pid); // this process reads as a process of the session
    const slow = connect(socket, { id: 1, op: 'subscribe' });
    await until('subscribed', () => slow.messages().length === 1);
    slow.sock.pause();
    const burst = 3000;
    // one ring-buffer batch: far more than the reader's queue and the socket buffer hold
    kernel.deliver(...Array.from({ length: burst }, () => refusedOpen(s.id, PID)));
    slow.sock.resume();
    await until('the overflow', () => slow.messages().some((m) => m.type === 'overflow'));
    s.live.delete(process.pid);
    kernel.deliver(refusedOpen(s.id, PID), { ...exitEvent(PID, 0), session: s.id });
    await slow.closed;

    const got = slow.messages().slice(1);
    const overflows = got.filter((m) => m.type === 'overflow');
    assert.equal(overflows.length, 1);
    const dropped = overflows[0]?.dropped ?? 0;
    assert.ok(dropped > 0);
    const seqs = got.filter((m) => m.type === 'violation').map((m) => m.seq ?? 0);
    assert.equal(seqs.length + dropped, burst + 1, 'each violation was sent or counted');
    assert.deepEqual(
      seqs,
      [...seqs].sort((x, y) => x - y),
      'in order',
    );
    const at = got.findIndex((m) => m.type === 'overflow');
    assert.equal(got[at + 1]?.seq, (got[at - 1]?.seq ?? 0) + dropped + 1, 'the gap is the dropped count');
    assert.equal(got.at(-1)?.type, 'end');

    const file = readFileSync(daemon.feedbackStream.pathFor(s) ?? '', 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as FeedbackMessage);
    assert.deepEqual(
      file.map((m) => (m.type === 'violation' ? m.seq : m.type)),
      [...Array.from({ length: burst + 1 }, (_, i) => i + 1), 'end'],
    );
  },
);
