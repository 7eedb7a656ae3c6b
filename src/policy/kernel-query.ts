// A policy input as the kernel matcher's query (struct vigil_policy_query and its bytes), and its
// verdict back as a rule id. Pure: the same encoding serves `explain` and the differential test.
// Inputs are prepared the way the hooks see them: the path normalised (d_path's output is), the
// basename known even past the bound, the requested name normalised when absolute.
import { isIP } from 'node:net';

import { encodeStruct } from '../wire/struct-layout.js';
import { POLICY_NAME_MAX, POLICY_PATH_BOUND, POLICY_RULE_NONE, PolicyQuery } from '../wire/wire-layout.js';
import { ruleIdOf } from './rule-id.js';
import type { MatcherInput, OpenAccess } from './evaluate.js';
import { normalisePath } from './normal-path.js';
import { parseDestination } from './network-spec.js';
import type { Verdict } from './profile-types.js';

const KIND = { open: 1, exec: 2, connect: 3, unlink: 4, rename: 5 } as const;
const ACCESS: Record<OpenAccess, number> = { read: 1, write: 2, 'read-write': 3 };
const VERDICTS: readonly Verdict[] = ['ALLOW', 'AUDIT', 'BLOCK', 'KILL'];
const utf8 = new TextEncoder();

export interface KernelDecision {
  readonly action: Verdict;
  /** `denied_paths[3]`, `default`, `path-bound`, or `error` (no table: the kernel failed closed). */
  readonly rule: string;
}

function lastComponent(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(bytes.lastIndexOf(0x2f) + 1);
}

function isDots(n: Uint8Array): boolean {
  return (n.length === 1 && n[0] === 0x2e) || (n.length === 2 && n[0] === 0x2e && n[1] === 0x2e);
}

/** One batch record: the query for an input of profile `handle`, its bytes, padding to 4. */
export function encodeQuery(handle: number, input: MatcherInput): Buffer {
  const parts: Uint8Array[] = [];
  const q: Parameters<typeof encodeStruct<typeof PolicyQuery.specs>>[1] = {
    profile: handle,
    kind: KIND[input.kind],
  };
  if (input.kind === 'unlink' || input.kind === 'rename') {
    const p = normalisePath(input.path).bytes;
    q.path_len = p.length;
    if (p.length <= POLICY_PATH_BOUND) parts.push(p);
    if (input.kind === 'rename') {
      // the target travels as the requested path; over the bound: its length alone
      const t = normalisePath(input.to).bytes;
      q.req_path_len = Math.min(t.length, 0xffff);
      if (t.length <= POLICY_PATH_BOUND) parts.push(t);
    }
  } else if (input.kind === 'open' || input.kind === 'exec') {
    const p = normalisePath(input.path).bytes;
    q.path_len = p.length;
    if (p.length <= POLICY_PATH_BOUND) parts.push(p);
    if (input.kind === 'open') q.access = ACCESS[input.access];
    else {
      const name = p.length === 1 ? new Uint8Array() : lastComponent(p);
      if (name.length <= POLICY_NAME_MAX) {
        q.name_len = name.length;
        parts.push(name);
      }
      if (input.requested !== undefined) {
        const raw = typeof input.requested === 'string' ? utf8.encode(input.requested) : input.requested;
        if (raw[0] === 0x2f) {
          const rp = normalisePath(raw).bytes;
          if (rp.length <= POLICY_PATH_BOUND) {
            q.req_path_len = rp.length;
            parts.push(rp);
          }
        }
        const rn = lastComponent(raw);
        if (rn.length > 0 && rn.length <= POLICY_NAME_MAX && !isDots(rn)) {
          q.req_name_len = rn.length;
          parts.push(rn);
        }
      }
    }
  } else {
    const dest = parseDestination(input.ip);
    const addr = Buffer.alloc(16);
    if (dest.family === 4 && isIP(input.ip) === 6) {
      // keep the mapped form: the kernel must treat ::ffff:a.b.c.d as IPv4 itself
      addr[10] = 0xff;
      addr[11] = 0xff;
      Buffer.from(dest.bytes).copy(addr, 12);
      q.family = 6;
    } else {
      Buffer.from(dest.bytes).copy(addr);
      q.family = dest.family;
    }
    q.addr = addr;
    q.port = input.port;
    q.proto = input.proto === 'tcp' ? 6 : 17;
  }
  const size = PolicyQuery.size + parts.reduce((n, b) => n + b.length, 0);
  const rec = Buffer.alloc((size + 3) & ~3);
  encodeStruct(PolicyQuery, q).copy(rec);
  let at = PolicyQuery.size;
  for (const b of parts) {
    rec.set(b, at);
    at += b.length;
  }
  return rec;
}

/** A verdict of the batch program: action | rule_kind << 8 | rule << 16. */
export function decodeVerdict(kind: MatcherInput['kind'], word: number): KernelDecision {
  const rule = word >>> 16;
  return {
    action: VERDICTS[word & 0xff] ?? 'BLOCK',
    rule: ruleIdOf(kind, (word >>> 8) & 0xff, rule === POLICY_RULE_NONE ? 0 : rule),
  };
}
