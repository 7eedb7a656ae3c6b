// Runs a command beside a fake model API (fake-model-api.ts) in the same network namespace:
// `node with-fake-model.js STEPS_JSON -- CMD ARGS...`. Every `@ORIGIN@` in CMD's arguments and in
// the values of its environment becomes the API's http://127.0.0.1:PORT. Exits with CMD's status
// (128+N for a signal); the API's requests go to stderr as one JSON line at the end.
import { spawn } from 'node:child_process';

import { startFakeModelApi, type FakeStep } from './fake-model-api.js';

async function main(): Promise<number> {
  const [stepsJson, dashes, cmd, ...args] = process.argv.slice(2);
  if (stepsJson === undefined || dashes !== '--' || cmd === undefined) {
    console.error('usage: with-fake-model STEPS_JSON -- CMD [ARGS...]');
    return 2;
  }
  const api = await startFakeModelApi({ steps: JSON.parse(stepsJson) as FakeStep[], finalText: 'All done.' });
  const put = (s: string): string => s.replaceAll('@ORIGIN@', api.origin);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = put(v);
  const child = spawn(cmd, args.map(put), { stdio: 'inherit', env });
  const status = await new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve(code ?? 128 + (signal === null ? 0 : signalNumber(signal)));
    });
    child.on('error', (err) => {
      console.error(`with-fake-model: ${err.message}`);
      resolve(127);
    });
  });
  console.error(`fake-model-requests ${JSON.stringify(api.requests.map((r) => `${r.method} ${r.path}`))}`);
  await api.close();
  return status;
}

function signalNumber(signal: NodeJS.Signals): number {
  return signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 1;
}

process.exitCode = await main();
