// The socket-side UiSource over a fake DaemonHandle: lines and status pass through, ancestry
// is left to the lines, stopping drops lines (the protocol has no unsubscribe), close closes
// the UI's own connection.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { DaemonHandle } from '../../../src/daemon/control-client.js';
import type { AuditLine } from '../../../src/sinks/audit-schema.js';
import { HandleUiSource } from '../../../src/ui/ui-source.js';
import { emptyStatus, fileOpen } from './synthetic.js';

test('HandleUiSource relays the handle’s lines and status and closes it', async () => {
  let push: ((line: AuditLine) => void) | undefined;
  let filter: unknown;
  let closed = false;
  const handle = {
    inProcess: false,
    status: () => Promise.resolve(emptyStatus()),
    subscribe: (f: unknown, onLine: (line: AuditLine) => void) => {
      filter = f;
      push = onLine;
      return Promise.resolve();
    },
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  } as unknown as DaemonHandle;
  const src = new HandleUiSource(handle);
  const got: AuditLine[] = [];
  const stop = await src.subscribe((l) => got.push(l));
  assert.deepEqual(filter, {}, 'every session');
  push?.(fileOpen(1));
  assert.equal(got.length, 1);
  assert.equal((await src.status()).pid, process.pid);
  assert.equal(src.ancestry(), undefined);
  stop();
  push?.(fileOpen(2));
  assert.equal(got.length, 1, 'stopped');
  await src.close();
  assert.ok(closed);
});
