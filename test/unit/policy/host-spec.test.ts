import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { HostSpecError, hostMatches, parseHostSpec } from '../../../src/policy/host-spec.js';

describe('host specs (allowed_hosts, denied_hosts)', () => {
  it('exact names match themselves only, in any case, with or without the trailing dot', () => {
    const p = parseHostSpec('API.Anthropic.com');
    assert.equal(p.text, 'api.anthropic.com');
    assert.deepEqual(p.ports, []);
    for (const n of ['api.anthropic.com', 'API.ANTHROPIC.COM.', 'api.anthropic.com.'])
      assert.ok(hostMatches(p, n), n);
    for (const n of [
      'anthropic.com',
      'x.api.anthropic.com',
      'api.anthropic.com.evil.test',
      'api-anthropic.com',
    ])
      assert.ok(!hostMatches(p, n), n);
  });

  it('*.NAME matches every name below NAME, at any depth, and not NAME itself', () => {
    const p = parseHostSpec('*.githubusercontent.com');
    for (const n of ['raw.githubusercontent.com', 'a.b.githubusercontent.com'])
      assert.ok(hostMatches(p, n), n);
    for (const n of ['githubusercontent.com', 'evilgithubusercontent.com', 'githubusercontent.com.evil.test'])
      assert.ok(!hostMatches(p, n), n);
  });

  it('a port narrows the rule; ports: adds more; duplicates fold', () => {
    assert.deepEqual(parseHostSpec('registry.npmjs.org:443').ports, [443]);
    assert.deepEqual(parseHostSpec('example.com:443', [80, 443]).ports, [80, 443]);
    assert.equal(parseHostSpec('*.example.com:8443').text, '*.example.com:8443');
  });

  it("takes '*' as any name (the web-fetch opt-in), with or without a port", () => {
    const any = parseHostSpec('*');
    assert.ok(hostMatches(any, 'example.com'));
    assert.ok(hostMatches(any, 'A.B.Example.COM.'));
    assert.ok(!hostMatches(any, ''));
    assert.deepEqual(parseHostSpec('*:443').ports, [443]);
    assert.equal(parseHostSpec('*:443').text, '*:443');
  });

  it('refuses what is not a host name, with the reason', () => {
    const bad: [string, RegExp][] = [
      ['', /empty host name/],
      ['10.0.0.1', /an address, not a host name/],
      ['example.com:0', /invalid port/],
      ['example.com:99999', /invalid port/],
      ['example.com:http', /invalid port/],
      ['a*.example.com', /only allowed as a leading/],
      ['*.com', /whole top-level domain/],
      ['**', /only allowed as a leading/],
      ['exa mple.com', /not a DNS label/],
      ['a..b', /empty label/],
      ['-a.example.com', /not a DNS label/],
      [`${'a'.repeat(64)}.com`, /not a DNS label/],
    ];
    for (const [spec, why] of bad) {
      assert.throws(
        () => parseHostSpec(spec),
        (e: unknown) => e instanceof HostSpecError && why.test(e.message),
        spec,
      );
    }
    assert.throws(() => parseHostSpec('x.com', [1, 2, 3, 4, 5, 6, 7]), /at most 6 ports/);
  });
});
