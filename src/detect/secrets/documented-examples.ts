// Credentials that providers publish in their documentation as examples. They grant nothing, yet
// vigil reports them, at `low`: vigil watches a live agent rather than a repository, an operator
// checking that vigil sees a leaked key will paste exactly these, and an agent typing them into a
// command or a config is handling credentials all the same. secretlint, made for repositories,
// skips AWS's two (its aws rule's BUILTIN_IGNORED); vigil finds those two itself (extra-rules.ts).

/** AWS's example access key pair (IAM user guide, "Managing access keys"). */
export const AWS_EXAMPLE_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
export const AWS_EXAMPLE_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

const EXAMPLES: ReadonlySet<string> = new Set([
  AWS_EXAMPLE_ACCESS_KEY_ID,
  AWS_EXAMPLE_SECRET_ACCESS_KEY,
  // Stripe's sample test-mode secret keys (API reference, older and current)
  'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
  'sk_test_BQokikJOvBiI2HlWgH4olfQ2',
  // jwt.io's HS256 example token
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
  // the card networks' test numbers as payment processors publish them (Stripe, Braintree, Adyen)
  '4111111111111111',
  '4242424242424242',
  '4012888888881881',
  '5555555555554444',
  '5105105105105100',
  '378282246310005',
  '371449635398431',
  '6011111111111117',
]);

/** Whether `value` (a card number with or without separators) is a published example. */
export function isDocumentedExample(value: string): boolean {
  return EXAMPLES.has(value) || EXAMPLES.has(value.replace(/[ -]/g, ''));
}
