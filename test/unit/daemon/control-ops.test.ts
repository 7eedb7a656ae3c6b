// CONTROL_OPS, the metrics' list of control ops, is the Request union's ops: the type check in
// control-protocol.ts fails to compile otherwise; here each listed op is also one the server handles.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { CONTROL_OPS, CONTROL_OPS_MATCH_REQUESTS } from '../../../src/daemon/control-protocol.js';
import { repoRoot } from '../../support/paths.js';

test('every control op is listed once and handled by the control server', () => {
  assert.equal(CONTROL_OPS_MATCH_REQUESTS, true);
  assert.equal(new Set(CONTROL_OPS).size, CONTROL_OPS.length);
  const server = readFileSync(`${repoRoot}src/daemon/control-server.ts`, 'utf8');
  for (const op of CONTROL_OPS)
    assert.ok(server.includes(`case '${op}':`), `control-server.ts handles ${op}`);
});
