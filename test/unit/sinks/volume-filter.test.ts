import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatWallNs } from '../../../src/enrich/boot-clock.js';
import {
  buildAuditLine,
  lossLine,
  sessionStartLine,
  type Decision,
  type LineContext,
} from '../../../src/sinks/audit-line.js';
import type { AuditLine } from '../../../src/sinks/audit-schema.js';
import { VolumeFilter } from '../../../src/sinks/volume-filter.js';
import { everyKind, fileEvent } from './fixture-events.js';

const ctx = (id = 's1'): LineContext => ({
  session: { id, profile: 'generic' },
  clock: { format: (k: bigint) => formatWallNs(k) },
});
const open = (path: string, flags = 0, ret = 3, id = 's1', d?: Decision): AuditLine =>
  buildAuditLine(fileEvent(100, path, flags, ret), ctx(id), d);
const decided = (action: 'BLOCK' | 'KILL' | 'AUDIT' | 'ALLOW'): Decision => ({
  action,
  enforcement: action === 'AUDIT' ? 'audit' : 'inline',
  rule: 'r',
  reason: 'because',
});

/** Every line that must pass whatever the mode. */
function neverDropped(): AuditLine[] {
  const out: AuditLine[] = everyKind()
    .filter((e) => e.kind !== 'file_open')
    .map((e) => buildAuditLine(e, ctx()));
  for (const a of ['BLOCK', 'KILL', 'AUDIT'] as const)
    out.push(open('/etc/shadow', 0, -13, 's1', decided(a)));
  const loss = lossLine({ ringbufFull: 1n, readFail: 0n, watchFull: 0n, staleEntry: 0n, alertLost: 0n });
  assert.ok(loss !== undefined);
  out.push(loss, sessionStartLine({ id: 's1', profile: 'p' }, { pid: 1, comm: 'x' }, { origin: 'run' }));
  return out;
}

describe('volume filter', () => {
  it('all: every line passes', () => {
    const f = new VolumeFilter({ fileOpens: 'all' });
    for (let i = 0; i < 3; i++) assert.equal(f.keep(open('/a')), true);
  });

  it('none: drops allowed and observed opens only', () => {
    const f = new VolumeFilter({ fileOpens: 'none' });
    assert.equal(f.keep(open('/a')), false);
    assert.equal(f.keep(open('/a', 0, 3, 's1', decided('ALLOW'))), false);
    for (const l of neverDropped()) assert.equal(f.keep(l), true, `${l.event} ${l.action}`);
    assert.equal(f.stats().suppressed, 2);
  });

  it('first: first open of a path per session, access and outcome', () => {
    const f = new VolumeFilter({ fileOpens: 'first' });
    assert.equal(f.keep(open('/a')), true);
    assert.equal(f.keep(open('/a')), false, 'the same read again');
    assert.equal(f.keep(open('/a', 0o1)), true, 'first write of /a');
    assert.equal(f.keep(open('/a', 0o2)), false, 'O_RDWR counts as a write');
    assert.equal(f.keep(open('/a', 0, -2)), true, 'first failed read of /a');
    assert.equal(f.keep(open('/a', 0, 3, 's2')), true, 'another session');
    assert.equal(f.keep(open('/b')), true);
    for (const l of neverDropped()) {
      assert.equal(f.keep(l), true);
      assert.equal(f.keep(l), true, `repeated ${l.event} ${l.action}`);
    }
  });

  it('first: when its memory is full it lets lines through and counts them', () => {
    const f = new VolumeFilter({ fileOpens: 'first', maxBytes: 160 }); // two short paths;
    assert.equal(f.keep(open('/one')), true);
    assert.equal(f.keep(open('/two')), true);
    assert.equal(f.keep(open('/one')), false, 'remembered');
    assert.equal(f.keep(open('/three')), true, 'full: emitted');
    assert.equal(f.keep(open('/three')), true, 'full: emitted again, not remembered');
    assert.equal(f.stats().overflowed, 2);
    f.forgetSession('s1');
    assert.equal(f.stats().rememberedBytes, 0);
    assert.equal(f.keep(open('/one')), true, 'forgotten with its session');
  });
});
