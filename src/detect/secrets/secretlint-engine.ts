// secretlint's recommended preset run on one piece of text, its messages turned into matches
// (kind, severity, span). secretlint is the maintained rule set; this file only configures it and
// reads its answers, and never keeps a message's text or data, which hold the raw secret.
import { lintSource } from '@secretlint/core';
import { secretLintProfiler } from '@secretlint/profiler';
import { rules as recommendedRules } from '@secretlint/secretlint-rule-preset-recommend';

import type { SecretMatch } from './secret-finding.js';
import { secretlintKind } from './secretlint-kinds.js';

// The core marks the start and end of every call and rule on a process-wide profiler that is always
// on in 12.0.0: ~100 performance marks per call, kept in Node's performance timeline forever (about
// 25 KB of heap a call in a daemon that scans every exec) and a cost that grows with their number.
// Upstream made it opt-in in 13.x (secretlint#1633, #1673), which needs Node 22; until then vigil,
// which never reads the profile, turns the marks into no-ops. The profiler is one shared instance,
// the one the core imports.
secretLintProfiler.mark = () => undefined;

type CoreConfig = Parameters<typeof lintSource>[0]['options']['config'];
type CoreMessage = Awaited<ReturnType<typeof lintSource>>['messages'][number];

/**
 * The preset's rules but one, registered one by one (a rule marked `disabled` inside a preset's
 * configuration still runs in @secretlint/core 12.0.0: only top-level rules are checked). Left out:
 * filter-comments, which lets a `secretlint-disable` comment in the scanned text silence rules; the
 * text comes from the agent being watched, which must not choose what vigil sees.
 */
const CONFIG: CoreConfig = {
  rules: recommendedRules
    .filter((rule) => rule.meta.id !== '@secretlint/secretlint-rule-filter-comments')
    .map((rule) =>
      rule.meta.id === '@secretlint/secretlint-rule-aws'
        ? // The AWS rule looks for access key IDs only when asked (enableIDScanRule); vigil asks.
          // The account IDs it then also reports are identifiers, not credentials: left out.
          { id: rule.meta.id, rule, options: { enableIDScanRule: true }, allowMessageIds: ['AWSAccountID'] }
        : { id: rule.meta.id, rule },
    ),
};

/** Where in a message's data a rule puts the secret it found (the rest is labels). */
const SECRET_DATA_KEYS = ['KEY', 'TOKEN', 'ID', 'URI', 'URL', 'CREDENTIAL'] as const;
/** How far past a reported start the secret itself may begin (see spanOf) */
const RELOCATE_WITHIN = 1024;

/**
 * The span of the secret a message reports. In 12.0.0 three rules (AWS secret access key, npm's
 * `_authToken=` and `x-oauth-basic` URLs) report a range that starts where the whole pattern starts
 * (`AWS_SECRET_ACCESS_KEY=`) but is as long as the captured secret, so it covers the wrong
 * characters; a mask over that range would leave most of the key in clear. The secret the message
 * carries in its data is found again at or just after the reported start, which fixes those and
 * leaves every correct range as it is.
 */
function spanOf(text: string, message: CoreMessage): [number, number] {
  const [start, end] = message.range;
  const data: unknown = message.data;
  if (typeof data !== 'object' || data === null) return [start, end];
  for (const key of SECRET_DATA_KEYS) {
    const value: unknown = (data as Record<string, unknown>)[key];
    if (typeof value !== 'string' || value.length === 0) continue;
    if (text.startsWith(value, start) && start + value.length === end) return [start, end];
    const at = text.slice(start, start + RELOCATE_WITHIN + value.length).indexOf(value);
    if (at >= 0) return [start + at, start + at + value.length];
  }
  return [start, end];
}

/** The preset's matches in `text`, offsets into `text`; rejects only if a rule throws. */
export async function secretlintMatches(text: string): Promise<SecretMatch[]> {
  // The core drops a leading byte-order mark and would shift every offset by one: a space keeps them.
  const content = text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
  const result = await lintSource({
    // An empty path: no rule reads a file, the npm rule reads the text as a package file would be
    // read (x-oauth-basic URLs), GCP's .json/.p12 checks stay off (whole-file formats).
    source: { content, filePath: '', ext: '.txt', contentType: 'text' },
    options: { config: CONFIG, noPhysicFilePath: true },
  });
  return result.messages.map((message) => {
    const [start, end] = spanOf(content, message);
    return { ...secretlintKind(message.ruleId, message.messageId), rule: message.ruleId, start, end };
  });
}
