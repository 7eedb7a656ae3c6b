// Network rules -> the matcher's network LPM trie: one entry per distinct network, its value the
// port segments with every rule whose network contains it folded in (docs/kernel-matcher.md).
import { encodeStruct } from '../wire/struct-layout.js';
import {
  POLICY_PORT_SEGS,
  POLICY_RULE_NONE,
  PolicyNet,
  PolicyNetKey,
  PolicyPortSeg,
} from '../wire/wire-layout.js';
import { POLICY_MAPS, type MapWrite } from './policy-maps.js';
import type { NetworkRule, Profile } from './profile-types.js';
import { refuse } from './refuse-rule.js';
import { ACTION, emptySlot, encodeSlot, mergeSlot, type SlotVerdict } from './slot-verdicts.js';

interface NetEntry {
  readonly target: NetworkRule['target'];
  readonly rules: NetworkRule[];
}

function contains(outer: NetworkRule['target'], inner: NetworkRule['target']): boolean {
  if (outer.family !== inner.family || outer.prefix > inner.prefix) return false;
  const full = outer.prefix >> 3;
  for (let i = 0; i < full; i++) if (outer.bytes[i] !== inner.bytes[i]) return false;
  const bits = outer.prefix & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return ((inner.bytes[full] ?? 0) & mask) === outer.bytes[full];
}

/** One LPM entry per distinct network; its value holds port segments with every containing rule folded in. */
export function compileNetworks(
  profile: Profile,
  tableId: number,
): { writes: MapWrite[]; entries: number; segments: number } {
  const entries = new Map<string, NetEntry>();
  const all = [...profile.networks.denied, ...profile.networks.allowed];
  // a rule with several destinations (`resolvers`) takes part as one rule per destination
  for (const r of all.flatMap((x) => x.targets.map((target) => ({ ...x, target })))) {
    const k = `${r.target.family}/${r.target.bytes.join('.')}/${r.target.prefix}`;
    const e = entries.get(k) ?? { target: r.target, rules: [] };
    e.rules.push(r);
    entries.set(k, e);
  }
  const writes: MapWrite[] = [];
  let segments = 0;
  for (const e of entries.values()) {
    const rules = all.filter((r) => contains(r.target, e.target));
    const cuts = new Set<number>([0]);
    for (const r of rules) for (const [lo, hi] of r.target.ports ?? [[0, 65535]]) cuts.add(lo).add(hi + 1);
    const points = [...cuts].filter((p) => p <= 65535).sort((a, b) => a - b);
    const segs: { lo: number; hi: number; tcp: SlotVerdict; udp: SlotVerdict }[] = [];
    points.forEach((lo, i) => {
      const hi = (points[i + 1] ?? 65536) - 1;
      const tcp = emptySlot();
      const udp = emptySlot();
      for (const r of rules) {
        if (r.target.ports !== null && !r.target.ports.some(([a, b]) => a <= lo && hi <= b)) continue;
        const deny = r.action !== 'allow';
        const one: SlotVerdict = deny
          ? { denyAction: ACTION[r.action], denyRule: r.index, allowRule: POLICY_RULE_NONE }
          : { denyAction: 0, denyRule: POLICY_RULE_NONE, allowRule: r.index };
        if (r.target.protocol !== 'udp') mergeSlot(tcp, one);
        if (r.target.protocol !== 'tcp') mergeSlot(udp, one);
      }
      const empty = (s: SlotVerdict): boolean => s.denyAction === 0 && s.allowRule === POLICY_RULE_NONE;
      if (empty(tcp) && empty(udp)) return;
      const prev = segs[segs.length - 1];
      const same = (a: SlotVerdict, b: SlotVerdict): boolean =>
        a.denyAction === b.denyAction && a.denyRule === b.denyRule && a.allowRule === b.allowRule;
      if (prev !== undefined && prev.hi + 1 === lo && same(prev.tcp, tcp) && same(prev.udp, udp))
        prev.hi = hi;
      else segs.push({ lo, hi, tcp, udp });
    });
    if (segs.length > POLICY_PORT_SEGS) {
      const last = e.rules[e.rules.length - 1] as NetworkRule;
      refuse(
        'VIGIL_PROFILE_TOO_BIG',
        last,
        `the network ${e.target.cidr} with the port rules that cover it needs ${segs.length} port segments; the bound is ${POLICY_PORT_SEGS}`,
      );
    }
    segments += segs.length;
    const segBuf = Buffer.alloc(POLICY_PORT_SEGS * PolicyPortSeg.size);
    segs.forEach((s, i) =>
      encodeStruct(PolicyPortSeg, {
        lo: s.lo,
        hi: s.hi,
        tcp: encodeSlot(s.tcp),
        udp: encodeSlot(s.udp),
      }).copy(segBuf, i * PolicyPortSeg.size),
    );
    const addr = Buffer.alloc(16);
    Buffer.from(e.target.bytes).copy(addr);
    writes.push({
      map: POLICY_MAPS.nets,
      key: encodeStruct(PolicyNetKey, {
        prefixlen: 40 + e.target.prefix,
        table: tableId,
        family: e.target.family,
        addr,
      }),
      value: encodeStruct(PolicyNet, { count: segs.length, segs: segBuf }),
    });
  }
  return { writes, entries: entries.size, segments };
}
