// The Posture view's history: every `posture_change` line (an agent's guard-surface file changed,
// with its score before and after and the reasons it gained or lost) kept with its stream id as
// the lines reach the UI, so a page opened (or reloaded) later still shows past changes. The
// browser adds new ones from the line stream and drops duplicates by id. Bounded: the newest
// POSTURE_HISTORY_MAX are kept, the rest counted.
import type { AuditLine, AuditLineOf } from '../sinks/audit-schema.js';

export const POSTURE_HISTORY_MAX = 1_000;

export type PostureChangeLine = AuditLineOf<'posture_change'>;

export interface PostureHistoryEntry {
  /** the line's id in the UI's stream (event-hub.ts) */
  id: number;
  line: PostureChangeLine;
}

export interface PostureHistoryView {
  /** newest first */
  changes: PostureHistoryEntry[];
  /** older changes no longer kept (over POSTURE_HISTORY_MAX); the audit log has them */
  dropped: number;
}

export class PostureHistory {
  readonly #max: number;
  /** oldest first */
  #entries: PostureHistoryEntry[] = [];
  #dropped = 0;

  constructor(max = POSTURE_HISTORY_MAX) {
    this.#max = Math.max(1, max);
  }

  observe(line: AuditLine, id: number): void {
    if (line.event !== 'posture_change') return;
    this.#entries.push({ id, line });
    // cut in chunks, not one shift per line
    if (this.#entries.length > this.#max + Math.ceil(this.#max / 10)) {
      const cut = this.#entries.length - this.#max;
      this.#entries = this.#entries.slice(cut);
      this.#dropped += cut;
    }
  }

  list(): PostureHistoryView {
    const over = Math.max(0, this.#entries.length - this.#max);
    return { changes: this.#entries.slice(over).reverse(), dropped: this.#dropped + over };
  }
}
