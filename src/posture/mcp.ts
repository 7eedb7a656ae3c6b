// MCP servers, in each agent's own spelling (Claude Code's and Cursor's mcpServers, Gemini CLI's
// with httpUrl and trust, Codex's [mcp_servers.x] with bearer_token and http_headers), made one
// shape and judged the same way: fetched at start without a version, reached over plain http,
// credentials written into the file, tool calls trusted without asking, and the provenance of
// a local command.
import { basename } from 'node:path';

import { isObject, type ConfigDoc, type Json } from './config-doc.js';
import { provenanceReasons, scriptOf, type CommandContext } from './commands.js';
import { reason } from './rubric.js';
import type { PostureAgent, PostureReason } from './types.js';

export interface McpServer {
  name: string;
  command: string | null;
  args: string[];
  url: string | null;
  env: Json;
  headers: Json;
  /** a literal bearer token (Codex's bearer_token) */
  bearerToken: string | null;
  /** its tool calls run without confirmation (Gemini CLI trust: true) */
  trust: boolean;
  /** where the server is in the document, for snippets */
  path: (string | number)[];
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The servers of an `mcpServers` (or Codex `mcp_servers`) table at `path`. */
export function mcpServers(table: unknown, path: (string | number)[]): McpServer[] {
  if (!isObject(table)) return [];
  return Object.entries(table).flatMap(([name, s]): McpServer[] => {
    if (!isObject(s)) return [];
    const url = [s.httpUrl, s.url, s.serverUrl].find((u): u is string => typeof u === 'string') ?? null;
    return [
      {
        name,
        command: typeof s.command === 'string' ? s.command : null,
        args: strings(s.args),
        url,
        env: isObject(s.env) ? s.env : {},
        headers: isObject(s.headers) ? s.headers : isObject(s.http_headers) ? s.http_headers : {},
        bearerToken: typeof s.bearer_token === 'string' ? s.bearer_token : null,
        trust: s.trust === true,
        path: [...path, name],
      },
    ];
  });
}

/** Runners that fetch a package at start, and where its name is among their words. */
const RUNNERS: Record<string, (args: string[]) => string | null> = {
  npx: (a) => firstPackage(a, ['-p', '--package']),
  bunx: (a) => firstPackage(a, ['-p', '--package']),
  pnpx: (a) => firstPackage(a, []),
  uvx: (a) => firstPackage(a, ['--from', '--with', '--python', '-p']),
  pipx: (a) => (a[0] === 'run' ? firstPackage(a.slice(1), ['--spec']) : null),
  uv: (a) =>
    a[0] === 'tool' && a[1] === 'run' ? firstPackage(a.slice(2), ['--from', '--with', '--python']) : null,
  pnpm: (a) => (a[0] === 'dlx' ? firstPackage(a.slice(1), []) : null),
  yarn: (a) => (a[0] === 'dlx' ? firstPackage(a.slice(1), ['-p', '--package']) : null),
  docker: (a) => (a[0] === 'run' ? firstImage(a.slice(1)) : null),
  podman: (a) => (a[0] === 'run' ? firstImage(a.slice(1)) : null),
};

/** The package given by `--from X` (or like) when there is one, else the first plain word. */
function firstPackage(args: string[], valued: string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--from' || a === '--spec' || a === '-p' || a === '--package') return args[i + 1] ?? null;
    if (/^--(from|spec|package)=/.test(a)) return a.slice(a.indexOf('=') + 1);
    if (valued.includes(a)) {
      i++;
      continue;
    }
    if (!a.startsWith('-')) return a;
  }
  return null;
}

/** The image of `docker run`: the first word that is not an option or an option's value. */
function firstImage(args: string[]): string | null {
  const valued = new Set([
    '-e',
    '--env',
    '-v',
    '--volume',
    '--name',
    '-p',
    '--publish',
    '--network',
    '-w',
    '--workdir',
    '-u',
    '--user',
    '--env-file',
    '--mount',
    '--entrypoint',
  ]);
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (valued.has(a)) {
      i++;
      continue;
    }
    if (!a.startsWith('-')) return a;
  }
  return null;
}

/** Whether a package or image names an exact version (pkg@1.2.3, pkg==1.2, image:tag, @sha256:). */
export function pinned(runner: string, spec: string): boolean {
  if (runner === 'docker' || runner === 'podman') {
    if (spec.includes('@sha256:')) return true;
    const tag = /:([^/:]+)$/.exec(spec)?.[1];
    return tag !== undefined && tag !== 'latest';
  }
  const py = /==\s*[\w.]+|@\s*\d[\w.]*$/.exec(spec);
  if (['uvx', 'uv', 'pipx'].includes(runner)) return py !== null;
  // npm: @scope/name@version or name@version, a version that is not a dist-tag or range
  const at = spec.lastIndexOf('@');
  if (at <= 0) return false;
  const version = spec.slice(at + 1);
  return /^v?\d+\.\d+\.\d+([-+][\w.]+)?$/.test(version);
}

const SECRET_KEY = /(token|secret|passw(or)?d|api[_-]?key|access[_-]?key|private[_-]?key|credential|auth)/i;

/** A value that is only a reference to the environment (${X}, $X, ${env:X}), not the secret. */
function reference(v: string): boolean {
  return /^\s*(Bearer\s+)?(\$\{[^}]+\}|\$[A-Za-z_][A-Za-z0-9_]*|env:[A-Za-z_]\w*)\s*$/.test(v);
}

function masked(v: string): string {
  return `<${v.length} characters, masked>`;
}

function isLoopback(url: URL): boolean {
  const h = url.hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h) || h.endsWith('.localhost');
}

export function mcpReasons(
  agent: PostureAgent,
  file: string,
  doc: ConfigDoc,
  server: McpServer,
  ctx: CommandContext,
): PostureReason[] {
  const out: PostureReason[] = [];
  const what = `MCP server '${server.name}'`;
  const line = (key: string): string | null => doc.line([...server.path, key]);
  if (server.command !== null) {
    const runner = basename(server.command);
    const spec = RUNNERS[runner]?.(server.args) ?? null;
    if (spec !== null && !pinned(runner, spec)) {
      out.push(
        reason(
          'mcp_server_unpinned',
          agent,
          file,
          `${what} runs ${runner} ${spec} without a fixed version: whatever is published when it starts`,
          [server.command, ...server.args].join(' '),
        ),
      );
    }
    const script = RUNNERS[runner] === undefined ? scriptOf(server.command, server.args) : null;
    if (script !== null) out.push(...provenanceReasons(agent, file, script, what, line('command'), ctx));
  }
  if (server.url !== null) {
    let url: URL | null = null;
    try {
      url = new URL(server.url);
    } catch {
      url = null;
    }
    if (url?.protocol === 'http:' && !isLoopback(url)) {
      out.push(
        reason(
          'mcp_server_http',
          agent,
          file,
          `${what} is reached over plain http at ${url.host}`,
          server.url,
        ),
      );
    }
  }
  const secrets: string[] = [];
  for (const [key, v] of Object.entries(server.env)) {
    if (typeof v === 'string' && v !== '' && SECRET_KEY.test(key) && !reference(v))
      secrets.push(`env ${key}=${masked(v)}`);
  }
  for (const [key, v] of Object.entries(server.headers)) {
    if (
      typeof v === 'string' &&
      v !== '' &&
      (SECRET_KEY.test(key) || /^authorization$/i.test(key)) &&
      !reference(v)
    )
      secrets.push(`header ${key}: ${masked(v)}`);
  }
  if (server.bearerToken !== null && !reference(server.bearerToken))
    secrets.push(`bearer_token ${masked(server.bearerToken)}`);
  if (secrets.length > 0) {
    out.push(
      reason(
        'mcp_inline_secret',
        agent,
        file,
        `${what} has credentials written into the file (${secrets.length}); use a variable of the environment`,
        secrets.join('; '),
      ),
    );
  }
  if (server.trust) {
    out.push(
      reason(
        'mcp_server_trusted',
        agent,
        file,
        `${what} is trusted: its tool calls run without confirmation`,
        line('trust'),
      ),
    );
  }
  return out;
}
