// A reader of the Prometheus text exposition format (0.0.4), strict enough to catch what a
// scraper would refuse: every sample belongs to a family declared by HELP and TYPE before it.
import assert from 'node:assert/strict';

export interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  readonly samples: Sample[];
}

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy;

export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  let current: Family | undefined;
  assert.ok(text.endsWith('\n'), 'ends with a newline');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const help = /^# HELP (\S+) (.*)$/.exec(line);
    if (help !== null) {
      const name = help[1] as string;
      assert.ok(!families.has(name), `${name} declared twice`);
      current = { name, help: help[2] as string, type: 'untyped', samples: [] };
      families.set(name, current);
      continue;
    }
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type !== null) {
      assert.equal(type[1], current?.name, `TYPE ${type[1]} after the HELP of ${current?.name}`);
      current = { ...current, type: type[2] as Family['type'] } as Family;
      families.set(current.name, current);
      continue;
    }
    assert.ok(!line.startsWith('#'), `an unknown comment: ${line}`);
    const m = SAMPLE.exec(line);
    assert.ok(m !== null, `not a sample: ${line}`);
    assert.ok(current !== undefined, `a sample before any HELP: ${line}`);
    const name = m[1] as string;
    assert.ok(
      name === current.name || (/^(histogram|summary)$/.test(current.type) && name.startsWith(current.name)),
      `${name} under the family ${current.name}`,
    );
    const labels: Record<string, string> = {};
    const text = m[2] ?? '';
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < text.length) {
      const l = LABEL.exec(text);
      assert.ok(l !== null, `bad labels: ${text}`);
      labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    // Go's ParseFloat, which Prometheus reads values with, takes NaN in any case (prom-client
    // writes 'Nan' for an event-loop lag not yet measured)
    assert.ok(!Number.isNaN(value) || /^nan$/i.test(m[3] ?? ''), `bad value: ${line}`);
    current.samples.push({ name, labels, value });
  }
  return families;
}

/** The value of the sample with exactly these labels (0 when there is none). */
export function valueOf(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const family = families.get(name);
  assert.ok(family !== undefined, `no family ${name}`);
  const want = JSON.stringify(Object.entries(labels).sort());
  const sample = family.samples.find(
    (s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === want,
  );
  return sample?.value ?? 0;
}
