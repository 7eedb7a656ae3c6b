// Generates src/sinks/audit-json-kinds.ts: one JSON writer per kind of audit line, read from the
// schema (src/sinks/audit-schema.ts), so a kind or key added there is written by the fast path
// without a hand-kept copy of its keys. Each writer is the straight concatenation a hand-written
// one would be (V8 keeps it on its fast path; a loop over keys at run time costs more than the
// whole line). A kind whose line is not a process's (no head and tail of audit-json-parts.ts:
// session_start, session_end, loss) gets no writer: it is rare and JSON.stringify writes it.
import { CHAIN_KEYS } from '../src/sinks/audit-chain.js';
import { HEAD_KEYS, TAIL_KEYS } from '../src/sinks/audit-json-parts.js';
import { auditLineSchemaOf, EVENT_KINDS, type AuditEvent } from '../src/sinks/audit-schema.js';

interface JsonSchema {
  type?: string;
  const?: unknown;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
}

// The hot kind (one line per open of a watched process) is tested first.
const HOT = 'file_open';

const isString = (s: JsonSchema): boolean => s.type === 'string';
const isInt = (s: JsonSchema): boolean => s.type === 'integer' || s.type === 'number';

/** The expression writing value `v` of this schema, or throws for a type it does not know. */
function valueExpr(v: string, s: JsonSchema, where: string): string {
  if (isString(s)) return `str(${v})`;
  if (isInt(s)) return `num(${v})`;
  if (s.type === 'boolean') return `bool(${v})`;
  if (s.type === 'array' && s.items !== undefined && isString(s.items)) return `sharedStrArray(${v})`;
  if (s.type === 'object' || s.type === 'array') return `json(${v})`;
  const any = s.anyOf;
  if (any !== undefined) {
    if (any.every(isString)) return `str(${v})`;
    const rest = any.filter((m) => m.type !== 'null');
    const [only] = rest;
    if (rest.length === 1 && only !== undefined && any.length === 2) {
      if (isString(only)) return `strOrNull(${v})`;
      if (isInt(only)) return `numOrNull(${v})`;
    }
    if (any.length === 2 && any.some(isInt) && any.some(isString)) {
      return `(typeof ${v} === 'number' ? num(${v}) : str(${v}))`;
    }
  }
  throw new Error(`audit-json-codegen: ${where} has a type the writer cannot write: ${JSON.stringify(s)}`);
}

const camel = (kind: string): string => kind.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
const keyText = (key: string): string => `',"${key}":'`;

/** The kind's own keys (between head and tail) and its optional keys after the tail; undefined
 * when its line does not have the head and tail a process's line has. */
function layout(kind: AuditEvent): { own: string[]; after: string[] } | undefined {
  const schema = auditLineSchemaOf(kind);
  const props = schema.properties as Record<string, JsonSchema>;
  const keys = Object.keys(props).filter((k) => !(CHAIN_KEYS as readonly string[]).includes(k));
  if (HEAD_KEYS.some((k, i) => keys[i] !== k)) return undefined;
  const at = keys.indexOf(TAIL_KEYS[0]);
  if (at < 0 || TAIL_KEYS.some((k, i) => keys[at + i] !== k)) return undefined;
  // tail() writes ppid, uid and tid as numbers: a line where they may be null is not a process's
  if (['pid', 'ppid', 'uid', 'tid'].some((k) => !isInt(props[k] ?? {}))) return undefined;
  const required = new Set(schema.required ?? []);
  const own = keys.slice(HEAD_KEYS.length, at);
  const after = keys.slice(at + TAIL_KEYS.length);
  if (own.some((k) => !required.has(k))) {
    throw new Error(`audit-json-codegen: ${kind}: an optional key before the tail is not supported`);
  }
  if (after.some((k) => required.has(k))) {
    throw new Error(`audit-json-codegen: ${kind}: a required key after the tail is not supported`);
  }
  return { own, after };
}

export function renderAuditJsonKinds(): string {
  const used = new Set<string>(['head', 'tail']);
  const consts: string[] = [];
  const writers: string[] = [];
  const kinds = EVENT_KINDS.filter((k) => layout(k) !== undefined);
  for (const kind of kinds) {
    const { own, after } = layout(kind) ?? { own: [], after: [] };
    const props = auditLineSchemaOf(kind).properties as Record<string, JsonSchema>;
    const parts = [`head(l, ',"event":"${kind}"')`];
    for (let i = 0; i < own.length; i++) {
      const key = own[i] ?? '';
      const next = own[i + 1];
      const s = props[key] ?? {};
      if (s.type === 'boolean' && next !== undefined && props[next]?.type === 'boolean') {
        // two booleans in a row: their four texts are made once
        const name = `${kind}_${key}_${next}`.toUpperCase();
        const t = (a: boolean, b: boolean) => `',"${key}":${a},"${next}":${b}'`;
        consts.push(
          `const ${name} = [[${t(false, false)}, ${t(false, true)}], [${t(true, false)}, ${t(true, true)}]] as const;`,
        );
        parts.push(`boolPair(l.${key}, l.${next}, ${name}, ${keyText(key)}, ${keyText(next)})`);
        used.add('boolPair');
        i++;
        continue;
      }
      const expr = valueExpr(`l.${key}`, s, `${kind}.${key}`);
      used.add(expr.replace(/^\(typeof .*/, 'num,str').replace(/\(.*$/, ''));
      parts.push(keyText(key), expr);
    }
    parts.push('tail(l)');
    // the closing brace goes into the last piece: a line is a rope, each piece costs when flattened
    for (const [i, key] of after.entries()) {
      const expr = valueExpr(`l.${key}`, props[key] ?? {}, `${kind}.${key}`);
      used.add(expr.replace(/^\(typeof .*/, 'num,str').replace(/\(.*$/, ''));
      const end = i === after.length - 1 ? "'}'" : "''";
      parts.push(
        `(l.${key} === undefined ? ${end} : ${keyText(key)} + ${expr}${end === "''" ? '' : " + '}'"})`,
      );
    }
    if (after.length === 0) parts.push("'}'");
    writers.push(
      `function ${camel(kind)}(l: AuditLineOf<'${kind}'>): string {\n  return ${parts.join(' + ')};\n}`,
    );
  }
  const helpers = [...used].flatMap((u) => u.split(',')).sort();
  const order = [...kinds].sort((a, b) => Number(b === HOT) - Number(a === HOT));
  const cases = order.map((k) => `    case '${k}':\n      return ${camel(k)}(line);`).join('\n');
  return [
    '// Generated by scripts/gen-audit-schema.ts from src/sinks/audit-schema.ts: do not edit.',
    '// Run `node dist/scripts/gen-audit-schema.js` after changing the schema; a unit test fails',
    '// when this file is stale. One writer per kind of a process line, keys in the schema order.',
    "import type { AuditLine, AuditLineOf } from './audit-schema.js';",
    `import { ${[...new Set(helpers)].join(', ')} } from './audit-json-parts.js';`,
    '',
    ...consts,
    '',
    ...writers.flatMap((w) => [w, '']),
    "/** The line by its kind's writer; undefined for a kind JSON.stringify writes (rare ones). */",
    'export function writeByKind(line: AuditLine): string | undefined {',
    '  switch (line.event) {',
    cases,
    '    default:',
    '      return undefined;',
    '  }',
    '}',
    '',
  ].join('\n');
}

/** The kinds that get a writer (the others are written by JSON.stringify). */
export function kindsWithWriter(): AuditEvent[] {
  return EVENT_KINDS.filter((k) => layout(k) !== undefined);
}
