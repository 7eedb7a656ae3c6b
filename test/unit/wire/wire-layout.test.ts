// The TypeScript wire layouts must equal what the C compiler made of kernel/include/vigil.h.
// Needs the build (make kernel) and bpftool, not root.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

import { WIRE_ENUMS, WIRE_STRUCTS } from '../../../src/wire/wire-layout.js';
import { defineStruct } from '../../../src/wire/struct-layout.js';
import { BtfFile, layoutDifferences } from '../../support/btf.js';
import { bpfObject, repoRoot } from '../../support/paths.js';

const anchorObject = bpfObject('wire/wire_btf.bpf.o');

function loadBtf(): BtfFile {
  assert.ok(
    existsSync(anchorObject),
    `${anchorObject} is missing: run scripts/setup.sh (or make kernel) first`,
  );
  return new BtfFile(anchorObject);
}

test('every TypeScript struct layout equals the compiled BTF layout', () => {
  const btf = loadBtf();
  for (const layout of WIRE_STRUCTS) {
    const c = btf.struct(layout.cName);
    assert.ok(c, `struct ${layout.cName} has no anchor in kernel/wire/wire_btf.bpf.c`);
    assert.deepEqual(layoutDifferences(layout, c), [], `struct ${layout.cName}`);
  }
});

test('every TypeScript enum equals the compiled enum', () => {
  const btf = loadBtf();
  for (const [name, values] of Object.entries(WIRE_ENUMS)) {
    assert.deepEqual({ ...values }, btf.enumValues(name), `enum ${name}`);
  }
});

test('every struct and enum of vigil.h has a TypeScript layout', () => {
  const header = readFileSync(`${repoRoot}kernel/include/vigil.h`, 'utf8');
  const structs = [...header.matchAll(/^struct (vigil_\w+) \{/gm)].map((m) => m[1]);
  const enums = [...header.matchAll(/^enum (vigil_\w+) \{/gm)].map((m) => m[1]);
  assert.ok(structs.length >= 5, 'the header parse found the structs');
  assert.deepEqual(structs.sort(), WIRE_STRUCTS.map((s) => s.cName).sort());
  assert.deepEqual(enums.sort(), Object.keys(WIRE_ENUMS).sort());
});

test('a layout that drifted from the header is caught', () => {
  const btf = loadBtf();
  const c = btf.struct('vigil_task');
  assert.ok(c);
  // comm moved before cgroup_id: same fields, same total size, other offsets.
  const drifted = defineStruct('vigil_task', [
    ['pid', 'u32'],
    ['tgid', 'u32'],
    ['ppid', 'u32'],
    ['uid', 'u32'],
    ['gid', 'u32'],
    ['pad', 'u32'],
    ['comm', { char: 16 }],
    ['cgroup_id', 'u64'],
  ]);
  assert.equal(drifted.size, c.size);
  assert.deepEqual(layoutDifferences(drifted, c), [
    'struct vigil_task member 6: TypeScript comm@24+16, C cgroup_id@24+8',
    'struct vigil_task member 7: TypeScript cgroup_id@40+8, C comm@32+16',
  ]);
});

test('vigil.h declares its constants as enums, which the BTF check covers', () => {
  const header = readFileSync(`${repoRoot}kernel/include/vigil.h`, 'utf8');
  const defines = [...header.matchAll(/^#define (\w+)/gm)].map((m) => m[1]);
  assert.deepEqual(defines, ['VIGIL_WIRE_H'], 'a #define is not in the BTF: make it an enum constant');
});
