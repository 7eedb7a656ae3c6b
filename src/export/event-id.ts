// The event id of an exported line: a UUIDv7 (RFC 9562, section 5.7): 48 bits of Unix time in
// ms, the version (7), 12 bits of counter, the variant (10) and 62 random bits. Ids sort by the
// time they were made, so a receiver (or a reader of the spool) sees the daemon's order; the
// random bits make a repeat across restarts and hosts as unlikely as a UUIDv4's.
//
// Within one process ids are strictly increasing: a second id in the same ms takes the next
// counter value (RFC 9562's method 1, the counter starting at a random value below 2048 so it
// has room), a counter that runs out borrows the next ms, and a clock that steps back is held at
// the last ms used until it catches up.
import { randomFillSync } from 'node:crypto';

const MAX_MS = 2 ** 48 - 1;
const COUNTER_MAX = 0xfff;
// Random bytes are drawn in blocks: one getrandom() per 256 ids instead of one per id.
// (2 bytes seed the counter, 8 fill the random bits).
const RANDOM_PER_ID = 10;
const pool = Buffer.alloc(RANDOM_PER_ID * 256);
let poolAt = pool.length;
let lastMs = -1;
let counter = 0;

function random(): Buffer {
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const bytes = pool.subarray(poolAt, poolAt + RANDOM_PER_ID);
  poolAt += RANDOM_PER_ID;
  return bytes;
}

/** A new event id, e.g. '019bf0c2-7a31-7c4e-9d1a-3f6b2c8e4a10'; `nowMs` is Unix time in ms. */
export function newEventId(nowMs: number = Date.now()): string {
  const r = random();
  let ms = Math.max(Math.floor(nowMs), lastMs);
  if (ms === lastMs) {
    counter++;
    if (counter > COUNTER_MAX) {
      ms++;
      counter = r.readUInt16BE(0) & 0x7ff;
    }
  } else {
    counter = r.readUInt16BE(0) & 0x7ff;
  }
  if (!(ms >= 0 && ms <= MAX_MS)) throw new RangeError(`event id: time ${ms} ms is out of range`);
  lastMs = ms;
  const b = Buffer.allocUnsafe(16);
  b.writeUInt32BE(Math.floor(ms / 0x10000), 0);
  b.writeUInt16BE(ms % 0x10000, 4);
  b.writeUInt16BE(0x7000 | counter, 6);
  // bytes 8-15: the variant (binary 10) and 62 random bits
  r.copy(b, 8, 2, 10);
  b[8] = 0x80 | ((b[8] as number) & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
