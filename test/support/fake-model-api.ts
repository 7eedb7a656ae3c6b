// A model API on loopback that speaks just enough of three providers' streaming APIs for an agent
// CLI to run tools (its shell tool above all) and then finish: Anthropic's Messages API (Claude
// Code), OpenAI's Responses API (Codex) and Gemini's (stream)generateContent (Gemini CLI).
//
// It is scripted, not smart: a request whose conversation already carries n tool results gets the
// n-th step as a tool call; once every step has its result the answer is a final text. Requests
// that offer no tools (titles, routing classifiers) get a short text, JSON-shaped when the request
// asks for JSON. Every request is kept (path and parsed body) so a test can see what was asked.
// `GET /page` serves a small HTML page, for a web-fetch tool that is pointed at loopback.
//
// Used to record test/fixtures/transcripts/ with the real CLIs, offline: the agent runs in a
// network namespace with only loopback up and is pointed here (docs/transcripts.md says how).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

type Json = Record<string, unknown>;

/**
 * One tool call. A string is a shell command, sent as each provider's shell tool (Claude Code's
 * `Bash`, Codex's `exec_command`, Gemini CLI's `run_shell_command`). An object names the call per
 * provider; a provider it leaves out is not asked to call anything for this step (it goes on to
 * the next). `openai.js` is the JavaScript for Codex's freeform `exec` tool, which calls nested
 * tools (`await tools.apply_patch(...)`).
 */
export type FakeStep =
  | string
  | {
      anthropic?: { name: string; input: Json };
      gemini?: { name: string; args: Json };
      openai?: { js: string };
    };

export interface FakeModelApiOptions {
  /** the tool calls to make, one per model turn, in this order */
  steps: readonly FakeStep[];
  /** the model's last words, once every step has its result */
  finalText?: string;
  /** port on 127.0.0.1; 0 (default) for any free one */
  port?: number;
}

export interface FakeModelRequest {
  method: string;
  /** the request's path with its query */
  path: string;
  body: unknown;
}

export interface FakeModelApi {
  port: number;
  /** http://127.0.0.1:PORT */
  origin: string;
  requests: FakeModelRequest[];
  close(): Promise<void>;
}

type Provider = 'anthropic' | 'gemini' | 'openai';

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? (v as unknown[]) : [];
}

/** How many messages, or parts of their `content`/`parts`, satisfy `isResult`. */
function countResults(messages: unknown[], isResult: (part: Json) => boolean): number {
  let n = 0;
  for (const m of messages) {
    if (!isObject(m)) continue;
    if (isResult(m)) n++;
    for (const key of ['content', 'parts']) {
      for (const p of asArray(m[key])) if (isObject(p) && isResult(p)) n++;
    }
  }
  return n;
}

/** The step for `provider` after `done` results: steps it leaves out do not count. */
function stepFor(steps: readonly FakeStep[], provider: Provider, done: number): FakeStep | null {
  const mine = steps.filter((s) => typeof s === 'string' || s[provider] !== undefined);
  return mine[done] ?? null;
}

function sse(res: ServerResponse, events: readonly (readonly [string | null, unknown])[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const [event, data] of events) {
    if (event !== null) res.write(`event: ${event}\n`);
    res.write(`data: ${JSON.stringify(data)}\n\n`);
  }
  res.end();
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const serial = (n: number): string => String(n).padStart(4, '0');

// ---------------------------------------------------------------------------------------------
// Anthropic Messages API (Claude Code)

function anthropic(
  res: ServerResponse,
  body: Json,
  step: FakeStep | null,
  finalText: string,
  seq: number,
): void {
  const model = typeof body.model === 'string' ? body.model : 'claude-fake';
  const offered = new Set(
    asArray(body.tools)
      .filter(isObject)
      .map((t) => t.name),
  );
  const call =
    step === null
      ? undefined
      : typeof step === 'string'
        ? { name: 'Bash', input: { command: step, description: 'Run the requested command' } }
        : step.anthropic;
  const useTool = call !== undefined && offered.has(call.name);
  const id = `msg_fake${serial(seq)}`;
  const usage = {
    input_tokens: 10,
    output_tokens: 5,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
  };
  // a request without tools is one of the CLI's own (a title, a summary)
  const text = offered.size === 0 ? 'Fake title' : finalText;
  if (body.stream !== true) {
    json(res, 200, {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: useTool
        ? [{ type: 'tool_use', id: `toolu_fake${serial(seq)}`, name: call.name, input: call.input }]
        : [{ type: 'text', text }],
      stop_reason: useTool ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage,
    });
    return;
  }
  const block = useTool
    ? { type: 'tool_use', id: `toolu_fake${serial(seq)}`, name: call.name, input: {} }
    : { type: 'text', text: '' };
  const delta = useTool
    ? { type: 'input_json_delta', partial_json: JSON.stringify(call.input) }
    : { type: 'text_delta', text };
  const stop = useTool ? 'tool_use' : 'end_turn';
  sse(res, [
    [
      'message_start',
      {
        type: 'message_start',
        message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, usage },
      },
    ],
    ['content_block_start', { type: 'content_block_start', index: 0, content_block: block }],
    ['content_block_delta', { type: 'content_block_delta', index: 0, delta }],
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    [
      'message_delta',
      {
        type: 'message_delta',
        delta: { stop_reason: stop, stop_sequence: null },
        usage: { output_tokens: 5 },
      },
    ],
    ['message_stop', { type: 'message_stop' }],
  ]);
}

// ---------------------------------------------------------------------------------------------
// OpenAI Responses API (Codex)

/** Every tool name the request offers, at any depth: `tools` and `additional_tools` input items. */
function responsesToolNames(body: Json): Set<string> {
  const names = new Set<string>();
  const walk = (tools: unknown[]): void => {
    for (const t of tools) {
      if (!isObject(t)) continue;
      if (typeof t.name === 'string') names.add(t.name);
      else if (typeof t.type === 'string') names.add(t.type);
      walk(asArray(t.tools));
    }
  };
  walk(asArray(body.tools));
  for (const i of asArray(body.input))
    if (isObject(i) && i.type === 'additional_tools') walk(asArray(i.tools));
  return names;
}

/**
 * The step as a Responses API output item. Codex 0.171 offers one freeform tool, `exec`, that runs
 * JavaScript calling nested tools (`tools.exec_command({cmd})`); older versions offered
 * `exec_command`, `shell` or the built-in `local_shell` directly.
 */
function codexCall(names: Set<string>, step: FakeStep, callId: string): Json | null {
  if (names.has('exec')) {
    const js =
      typeof step === 'string'
        ? [
            `const r = await tools.exec_command({ cmd: ${JSON.stringify(step)} });`,
            'text(r.output);',
            "text('exit code: ' + String(r.exit_code));",
          ].join('\n')
        : step.openai?.js;
    if (js === undefined) return null;
    return { type: 'custom_tool_call', status: 'completed', name: 'exec', input: js, call_id: callId };
  }
  if (typeof step !== 'string') return null;
  if (names.has('exec_command')) {
    return {
      type: 'function_call',
      name: 'exec_command',
      arguments: JSON.stringify({ cmd: step }),
      call_id: callId,
    };
  }
  if (names.has('local_shell')) {
    const action = { type: 'exec', command: ['bash', '-lc', step] };
    return { type: 'local_shell_call', call_id: callId, status: 'completed', action };
  }
  const args = JSON.stringify({ command: ['bash', '-lc', step] });
  return { type: 'function_call', name: 'shell', arguments: args, call_id: callId };
}

function openaiResponses(
  res: ServerResponse,
  body: Json,
  step: FakeStep | null,
  finalText: string,
  seq: number,
): void {
  const names = responsesToolNames(body);
  const model = typeof body.model === 'string' ? body.model : 'gpt-fake';
  const id = `resp_fake${serial(seq)}`;
  const call = step === null || names.size === 0 ? null : codexCall(names, step, `call_fake${serial(seq)}`);
  const item =
    call !== null
      ? { id: `fc_fake${serial(seq)}`, ...call }
      : {
          type: 'message',
          role: 'assistant',
          id: `msg_fake${serial(seq)}`,
          status: 'completed',
          content: [{ type: 'output_text', text: finalText, annotations: [] }],
        };
  const usage = {
    input_tokens: 10,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 5,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 15,
  };
  const response = { id, object: 'response', model, status: 'in_progress', output: [] };
  sse(res, [
    ['response.created', { type: 'response.created', sequence_number: 0, response }],
    [
      'response.output_item.added',
      { type: 'response.output_item.added', sequence_number: 1, output_index: 0, item },
    ],
    [
      'response.output_item.done',
      { type: 'response.output_item.done', sequence_number: 2, output_index: 0, item },
    ],
    [
      'response.completed',
      {
        type: 'response.completed',
        sequence_number: 3,
        response: { ...response, status: 'completed', output: [item], usage },
      },
    ],
  ]);
}

// ---------------------------------------------------------------------------------------------
// Gemini generateContent / streamGenerateContent (Gemini CLI)

function geminiToolNames(body: Json): Set<string> {
  const names = new Set<string>();
  for (const t of asArray(body.tools)) {
    if (!isObject(t)) continue;
    for (const f of asArray(t.functionDeclarations))
      if (isObject(f) && typeof f.name === 'string') names.add(f.name);
  }
  return names;
}

function jsonSchemaOf(body: Json): unknown {
  const config = isObject(body.generationConfig) ? body.generationConfig : {};
  return config.responseJsonSchema ?? config.responseSchema ?? { type: 'OBJECT', properties: {} };
}

/** A value that satisfies a (Gemini-style, upper- or lower-case typed) JSON schema. */
function fromSchema(schema: unknown): unknown {
  if (!isObject(schema)) return null;
  const type = typeof schema.type === 'string' ? schema.type.toLowerCase() : 'object';
  const choices = asArray(schema.enum);
  if (choices.length > 0) return choices[0];
  switch (type) {
    case 'string':
      return 'fake';
    case 'integer':
    case 'number':
      return 10;
    case 'boolean':
      return false;
    case 'array':
      return [];
    default: {
      const out: Json = {};
      const props = isObject(schema.properties) ? schema.properties : {};
      for (const [k, v] of Object.entries(props)) out[k] = fromSchema(v);
      return out;
    }
  }
}

function gemini(
  res: ServerResponse,
  body: Json,
  stream: boolean,
  step: FakeStep | null,
  finalText: string,
): void {
  const names = geminiToolNames(body);
  const call =
    step === null
      ? undefined
      : typeof step === 'string'
        ? { name: 'run_shell_command', args: { command: step, description: 'Run the requested command' } }
        : step.gemini;
  const parts =
    call !== undefined && names.has(call.name)
      ? [{ functionCall: { name: call.name, args: call.args } }]
      : names.size > 0
        ? [{ text: finalText }]
        : // one of the CLI's own requests (routing, next speaker): JSON shaped by its schema
          [{ text: JSON.stringify(fromSchema(jsonSchemaOf(body))) }];
  const chunk = {
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
    modelVersion: 'gemini-fake',
  };
  if (stream) sse(res, [[null, chunk]]);
  else json(res, 200, chunk);
}

// ---------------------------------------------------------------------------------------------

/** Start the fake API on 127.0.0.1; it answers all three providers at once, told apart by path. */
export async function startFakeModelApi(options: FakeModelApiOptions): Promise<FakeModelApi> {
  const requests: FakeModelRequest[] = [];
  const finalText = options.finalText ?? 'Done.';
  let seq = 0;

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string): void => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    let body: unknown = null;
    try {
      body = raw === '' ? null : JSON.parse(raw);
    } catch {
      body = raw;
    }
    requests.push({ method, path: url, body });
    seq++;
    const b = isObject(body) ? body : {};
    if (method === 'GET' && path === '/page') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body><p>fake page</p></body></html>');
    } else if (method === 'POST' && path.endsWith('/messages/count_tokens')) {
      json(res, 200, { input_tokens: 10 });
    } else if (method === 'POST' && path.endsWith('/messages')) {
      const done = countResults(asArray(b.messages), (p) => p.type === 'tool_result');
      anthropic(res, b, stepFor(options.steps, 'anthropic', done), finalText, seq);
    } else if (method === 'POST' && path.endsWith('/responses')) {
      const outputs = new Set(['function_call_output', 'custom_tool_call_output', 'local_shell_call_output']);
      const done = asArray(b.input).filter((i) => isObject(i) && outputs.has(String(i.type))).length;
      openaiResponses(res, b, stepFor(options.steps, 'openai', done), finalText, seq);
    } else if (method === 'POST' && /:(stream)?[gG]enerateContent$/.test(path)) {
      const done = countResults(asArray(b.contents), (p) => isObject(p.functionResponse));
      gemini(
        res,
        b,
        path.endsWith(':streamGenerateContent'),
        stepFor(options.steps, 'gemini', done),
        finalText,
      );
    } else if (method === 'POST' && path.endsWith(':countTokens')) {
      json(res, 200, { totalTokens: 10 });
    } else {
      json(res, 404, { error: { message: `fake model API: nothing at ${method} ${path}` } });
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
