import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { CONFIG_SCHEMA_FILE, renderConfigSchema } from '../../../scripts/gen-config-schema.js';
import { EMPTY_CONFIG, parseVigilConfig } from '../../../src/config/load-config.js';
import { repoRoot } from '../../support/paths.js';

const schema = JSON.parse(readFileSync(CONFIG_SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

/** Every `properties` entry of the schema, with where it is. */
function properties(node: unknown, at: string, out: [string, Record<string, unknown>][] = []) {
  if (Array.isArray(node)) {
    node.forEach((n: unknown, i) => properties(n, `${at}[${i}]`, out));
  } else if (typeof node === 'object' && node !== null) {
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (k === 'properties' && typeof v === 'object' && v !== null) {
        for (const [name, p] of Object.entries(v)) out.push([`${at}.${name}`, p as Record<string, unknown>]);
      }
      properties(v, `${at}.${k}`, out);
    }
  }
  return out;
}

/** The YAML blocks of a Markdown file that are vigil.yaml documents (they start with `version:`). */
function yamlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((m) => m[1] ?? '')
    .filter((b) => /^version:/m.test(b));
}

describe('the published JSON Schema', () => {
  it('is current (run node dist/scripts/gen-config-schema.js)', async () => {
    assert.equal(readFileSync(CONFIG_SCHEMA_FILE, 'utf8'), await renderConfigSchema());
  });

  it('describes every key', () => {
    const undescribed = properties(schema, '')
      .filter(([, p]) => typeof p.description !== 'string' || p.description === '')
      .map(([where]) => where);
    assert.deepEqual(undescribed, []);
  });

  it('refuses unknown keys everywhere', () => {
    const open: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (Array.isArray(node)) {
        node.forEach((n: unknown, i) => {
          walk(n, `${at}[${i}]`);
        });
      } else if (typeof node === 'object' && node !== null) {
        const o = node as Record<string, unknown>;
        if (o.type === 'object' && o.additionalProperties !== false) open.push(at);
        for (const [k, v] of Object.entries(o)) walk(v, `${at}.${k}`);
      }
    };
    walk(schema, '');
    assert.deepEqual(open, []);
  });

  it('takes what the loader takes, and refuses a key of another exporter type', () => {
    const ok = parse(`version: 1
metrics: { listen: "127.0.0.1:9464" }
exporters:
  - { name: siem, type: syslog, address: "127.0.0.1:6514", protocol: tls, tls: { server_name: siem } }
  - { name: hook, type: webhook, url: "https://x/h", headers: { Authorization: "Bearer t" } }
  - { name: otel, type: otlp, url: "http://127.0.0.1:4318" }
`) as unknown;
    assert.ok(validate(ok), JSON.stringify(validate.errors));
    assert.equal(
      validate(
        parse('version: 1\nexporters:\n  - { name: s, type: syslog, address: "x:1", url: "http://x" }\n'),
      ),
      false,
    );
    assert.equal(validate(parse('version: 1\nexporters:\n  - { name: s, type: syslog }\n')), false);
    assert.equal(
      validate(
        parse('version: 1\nexporters:\n  - { name: h, type: webhook, url: "http://x", timeout: 10 }\n'),
      ),
      false,
    );
  });
});

describe('the files that show a configuration', () => {
  it('packaging/vigil.yaml, as installed, configures nothing and passes the schema', () => {
    const text = readFileSync(`${repoRoot}packaging/vigil.yaml`, 'utf8');
    assert.deepEqual(parseVigilConfig(text, 'packaging/vigil.yaml'), EMPTY_CONFIG);
    assert.ok(validate(parse(text)), JSON.stringify(validate.errors));
  });

  it("packaging/vigil.yaml's commented example, uncommented, is a valid configuration", () => {
    const text = readFileSync(`${repoRoot}packaging/vigil.yaml`, 'utf8');
    // an example line is '#' before the YAML as it would stand (indented by pairs of spaces);
    // an explanation is '# ' and words
    const uncommented = text
      .split('\n')
      .map((l) => l.replace(/^#((?: {2})*)(?=- |[A-Za-z_][\w-]*:)/, '$1'))
      .join('\n');
    const c = parseVigilConfig(uncommented, 'packaging/vigil.yaml', { checkFiles: false });
    assert.ok(c.metrics !== null, 'the example sets metrics');
    assert.deepEqual(
      c.exporters.map((e) => e.type),
      ['syslog', 'webhook', 'otlp'],
    );
  });

  it('every vigil.yaml example of docs/config.md loads', () => {
    const blocks = yamlBlocks(readFileSync(`${repoRoot}docs/config.md`, 'utf8'));
    assert.ok(blocks.length >= 4, `${blocks.length} examples`);
    for (const b of blocks) {
      assert.doesNotThrow(() => parseVigilConfig(b, 'docs/config.md', { checkFiles: false }), b);
      assert.ok(validate(parse(b)), `${b}\n${JSON.stringify(validate.errors)}`);
    }
  });
});
