// Codex 0.171 offers the model one freeform tool, `exec`, whose input is JavaScript that calls
// the real tools as `await tools.exec_command({ cmd: "..." })`, `tools.apply_patch("...")`, ...
// The log holds that script when the model sends it, before anything runs; the commands it runs
// are logged only once each has ended (item_completed CommandExecution). So the script is read
// here for the tool calls it spells out with literal strings. A command the script builds at run
// time (a variable, a template with ${}) is not found here; it shows up when its
// CommandExecution is logged.

/** A nested call: the tool's name and its literal string arguments by key (`""` for a bare string). */
export interface NestedCall {
  tool: string;
  args: Record<string, string>;
}

const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
};

/** The JavaScript string literal starting at `at` (a quote), and where it ends; null if not one. */
function readLiteral(src: string, at: number): { value: string; end: number } | null {
  const quote = src[at];
  if (quote !== '"' && quote !== "'" && quote !== '`') return null;
  let out = '';
  let i = at + 1;
  while (i < src.length) {
    const c = src[i] ?? '';
    if (c === quote) return { value: out, end: i + 1 };
    if (quote === '`' && c === '$' && src[i + 1] === '{') return null; // built at run time
    if (c === '\n' && quote !== '`') return null;
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = src[i + 1] ?? '';
    if (e === 'x') {
      out += String.fromCharCode(parseInt(src.slice(i + 2, i + 4), 16));
      i += 4;
    } else if (e === 'u' && src[i + 2] === '{') {
      const close = src.indexOf('}', i);
      out += String.fromCodePoint(parseInt(src.slice(i + 3, close), 16));
      i = close + 1;
    } else if (e === 'u') {
      out += String.fromCharCode(parseInt(src.slice(i + 2, i + 6), 16));
      i += 6;
    } else if (e === '\n') {
      i += 2; // a line continuation
    } else {
      out += ESCAPES[e] ?? e;
      i += 2;
    }
  }
  return null;
}

const skipSpace = (src: string, i: number): number => {
  while (i < src.length && /\s/.test(src[i] ?? '')) i++;
  return i;
};

/** The literal string properties of the object literal starting at `at` ('{'), one level deep. */
function readObject(src: string, at: number): Record<string, string> {
  const args: Record<string, string> = {};
  const key = /\s*(?:(["'])([\w$-]+)\1|([A-Za-z_$][\w$]*))\s*:\s*/y;
  let i = at + 1;
  let depth = 0;
  while (i < src.length) {
    const c = src[i] ?? '';
    if (depth === 0) {
      key.lastIndex = i;
      const m = key.exec(src);
      if (m !== null) {
        const name = m[2] ?? m[3] ?? '';
        const lit = readLiteral(src, key.lastIndex);
        if (lit !== null) {
          // a literal that an operator goes on from ("wc -l " + f) is built at run time
          if (/[,}]/.test(src[skipSpace(src, lit.end)] ?? '')) args[name] = lit.value;
          i = lit.end;
          continue;
        }
        i = key.lastIndex;
        continue;
      }
    }
    if (c === '"' || c === "'" || c === '`') {
      const lit = readLiteral(src, i);
      i = lit === null ? i + 1 : lit.end;
      continue;
    }
    if (c === '{' || c === '[' || c === '(') depth++;
    else if (c === '}' || c === ']' || c === ')') {
      if (depth === 0) break;
      depth--;
    }
    i++;
  }
  return args;
}

/** The nested tool calls an exec script spells out, in the order they appear. */
export function nestedCalls(script: string): NestedCall[] {
  const calls: NestedCall[] = [];
  const call = /\btools\s*(?:\.\s*([A-Za-z_$][\w$]*)|\[\s*(["'])([\w$-]+)\2\s*\])\s*\(/g;
  for (let m = call.exec(script); m !== null; m = call.exec(script)) {
    const tool = m[1] ?? m[3] ?? '';
    const i = skipSpace(script, call.lastIndex);
    const c = script[i];
    if (c === '{') calls.push({ tool, args: readObject(script, i) });
    else {
      const lit = readLiteral(script, i);
      const whole = lit !== null && /[,)]/.test(script[skipSpace(script, lit.end)] ?? '');
      calls.push({ tool, args: lit !== null && whole ? { '': lit.value } : {} });
    }
  }
  return calls;
}

/** Files an apply_patch patch names (`*** Add File: p`, `*** Update File: p`, `*** Move to: p`, ...). */
export function patchPaths(patch: string): string[] {
  const paths: string[] = [];
  for (const m of patch.matchAll(/^\*\*\* (?:Add File|Update File|Delete File|Move to): (.+)$/gm)) {
    const p = (m[1] ?? '').trim();
    if (p !== '' && !paths.includes(p)) paths.push(p);
  }
  return paths;
}
