// The name-similarity pieces under the typosquat index: the banded edit distance against a plain
// full-matrix one on random names, the look-alike skeleton, and how listed names are keyed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { deletions, editDistance, sepless, skeleton } from '../../../src/detect/installs/name-similarity.js';
import { popularList } from '../../../src/detect/installs/popular-lists.js';
import { goModuleRoot, isPopular, nameKey } from '../../../src/detect/installs/typosquat-index.js';

/** optimal string alignment distance, the whole matrix */
function reference(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = v;
    }
  }
  return at(a.length, b.length);
}

describe('editDistance', () => {
  it('counts a transposition, an insertion, a deletion and a substitution as one edit', () => {
    assert.equal(editDistance('axios', 'axois', 2), 1);
    assert.equal(editDistance('requests', 'requestss', 2), 1);
    assert.equal(editDistance('mongoose', 'mongose', 2), 1);
    assert.equal(editDistance('django', 'diango', 2), 1);
    assert.equal(editDistance('lodash', 'lodash', 2), 0);
  });
  it('agrees with the full matrix up to its bound, on 5,000 random pairs', () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const word = () => Array.from({ length: 1 + rand(10) }, () => 'abcde-'[rand(6)] as string).join('');
    for (let k = 0; k < 5000; k++) {
      const a = word();
      const b =
        rand(2) === 0
          ? word()
          : `${a.slice(0, rand(a.length + 1))}${rand(2) === 0 ? 'a' : 'b'}${a.slice(rand(a.length + 1))}`;
      const max = 1 + rand(2);
      const want = Math.min(reference(a, b), max + 1);
      assert.equal(editDistance(a, b, max), want, `${a} ${b} ${max}`);
    }
  });
});

describe('skeleton and keys', () => {
  it('maps look-alikes to one letter', () => {
    assert.equal(skeleton('jeIlyfish'), 'jellyfish');
    assert.equal(skeleton('co1ors'), 'colors');
    assert.equal(skeleton('l0dash'), 'lodash');
    assert.equal(skeleton('lоdash'), 'lodash'); // Cyrillic о
    assert.equal(skeleton('ｒｅａｃｔ'), 'react'); // fullwidth
    assert.equal(skeleton('modernizr'), 'modemizr'); // rn reads as m, on both sides of a comparison
  });
  it('takes separators out and lists one-deletion neighbours', () => {
    assert.equal(sepless('cross-env'), 'crossenv');
    assert.deepEqual(deletions('abc'), ['abc', 'bc', 'ac', 'ab']);
  });
  it('keys names the way each registry compares them', () => {
    assert.equal(nameKey('pypi', 'Flask_SQLAlchemy'), 'flask-sqlalchemy');
    assert.equal(nameKey('cargo', 'serde_json'), 'serde-json');
    assert.equal(nameKey('npm', 'JSONStream'), 'jsonstream');
    assert.equal(goModuleRoot('github.com/cli/cli/v2/cmd/gh'), 'github.com/cli/cli');
    assert.equal(goModuleRoot('golang.org/x/tools/cmd/goimports'), 'golang.org/x/tools');
    assert.equal(goModuleRoot('gopkg.in/yaml.v3'), 'gopkg.in/yaml.v3');
  });
  it('knows every name of every list', () => {
    for (const e of ['npm', 'pypi', 'cargo', 'go', 'rubygems', 'debian'] as const) {
      const names = popularList(e).names;
      assert.ok(names.length > 500, `${e}: ${names.length}`);
      assert.deepEqual(
        names.filter((n) => !isPopular(e, n)),
        [],
        e,
      );
    }
  });
});
