// Writes a file a command produced (-o OUT): never over an existing file unless --force.
import { writeFileSync } from 'node:fs';

import { SystemError, UsageError } from '../errors.js';

export function writeOutputFile(verb: string, out: string, text: string, force: boolean): void {
  try {
    writeFileSync(out, text, { flag: force ? 'w' : 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new UsageError(`vigil ${verb}: ${out} exists; add --force to replace it`);
    }
    throw new SystemError(
      'VIGIL_PROFILE_OUTPUT',
      `vigil ${verb}: cannot write ${out}: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
}
