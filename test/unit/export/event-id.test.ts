// Event ids: RFC 9562 UUIDv7s that sort by the time they were made and never repeat.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newEventId } from '../../../src/export/event-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const msOf = (id: string): number => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('event ids', () => {
  it('are UUIDv7: version 7, variant 10, the time in ms in the first 48 bits', () => {
    const t = Date.now() + 1000;
    const id = newEventId(t);
    assert.match(id, UUID_V7);
    assert.equal(msOf(id), t);
  });

  it('increase strictly within a process, in the same ms too (the counter), never repeating', () => {
    const made = Array.from({ length: 20_000 }, () => newEventId());
    assert.equal(new Set(made).size, made.length);
    for (let i = 1; i < made.length; i++) assert.ok((made[i - 1] as string) < (made[i] as string), `${i}`);
    for (const id of made) assert.match(id, UUID_V7);
  });

  it('borrow the next ms when 4096 ids are made in one, and hold still when the clock steps back', () => {
    const t = Date.now() + 5000;
    const same = Array.from({ length: 5000 }, () => newEventId(t));
    assert.ok(msOf(same.at(-1) as string) <= t + 2);
    const back = newEventId(t - 60_000);
    assert.ok(back > (same.at(-1) as string));
    // the same ms, or the next one when the counter ran out just then
    assert.ok(msOf(back) - msOf(same.at(-1) as string) <= 1);
  });

  it('carry 62 random bits: ids of the same ms differ in them', () => {
    const t = Date.now() + 10_000;
    const tails = Array.from({ length: 100 }, () => newEventId(t).slice(19));
    assert.equal(new Set(tails).size, 100);
  });
});
