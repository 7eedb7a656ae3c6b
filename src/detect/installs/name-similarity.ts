// How alike two package names are: a bounded Damerau-Levenshtein distance (optimal string
// alignment: one transposition of neighbours costs 1), a confusable skeleton that maps look-alike
// letters to one letter (I and 1 to l, 0 to o, rn to m, Cyrillic and Greek look-alikes and
// accented letters to their Latin base), and the name with its separators taken out.

/**
 * The optimal-string-alignment distance of a and b, or max + 1 as soon as it must exceed max
 * (rows are cut off by the band |i - j| <= max, so a call costs O(len * max)).
 */
export function editDistance(a: string, b: string, max: number): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const n = b.length;
  const far = max + 1;
  if (rows[0].length < n + 2) rows = [new Int32Array(n + 2), new Int32Array(n + 2), new Int32Array(n + 2)];
  let [prev2, prev, cur] = rows;
  for (let j = 0; j <= n; j++) prev[j] = j;
  prev[n + 1] = far;
  for (let i = 1; i <= a.length; i++) {
    const from = Math.max(1, i - max);
    const to = Math.min(n, i + max);
    cur[0] = i;
    if (from > 1) cur[from - 1] = far;
    let rowMin = from > 1 ? far : i;
    const ai = a.charCodeAt(i - 1);
    for (let j = from; j <= to; j++) {
      const bj = b.charCodeAt(j - 1);
      let d = Math.min(
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
        (prev[j - 1] as number) + (ai === bj ? 0 : 1),
      );
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj) {
        d = Math.min(d, (prev2[j - 2] as number) + 1);
      }
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    cur[to + 1] = far;
    if (rowMin > max) return far;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  const d = prev[n] as number;
  return d > max ? far : d;
}

/** three reused rows: an edit distance runs once per candidate, often */
let rows: [Int32Array, Int32Array, Int32Array] = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

// Look-alikes of Latin letters from other scripts (Unicode's confusables for the letters that
// appear in package names), beyond what NFKD and stripping marks already fold.
const CONFUSABLE: Record<string, string> = {
  а: 'a', // Cyrillic
  в: 'b',
  е: 'e',
  ё: 'e',
  һ: 'h',
  і: 'i',
  ї: 'i',
  ј: 'j',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ɡ: 'g', // Latin small script g
  ɑ: 'a',
  ı: 'i', // dotless i
  ł: 'l',
  ο: 'o', // Greek
  α: 'a',
  β: 'b',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ω: 'w',
  ℓ: 'l',
};

/** true when the name has a letter outside ASCII */
export function hasNonAscii(name: string): boolean {
  return /[^\x20-\x7e]/.test(name);
}

/**
 * The name as it looks: case kept long enough to read a capital I as l, then Unicode folded
 * (fullwidth and accented letters to ASCII, other scripts' look-alikes to Latin), then the ASCII
 * look-alikes 1 -> l, 0 -> o, rn -> m, vv -> w.
 */
export function skeleton(name: string): string {
  const folded = name.replace(/I/g, 'l').normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  let out = '';
  for (const ch of folded) out += CONFUSABLE[ch] ?? ch;
  return out.replace(/1/g, 'l').replace(/0/g, 'o').replace(/rn/g, 'm').replace(/vv/g, 'w');
}

/** the name without `-`, `_`, `.` (crossenv and cross-env, setup-tools and setuptools) */
export function sepless(name: string): string {
  return name.replace(/[-_.]/g, '');
}

/** the names one deletion away, and the name itself (a symmetric-delete index's keys) */
export function deletions(name: string): string[] {
  const out = [name];
  for (let i = 0; i < name.length; i++) out.push(name.slice(0, i) + name.slice(i + 1));
  return out;
}
