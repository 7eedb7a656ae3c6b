// The loopback model API the fixtures were recorded with answers each provider as the CLIs need:
// a tool call per step while results are missing, then the final text.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startFakeModelApi, type FakeModelApi } from '../../support/fake-model-api.js';

let api: FakeModelApi;

before(async () => {
  api = await startFakeModelApi({
    steps: [
      'cat ./notes.txt',
      {
        anthropic: { name: 'Read', input: { file_path: '/w/notes.txt' } },
        gemini: { name: 'read_file', args: { file_path: '/w/notes.txt' } },
      },
    ],
    finalText: 'All done.',
  });
});
after(async () => {
  await api.close();
});

async function post(path: string, body: unknown): Promise<string> {
  const res = await fetch(`${api.origin}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200);
  return res.text();
}

/** The JSON data of each server-sent event. */
function events(sse: string): unknown[] {
  return sse
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => JSON.parse(l.slice(6)) as unknown);
}

describe('fake model API', () => {
  it('Anthropic: Bash, then Read, then the final text', async () => {
    const tools = [{ name: 'Bash' }, { name: 'Read' }];
    const first = await post('/v1/messages?beta=true', { model: 'm', stream: true, tools, messages: [] });
    assert.match(first, /"name":"Bash"/);
    assert.match(first, /"partial_json":"{\\"command\\":\\"cat \.\/notes\.txt\\"/);
    const result = { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'x', content: 'hi' }] };
    const second = await post('/v1/messages', { model: 'm', stream: true, tools, messages: [result] });
    assert.match(second, /"name":"Read"/);
    const third = await post('/v1/messages', { model: 'm', stream: true, tools, messages: [result, result] });
    assert.match(third, /"text":"All done\."/);
  });

  it('OpenAI Responses (Codex 0.171): the command inside an exec script, then the final text', async () => {
    const input = [
      {
        type: 'additional_tools',
        tools: [{ type: 'namespace', name: 'functions', tools: [{ type: 'custom', name: 'exec' }] }],
      },
    ];
    const first = events(await post('/v1/responses', { model: 'm', stream: true, input }));
    const done = first.find((e) => (e as { type?: string }).type === 'response.output_item.done') as {
      item: { type: string; name: string; input: string };
    };
    assert.equal(done.item.type, 'custom_tool_call');
    assert.equal(done.item.name, 'exec');
    assert.match(done.item.input, /tools\.exec_command\(\{ cmd: "cat \.\/notes\.txt" \}\)/);
    // the Read step names no Codex call: after one result the answer is final
    const output = { type: 'custom_tool_call_output', call_id: 'c', output: 'hi' };
    const second = await post('/v1/responses', { model: 'm', stream: true, input: [...input, output] });
    assert.match(second, /"output_text","text":"All done\."/);
  });

  it('Gemini: run_shell_command, read_file, the final text; JSON for its own classifier', async () => {
    const tools = [{ functionDeclarations: [{ name: 'run_shell_command' }, { name: 'read_file' }] }];
    const path = '/v1beta/models/g:streamGenerateContent?alt=sse';
    const [first] = events(await post(path, { contents: [], tools }));
    assert.deepEqual(
      (first as { candidates: { content: { parts: unknown[] } }[] }).candidates[0]?.content.parts,
      [
        {
          functionCall: {
            name: 'run_shell_command',
            args: { command: 'cat ./notes.txt', description: 'Run the requested command' },
          },
        },
      ],
    );
    const result = {
      role: 'user',
      parts: [{ functionResponse: { name: 'run_shell_command', response: {} } }],
    };
    assert.match(await post(path, { contents: [result], tools }), /"name":"read_file"/);
    assert.match(await post(path, { contents: [result, result], tools }), /"text":"All done\."/);
    const schema = {
      type: 'OBJECT',
      properties: { complexity_reasoning: { type: 'STRING' }, complexity_score: { type: 'INTEGER' } },
    };
    const classifier = JSON.parse(
      await post('/v1beta/models/lite:generateContent', {
        contents: [],
        generationConfig: { responseJsonSchema: schema },
      }),
    ) as { candidates: { content: { parts: { text: string }[] } }[] };
    assert.deepEqual(JSON.parse(classifier.candidates[0]?.content.parts[0]?.text ?? ''), {
      complexity_reasoning: 'fake',
      complexity_score: 10,
    });
    assert.ok(api.requests.length >= 9);
  });
});
