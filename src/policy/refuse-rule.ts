// Refusing a profile that does not fit the kernel's tables, naming the rule that tipped it over.
import { ProfileCompileError } from './compile-errors.js';
import type { CommandRule, NetworkRule, PathRule } from './profile-types.js';

interface Described {
  readonly rule: PathRule | CommandRule | NetworkRule;
}

function describe(r: PathRule | CommandRule | NetworkRule): string {
  return `${r.id} '${r.written}'`;
}

export function refuse(
  code: 'VIGIL_PROFILE_TOO_BIG' | 'VIGIL_PROFILE_PATTERN',
  r: Described['rule'],
  detail: string,
): never {
  throw new ProfileCompileError(code, r.origin, `${describe(r)}: ${detail}`);
}
