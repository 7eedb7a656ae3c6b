// Payment card numbers (PANs), which secretlint has no rule for. A run of digits counts only if all
// three hold: 13–19 digits, in one group or in groups of 3–6 split by one kind of separator (space
// or hyphen); an issuer's prefix with a length that issuer uses (ISO/IEC 7812 IIN ranges, as the
// networks publish them); and the Luhn check digit (ISO/IEC 7812-1 annex B). A random 16-digit
// number still passes all three about once in forty (a quarter have an issuer's prefix, a tenth of
// those the right check digit); a run inside a longer number, a word, a decimal or a version string
// is never a candidate.
import type { SecretMatch } from './secret-finding.js';

/** [prefix, lengths] per network: Visa, Mastercard (51–55, 2221–2720), Amex, Discover, JCB,
 * Diners Club, UnionPay, Maestro */
const ISSUERS: readonly (readonly [RegExp, readonly number[]])[] = [
  [/^4/, [13, 16, 19]],
  [/^(?:5[1-5]|222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720)/, [16]],
  [/^3[47]/, [15]],
  [/^(?:6011|64[4-9]|65)/, [16, 17, 18, 19]],
  [/^35(?:2[89]|[3-8]\d)/, [16, 17, 18, 19]],
  [/^3(?:0[0-59]|[689])/, [14, 15, 16, 17, 18, 19]],
  [/^62/, [16, 17, 18, 19]],
  [/^(?:5018|5020|5038|5893|6304|6759|676[1-3])/, [13, 14, 15, 16, 17, 18, 19]],
];

// A candidate: digits with at most one separator between two of them, not glued to a word, a
// decimal point, a sign or another group of digits on either side.
const CANDIDATE = /(?<![\w.+-]|\d )\d{3,6}(?:[ -]?\d){10,16}(?!\w|[.,]\d|[ -]\d)/g;

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function wellGrouped(candidate: string): boolean {
  const separators = new Set(candidate.replace(/\d/g, ''));
  if (separators.size === 0) return true;
  if (separators.size > 1) return false;
  return candidate.split(/[ -]/).every((group) => group.length >= 3 && group.length <= 6);
}

/** A card number's digits pass the issuer and Luhn checks. */
export function isCardNumber(digits: string): boolean {
  if (!/^\d{13,19}$/.test(digits)) return false;
  const issued = ISSUERS.some(([prefix, lengths]) => prefix.test(digits) && lengths.includes(digits.length));
  return issued && luhnValid(digits);
}

export function findCreditCards(text: string): SecretMatch[] {
  const out: SecretMatch[] = [];
  for (const m of text.matchAll(CANDIDATE)) {
    const candidate = m[0];
    if (!wellGrouped(candidate) || !isCardNumber(candidate.replace(/[ -]/g, ''))) continue;
    out.push({
      kind: 'credit_card',
      rule: 'vigil/credit-card',
      severity: 'high',
      start: m.index,
      end: m.index + candidate.length,
    });
  }
  return out;
}
