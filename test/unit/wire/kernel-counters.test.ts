// Every slot of enum vigil_stat (checked against the BTF by the wire-layout test) is named once
// in the counter table and reported by `vigil status`, in text and in JSON.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { renderStatus } from '../../../src/cli/status-command.js';
import { STAT } from '../../../src/wire/wire-layout.js';
import {
  KERNEL_COUNTERS,
  counterStrings,
  type KernelCounterValues,
} from '../../../src/wire/kernel-counters.js';
import { emptyStatus } from '../ui/synthetic.js';

test('the counter table names every slot of enum vigil_stat once', () => {
  const slots = Object.entries(STAT)
    .filter(([name]) => name !== 'VIGIL_STAT_MAX')
    .map(([, slot]) => slot)
    .sort((a, b) => a - b);
  assert.deepEqual(
    KERNEL_COUNTERS.map((c) => c.slot).sort((a, b) => a - b),
    slots,
  );
  assert.equal(new Set(KERNEL_COUNTERS.map((c) => c.key)).size, KERNEL_COUNTERS.length);
  assert.ok(KERNEL_COUNTERS.every((c) => c.slot < STAT.VIGIL_STAT_MAX));
});

test('vigil status reports every counter, in text and in JSON', () => {
  const values = Object.fromEntries(
    KERNEL_COUNTERS.map((c, i) => [c.key, BigInt(1000 + i)]),
  ) as KernelCounterValues;
  const status = { ...emptyStatus(), kernel: counterStrings(values) };
  const json = JSON.parse(JSON.stringify(status)) as { kernel: Record<string, string> };
  const text = renderStatus(status);
  for (const [i, c] of KERNEL_COUNTERS.entries()) {
    assert.equal(json.kernel[c.key], String(1000 + i), c.key);
    assert.match(text, new RegExp(`\\b${c.key} ${1000 + i}\\b`), c.key);
  }
});
