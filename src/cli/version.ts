// vigil's version: package.json's, read where the CLI runs from (a checkout or /usr/lib/vigil).
import { readFileSync } from 'node:fs';

export function vigilVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
