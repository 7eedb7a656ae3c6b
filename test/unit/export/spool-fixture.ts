// Exported lines of a known size and folders for the spool and sender tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { Spool, type SpoolDrop, type SpoolOptions } from '../../../src/export/spool.js';
import type { SpooledLine } from '../../../src/export/types.js';

export const T0 = Date.parse('2026-12-01T00:00:00.000Z');

/** Line n: every line with the same `pad` has the same length (LINE_BYTES + pad with its newline). */
export function spooledLine(n: number, options: { tsMs?: number; pad?: number } = {}): SpooledLine {
  const id = `id-${String(n).padStart(6, '0')}`;
  const ts = new Date(options.tsMs ?? T0).toISOString();
  const json = JSON.stringify({
    event_id: id,
    host: 'h1',
    ts,
    event: 'exec',
    action: 'ALLOW',
    pad: 'x'.repeat(options.pad ?? 0),
  });
  return { id, json, severity: 'info', ts, event: 'exec' };
}

/** Bytes of a line with pad 0, newline included. */
export const LINE_BYTES = spooledLine(0).json.length + 1;

/** A spool in a fresh folder, with its drops and log collected; closed and removed after the test. */
export function openSpool(options: Partial<SpoolOptions> = {}) {
  const drops: SpoolDrop[] = [];
  const logs: string[] = [];
  const root = mkdtempSync(join(tmpdir(), 'vigil-spool-'));
  const settings: SpoolOptions = {
    dir: root,
    name: 'siem',
    maxBytes: 1024 * 1024,
    maxAgeMs: Infinity,
    syncIntervalMs: 0,
    onDrop: (d) => drops.push(d),
    log: (m) => logs.push(m),
    ...options,
  };
  const spool = Spool.open(settings);
  after(() => {
    spool.close();
    rmSync(root, { recursive: true, force: true });
  });
  return { spool, drops, logs, settings, reopen: () => Spool.open(settings) };
}

export const ids = (lines: readonly SpooledLine[]): string[] => lines.map((l) => l.id);
export const range = (from: number, to: number): string[] =>
  Array.from({ length: to - from }, (_, i) => spooledLine(from + i).id);
