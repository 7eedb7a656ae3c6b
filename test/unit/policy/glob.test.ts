import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { POLICY_NAME_MAX, POLICY_PATH_BOUND } from '../../../src/wire/wire-layout.js';
import { PatternSyntaxError, formatPattern, parsePattern } from '../../../src/policy/glob-parse.js';
import { classifyPattern } from '../../../src/policy/glob-classify.js';
import { compileGlob, compilePattern, compilePlan } from '../../../src/policy/glob-match.js';
import { normalisePath } from '../../../src/policy/normal-path.js';

const text = (p: ReturnType<typeof normalisePath>): string => Buffer.from(p.bytes).toString('utf8');
const matches = (pattern: string, path: string | Uint8Array): boolean =>
  compilePattern(pattern).matches(normalisePath(path));

describe('normalisePath', () => {
  it('collapses //, drops . and trailing /, resolves .. lexically', () => {
    assert.equal(text(normalisePath('/a//b/./c/')), '/a/b/c');
    assert.equal(text(normalisePath('/a/b/../c')), '/a/c');
    assert.equal(text(normalisePath('/../../x')), '/x');
    assert.equal(text(normalisePath('/')), '/');
    assert.equal(text(normalisePath('//')), '/');
    assert.equal(text(normalisePath('/a/..')), '/');
    assert.equal(text(normalisePath('/a/...')), '/a/...');
  });

  it('records component offsets', () => {
    const p = normalisePath('/ab//c/');
    assert.deepEqual(
      [p.starts, p.ends],
      [
        [1, 4],
        [3, 5],
      ],
    );
    assert.deepEqual(normalisePath('/').starts, []);
  });

  it('keeps non-ASCII and non-UTF-8 bytes as they are', () => {
    assert.deepEqual([...normalisePath('/é').bytes], [0x2f, 0xc3, 0xa9]);
    const raw = Uint8Array.of(0x2f, 0xff, 0xfe, 0x2f, 0x2f);
    assert.deepEqual([...normalisePath(raw).bytes], [0x2f, 0xff, 0xfe]);
  });

  it('rejects relative paths and NUL bytes', () => {
    assert.throws(() => normalisePath('a/b'), TypeError);
    assert.throws(() => normalisePath(''), TypeError);
    assert.throws(() => normalisePath('/a\0b'), /NUL/);
  });
});

describe('glob syntax', () => {
  it('* matches within one component, including empty and dotfiles, never /', () => {
    assert.ok(matches('/home/*/x', '/home/u/x'));
    assert.ok(matches('/a/b*', '/a/b'));
    assert.ok(matches('/a/*', '/a/.hidden'));
    assert.ok(!matches('/home/*/x', '/home/u/v/x'));
    assert.ok(!matches('/a/*', '/a'));
    assert.ok(matches('/a/*.txt', '/a/notes.txt'));
    assert.ok(!matches('/a/*.txt', '/a/notes.txt.bak'));
    assert.ok(matches('/a/*b*c', '/a/xxbyybzc'));
  });

  it('? matches exactly one byte', () => {
    assert.ok(matches('/tmp/?', '/tmp/a'));
    assert.ok(!matches('/tmp/?', '/tmp/ab'));
    assert.ok(!matches('/tmp/?', '/tmp'));
    // é is two bytes in UTF-8: one ? is not enough, two are.
    assert.ok(!matches('/tmp/?', '/tmp/é'));
    assert.ok(matches('/tmp/??', '/tmp/é'));
  });

  it('** as a whole component matches zero or more components', () => {
    assert.ok(matches('/a/**', '/a'));
    assert.ok(matches('/a/**', '/a/b/c/d'));
    assert.ok(!matches('/a/**', '/ab'));
    assert.ok(!matches('/a/**', '/'));
    assert.ok(matches('/**/.env', '/.env'));
    assert.ok(matches('/**/.env', '/srv/app/.env'));
    assert.ok(!matches('/**/.env', '/srv/app/.env.example'));
    assert.ok(matches('/a/**/z', '/a/z'));
    assert.ok(matches('/a/**/z', '/a/b/c/z'));
    assert.ok(!matches('/a/**/z', '/a/b/c/z/y'));
    assert.ok(matches('/**', '/'));
    assert.ok(matches('/**', '/anything/at/all'));
    assert.ok(matches('/a/**/b/**/c', '/a/x/b/y/b/z/c'));
  });

  it('character classes: sets, ranges, negation, ] first, escapes', () => {
    assert.ok(matches('/x/[abc]', '/x/b'));
    assert.ok(!matches('/x/[abc]', '/x/d'));
    assert.ok(matches('/x/file[0-9]', '/x/file7'));
    assert.ok(!matches('/x/file[0-9]', '/x/filea'));
    assert.ok(matches('/x/[!a]', '/x/b'));
    assert.ok(matches('/x/[^a]', '/x/b'));
    assert.ok(!matches('/x/[!a]', '/x/a'));
    assert.ok(matches('/x/[]a]', '/x/]'));
    assert.ok(matches('/x/[a-]', '/x/-'));
    assert.ok(matches('/x/[\\]]', '/x/]'));
    // A negated class matches one byte of a multi-byte character, like ?.
    assert.ok(matches('/x/[!a][!a]', '/x/é'));
  });

  it('a backslash escapes a metacharacter', () => {
    assert.ok(matches('/x/a\\*b', '/x/a*b'));
    assert.ok(!matches('/x/a\\*b', '/x/azzb'));
    assert.ok(matches('/x/\\?', '/x/?'));
    assert.ok(matches('/x/\\[a]', '/x/[a]'));
  });

  it('matches non-ASCII bytes literally and with *', () => {
    assert.ok(matches('/home/zoë/**', '/home/zoë/.ssh/id_rsa'));
    assert.ok(!matches('/home/zoë/**', '/home/zoe/.ssh/id_rsa'));
    assert.ok(matches('/data/*.txt', '/data/日本語.txt'));
    assert.ok(matches('/data/*', Uint8Array.of(0x2f, 0x64, 0x61, 0x74, 0x61, 0x2f, 0xff, 0x80)));
  });

  it('is case-sensitive', () => {
    assert.ok(!matches('/etc/Shadow', '/etc/shadow'));
  });

  it('normalises the pattern like a path', () => {
    assert.equal(formatPattern(parsePattern('/a//b/./c')), '/a/b/c');
    assert.equal(formatPattern(parsePattern('/a/b/../c')), '/a/c');
    assert.equal(formatPattern(parsePattern('/a/**/**/b')), '/a/**/b');
    assert.equal(formatPattern(parsePattern('/a/\\*[!b-d]?')), '/a/\\*[!b-d]?');
  });
});

describe('glob errors', () => {
  const bad: [string, RegExp][] = [
    ['', /empty pattern/],
    ['relative/x', /must be an absolute path/],
    ['**/.env', /did you mean '\/\*\*\/\.env'/],
    ['/a/b/', /ends with '\/'.*'\/a\/b\/\*\*'/],
    ['/a/**b', /'\*\*' must be a whole path component/],
    ['/a/***', /'\*\*' must be a whole path component/],
    ['/a/[bc', /unclosed character class/],
    ['/a/[z-a]', /reversed range/],
    ['/a/[é]', /only list ASCII/],
    ['/a/*/../b', /'\.\.' after the wildcard component/],
    ['/a/**/..', /'\.\.' after the wildcard component/],
    ['/a/b\\', /at the end of component/],
    ['/a\\/b', /cannot be escaped/],
    ['/a\0b', /NUL/],
  ];
  for (const [pattern, message] of bad) {
    it(`refuses ${JSON.stringify(pattern)}`, () => {
      assert.throws(
        () => parsePattern(pattern),
        (e: unknown) => e instanceof PatternSyntaxError && message.test(e.message),
      );
    });
  }
});

describe('classifyPattern', () => {
  const plan = (p: string) => classifyPattern(parsePattern(p));

  it('exact for literal paths', () => {
    assert.deepEqual(plan('/etc/shadow'), {
      strategy: 'exact',
      pattern: '/etc/shadow',
      path: '/etc/shadow',
      overBound: false,
    });
    assert.equal(plan('/').strategy, 'exact');
    assert.equal(plan('/a/\\*').strategy, 'exact');
  });

  it('prefix for /dir/**', () => {
    assert.deepEqual(plan('/home/u/.ssh/**'), {
      strategy: 'prefix',
      pattern: '/home/u/.ssh/**',
      prefix: '/home/u/.ssh',
      overBound: true,
    });
    assert.deepEqual(plan('/**'), { strategy: 'prefix', pattern: '/**', prefix: '/', overBound: true });
  });

  it('suffix for /**/literal...', () => {
    assert.deepEqual(plan('/**/.env'), {
      strategy: 'suffix',
      pattern: '/**/.env',
      suffix: '/.env',
      overBound: true,
    });
    assert.equal(plan('/**/.git/config').strategy, 'suffix');
  });

  it('contains for /**/literal.../**', () => {
    assert.deepEqual(plan('/**/.aws/**'), {
      strategy: 'contains',
      pattern: '/**/.aws/**',
      run: '/.aws',
      overBound: true,
    });
    assert.equal(plan('/**/.config/gcloud/**').strategy, 'contains');
    assert.equal(plan('/**/**/a/**/**').strategy, 'contains');
  });

  it('glob for the rest, with byte bounds', () => {
    const g = plan('/etc/shadow*');
    assert.equal(g.strategy, 'glob');
    assert.equal(g.minBytes, '/etc/shadow'.length);
    assert.equal(g.maxBytes, '/etc'.length + 1 + POLICY_NAME_MAX);
    assert.equal(g.overBound, false);
    const deep = plan('/a/**/b*');
    assert.equal(deep.strategy, 'glob');
    assert.equal(deep.overBound, true);
    assert.equal(deep.maxBytes, null);
    assert.equal(plan('/a/**/x/**').strategy, 'glob');
    assert.equal(plan('/**/x*/**').strategy, 'glob');
    assert.equal(plan('/a/*/b').strategy, 'glob');
  });

  it('a glob without ** whose longest match passes the bound is overBound', () => {
    const many = '/' + Array.from({ length: 20 }, () => '*').join('/');
    const p = plan(many);
    assert.equal(p.strategy, 'glob');
    assert.equal(p.overBound, true);
    assert.ok(20 * (POLICY_NAME_MAX + 1) > POLICY_PATH_BOUND);
  });

  it('is plain data (JSON round-trips)', () => {
    const p = plan('/a/[!x]?/**/b*c');
    assert.deepEqual(JSON.parse(JSON.stringify(p)), p);
  });
});

describe('strategy matchers agree with the general matcher', () => {
  // The kernel uses the strategy; the general matcher is the definition. They must never differ.
  const patterns = [
    '/a',
    '/a/b',
    '/',
    '/a/**',
    '/**',
    '/**/b',
    '/**/a/b',
    '/**/a/**',
    '/**/b/a/**',
    '/**/é/**',
    '/**/a.b/b1/**',
    '/a/*',
    '/*/b?',
    '/a/**/b',
    '/[ab]/**',
    '/é/**',
    '/**/é',
  ];
  const alphabet = ['a', 'b', 'ab', 'ba', 'é', 'b1', 'a.b'];
  let seed = 42;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  it('on 5,000 random paths per pattern', () => {
    for (const pattern of patterns) {
      const comps = parsePattern(pattern);
      const viaPlan = compilePlan(classifyPattern(comps));
      const general = compileGlob(comps);
      for (let i = 0; i < 5000; i++) {
        const depth = rand(5);
        const path = '/' + Array.from({ length: depth }, () => alphabet[rand(alphabet.length)]).join('/');
        const p = normalisePath(path);
        assert.equal(viaPlan.matches(p), general(p), `${pattern} vs ${path}`);
      }
    }
  });
});

describe('matcher cost', () => {
  it('stays linear-ish on adversarial patterns and long paths', () => {
    const pattern = compilePattern('/**/a*a*a*a*b/**/a*a*a*a*c');
    const path = normalisePath('/' + Array.from({ length: 300 }, () => 'a'.repeat(12)).join('/'));
    const start = process.hrtime.bigint();
    assert.equal(pattern.matches(path), false);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    assert.ok(ms < 500, `took ${ms} ms`);
  });
});
