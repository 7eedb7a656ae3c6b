// The control server over a daemon on a kernel in memory (test/support/fake-kernel.ts): a client
// on the socket starts a run session and hears its lines; bad requests get a coded error and
// the connection goes on; a client that disconnects does not end its session's enforcement.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { connectDaemon } from '../../../src/daemon/control-client.js';
import { ControlServer } from '../../../src/daemon/control-server.js';
import type { Daemon } from '../../../src/daemon/daemon.js';
import type { AuditLine } from '../../../src/sinks/audit-schema.js';
import { daemonOverFake, FAKE_PID, GENERIC_REF, type FakeKernel } from '../../support/fake-kernel.js';
import { exitEvent } from '../sinks/fixture-events.js';

const generic = GENERIC_REF;
const PID = FAKE_PID;

async function serve(t: TestContext): Promise<{ path: string; kernel: FakeKernel; daemon: Daemon }> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-control-'));
  const { daemon, kernel } = daemonOverFake();
  const path = join(dir, 'vigil.sock');
  const server = await ControlServer.listen(daemon, path);
  t.after(async () => {
    await server.close();
    daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { path, kernel, daemon };
}

test('a client starts a run session over the socket and hears its lines until session_end', async (t) => {
  const { path, kernel } = await serve(t);
  const client = await connectDaemon(path);
  assert.ok(client, 'the daemon answers on its socket');
  t.after(() => client.close());
  const lines: AuditLine[] = [];
  let ended: string | undefined;
  const done = new Promise<void>((resolve) => {
    void client
      .createRunSession(
        generic,
        false,
        { auditOnly: false },
        {
          line: (l) => lines.push(l),
          ended: (_id, name) => {
            ended = name;
            resolve();
          },
        },
      )
      .then(async (s) => {
        assert.ok(kernel.sessions.has(s.id));
        await client.adoptRoot(s.id, PID);
        assert.equal(kernel.watched.get(PID)?.session, s.id);
        kernel.deliver({ ...exitEvent(PID, 0), session: s.id });
      });
  });
  await done;
  assert.deepEqual(
    lines.map((l) => l.event),
    ['session_start', 'exit', 'session_end'],
  );
  assert.equal(ended, lines[0]?.session);
  const status = await client.status();
  assert.equal(status.sessions.length, 1);
  assert.notEqual(status.sessions[0]?.endedAt, null);
});

/** Sends raw lines on a fresh connection and returns the first `n` replies. */
function raw(path: string, text: string, n: number): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    const replies: unknown[] = [];
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        replies.push(JSON.parse(buf.slice(0, nl)));
        buf = buf.slice(nl + 1);
      }
      if (replies.length >= n) {
        sock.destroy();
        resolve(replies);
      }
    });
    sock.on('error', reject);
    sock.write(text);
  });
}

test('a request that is not JSON or names no known operation gets a coded error; the connection goes on', async (t) => {
  const { path } = await serve(t);
  const replies = await raw(path, 'not json\n{"id":7,"op":"nope"}\n{"id":8,"op":"hello"}\n', 3);
  assert.deepEqual(replies[0], {
    id: -1,
    ok: false,
    error: { code: 'VIGIL_PROTOCOL', message: 'request is not JSON' },
  });
  assert.match(
    JSON.stringify(replies[1]),
    /"id":7,"ok":false.*"code":"VIGIL_PROTOCOL".*unknown request 'nope'/,
  );
  assert.deepEqual(replies[2], { id: 8, ok: true, result: { pid: process.pid } });
});

test('a client that disconnects leaves its session enforced in the kernel', async (t) => {
  const { path, kernel, daemon } = await serve(t);
  const client = await connectDaemon(path);
  assert.ok(client);
  const s = await client.createRunSession(
    generic,
    false,
    { auditOnly: false },
    {
      line: () => undefined,
      ended: () => undefined,
    },
  );
  await client.adoptRoot(s.id, PID);
  await client.close();
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(kernel.sessions.has(s.id), 'the session stays in the kernel');
  assert.equal(kernel.watched.get(PID)?.session, s.id, 'its root stays watched');
  assert.equal(daemon.activeSessions().length, 1);
});
