// A profile file as the session commands take it: a vigil profile, or a NeuronTrace policy
// (recognised by its top-level `rules:` list, a key vigil profiles never have) imported in memory.
// The daemon's reload goes through here too, so a session started from such a file reloads.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { importNeuronTrace } from './import-neurontrace.js';
import { loadProfileText, type LoadOptions } from './load-profile.js';
import { looksLikeNeuronTrace } from './neurontrace-policy.js';
import { ProfileError } from './profile-errors.js';
import type { Profile } from './profile-types.js';

export interface LoadedProfileFile {
  readonly profile: Profile;
  /** set when the file was a NeuronTrace policy */
  readonly importedFrom?: 'neurontrace';
  /** what the import changed in form (empty for a vigil profile) */
  readonly notes: readonly string[];
}

/** Reads the file; imports it when it is a NeuronTrace policy, else loads it as a vigil profile. */
export function loadAnyProfileFile(file: string, options: LoadOptions = {}): LoadedProfileFile {
  const text = readProfileText(file);
  if (isNeuronTraceText(text)) {
    const { profile, notes } = importNeuronTrace(text, file);
    return { profile, importedFrom: 'neurontrace', notes };
  }
  return { profile: loadProfileText(text, file, options), notes: [] };
}

/** Whether YAML text is a NeuronTrace policy; text that is not YAML is not (the vigil loader reports it). */
export function isNeuronTraceText(text: string): boolean {
  try {
    return looksLikeNeuronTrace(parse(text, { logLevel: 'silent' }));
  } catch {
    return false;
  }
}

/** A profile or policy file's text; VIGIL_PROFILE_READ when it cannot be read. */
export function readProfileText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new ProfileError('VIGIL_PROFILE_READ', { file }, `cannot read profile: ${reason}`, { cause: e });
  }
}
