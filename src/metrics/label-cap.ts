// Label values from data (profile names, backends, detector kinds) are bounded: every distinct
// value is a time series the scraper keeps, so past a fixed number of them the rest are counted
// together under 'other'. A label with a known set of values takes only those.

export const OTHER = 'other';

export class LabelCap {
  readonly #limit: number;
  readonly #seen = new Set<string>();
  readonly #fixed: boolean;

  /** `known`: the only values allowed (the rest is 'other'); else the first `limit` seen. */
  constructor(limit: number, known?: readonly string[]) {
    this.#limit = known?.length ?? limit;
    this.#fixed = known !== undefined;
    for (const v of known ?? []) this.#seen.add(v);
  }

  /** The label value to count `value` under. */
  value(value: string): string {
    if (this.#seen.has(value)) return value;
    if (this.#fixed || this.#seen.size >= this.#limit) return OTHER;
    this.#seen.add(value);
    return value;
  }

  /** The values kept so far (all of `known`, when given). */
  values(): readonly string[] {
    return [...this.#seen];
  }
}
