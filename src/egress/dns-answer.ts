// The addresses a DNS response gives for the name asked: A and AAAA records of that name or of
// a name its CNAME chain leads to (in the answer section, as resolvers return them), with their
// TTLs. Records for other names (a server padding its answer) are not the question's.
import type { DecodedPacket } from 'dns-packet';

import { normaliseHostName } from '../policy/host-spec.js';

export interface AnsweredAddress {
  address: string;
  family: 4 | 6;
  ttlS: number;
  /** the owner name of the record: the name asked or a CNAME target */
  name: string;
}

/** Follows the CNAME chain from `asked` (bounded: a loop or a chain past 16 names stops). */
export function answeredAddresses(response: DecodedPacket, asked: string): AnsweredAddress[] {
  const answers = response.answers ?? [];
  const chain = new Set([normaliseHostName(asked)]);
  for (let grew = true, rounds = 0; grew && rounds < 16; rounds++) {
    grew = false;
    for (const a of answers) {
      if (a.type !== 'CNAME' || !chain.has(normaliseHostName(a.name))) continue;
      const target = normaliseHostName(a.data);
      if (!chain.has(target)) {
        chain.add(target);
        grew = true;
      }
    }
  }
  const out: AnsweredAddress[] = [];
  for (const a of answers) {
    if ((a.type !== 'A' && a.type !== 'AAAA') || !chain.has(normaliseHostName(a.name))) continue;
    out.push({
      address: a.data,
      family: a.type === 'A' ? 4 : 6,
      ttlS: a.ttl ?? 0,
      name: normaliseHostName(a.name),
    });
  }
  return out;
}
